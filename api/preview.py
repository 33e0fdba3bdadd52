"""The HTML preview: any JSON answer shown to a browser as a page, like DRF's browsable API.

The page shows the request and the answer (status, headers, the JSON
pretty-printed with its URLs as links), pagination links, a filter form from
the resource's filters, and forms for the writes the user may make. Output is
escaped by Jinja2; the page loads nothing from elsewhere, and its one script
runs under a per-page nonce (Content-Security-Policy), so a value holding
markup is shown, never run.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import falcon
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from commands.catalog import Resource
from commands.field_permissions import changeable

from .auth import SESSION_COOKIE, csrf_token
from .permissions import may

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                        autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
#: How a field of each kind is entered in a form.
_WIDGETS = {"bool": "bool", "choice": "choice", "int": "int", "float": "number", "decimal": "text", "fk": "id",
            "m2m": "ids", "tags": "list", "text": "textarea", "json": "json", "password": "password"}


def linked_json(data) -> Markup:
    """``data`` pretty-printed as escaped HTML, each http(s) URL string a link."""
    text = json.dumps(data, indent=4, ensure_ascii=False)
    out, last = [], 0
    for match in _STRING.finditer(text):
        out.append(escape(text[last:match.start()]))
        token, value = match.group(), json.loads(match.group())
        if urlsplit(value).scheme in ("http", "https"):
            out.append(Markup('"<a href="{0}" rel="nofollow">{1}</a>"').format(value, token[1:-1]))
        else:
            out.append(escape(token))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def page(req: falcon.Request, resp: falcon.Response, responder, secret_key: str) -> None:
    """Replace the JSON answer in ``resp`` by its HTML page."""
    data = json.loads(resp.data) if resp.data else None
    user = getattr(req.context, "user", None)
    res = getattr(responder, "res", None) if user is not None else None
    is_detail = type(responder).__name__ in ("Item", "KeyedItem")
    nonce = secrets.token_urlsafe(16)
    session = req.cookies.get(SESSION_COOKIE)
    context = {
        "title": _title(req, res, is_detail), "request": req, "status": resp.status, "user": user,
        "headers": [(name, resp.headers[name]) for name in ("allow", "content-type", "vary", "etag")
                    if name in resp.headers],
        "body": linked_json(data) if data is not None else None,
        "pages": _pages(data), "nonce": nonce, "login": f"/api-auth/login/?next={req.relative_uri}",
        "csrf": csrf_token(secret_key, session) if session and user else "",
        "filters": res.filtering if res is not None and not is_detail and resp.status_code == 200 else [],
        "forms": _forms(user, res, is_detail, data if resp.status_code == 200 else None),
        "list_url": req.path.rsplit("/", 2)[0] + "/" if is_detail else req.path,
    }
    resp.content_type = "text/html; charset=utf-8"
    resp.data = TEMPLATES.get_template("preview.html").render(context).encode()
    resp.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
                    f"script-src 'nonce-{nonce}'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
                    "frame-ancestors 'none'")


def _title(req: falcon.Request, res: Resource | None, is_detail: bool) -> str:
    if res is not None:
        return f"{res.view_title} {'Instance' if is_detail else 'List'}"
    return "Api Root" if req.path == "/api/" else "Ralph-ES API"


def _pages(data) -> dict:
    """``previous``/``next`` of a list envelope."""
    if not isinstance(data, dict) or "results" not in data:
        return {}
    return {name: data.get(name) for name in ("previous", "next") if data.get(name)}


def _forms(user, res: Resource | None, is_detail: bool, current) -> list[dict]:
    """The write forms the user may use here: POST on a list; PUT (filled with the record), PATCH (only what is
    filled in is sent) and DELETE on a record."""
    if res is None:
        return []
    methods = ("PUT", "PATCH", "DELETE") if is_detail else ("POST",)
    fields = [f for f in res.write_fields if f.stored and not f.read_only] + [
        f for f in res.fields if f.kind == "password"]
    forms = []
    for method in methods:
        if method not in res.methods or not may(user, res, method):
            continue
        inputs = [] if method == "DELETE" else [_input(f, current if method == "PUT" else None)
                                                 for f in changeable(user, res, fields)]
        forms.append({"method": method, "inputs": inputs})
    return forms


def _input(f, current) -> dict:
    """One form input: its name, label, widget, choices and the value it starts with."""
    value = (current or {}).get(f.name) if isinstance(current, dict) else None
    if isinstance(value, dict):
        value = value.get("id", "")
    elif isinstance(value, list):
        value = ", ".join(str(v.get("id", v.get("name", "")) if isinstance(v, dict) else v) for v in value)
    elif isinstance(value, bool):
        value = "true" if value else "false"
    return {"name": f.name, "label": f.label or f.name, "widget": _WIDGETS.get(f.kind, "text"),
            "required": f.required, "help": f.help_text, "choices": [name for _id, name in f.choices or ()],
            "value": "" if value is None else str(value)}
