"""The HTML preview's log in and log out (DRF's ``/api-auth/login/`` and ``/api-auth/logout/``).

A session is a cookie holding the user's API key (HttpOnly, SameSite=Strict):
it ends with the browser, at log out, or when the key is revoked.
"""

from __future__ import annotations

import falcon

from commands.passwords import api_token
from workers.runtime import Runtime

from .auth import SESSION_COOKIE, check_credentials
from .negotiation import parse_body
from .preview import TEMPLATES


def _next(value: str | None) -> str:
    """Where to go after logging in: a path of this site only."""
    return value if value and value.startswith("/") and not value.startswith(("//", "/\\")) else "/api/"


class Login:
    """GET: the log-in form; POST (a form): set the session cookie and go on, or the form again with an error."""

    def __init__(self, rt: Runtime):
        self.rt = rt

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self._form(resp, _next(req.get_param("next")), "", 200)

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form = parse_body(req, 4096)
        username, password = (str(form.get(k) or "") for k in ("username", "password"))
        target = _next(str(form.get("next") or ""))
        user = check_credentials(self.rt.principals, username, password) if username and password else None
        if user is None or not user.is_active or not (user.is_staff or user.is_superuser):
            self._form(resp, target, "Please enter the correct username and password for a staff account. Note that both fields may be case-sensitive.", 200)
            return
        resp.set_cookie(SESSION_COOKIE, api_token(self.rt.settings.secret_key, user.id, user.token_salt),
                        path="/", secure=req.scheme == "https", http_only=True, same_site="Strict")
        raise falcon.HTTPSeeOther(target)

    @staticmethod
    def _form(resp: falcon.Response, target: str, error: str, status: int) -> None:
        resp.status = status
        resp.content_type = "text/html; charset=utf-8"
        resp.data = TEMPLATES.get_template("login.html").render(next=target, error=error).encode()


class Logout:
    """Forget the session cookie and go back to the API root."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.unset_cookie(SESSION_COOKIE, path="/")
        raise falcon.HTTPSeeOther("/api/")

    on_post = on_get
