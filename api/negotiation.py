"""Accept-header versioning, content negotiation and request body parsing."""

from __future__ import annotations

import io
from urllib.parse import parse_qs

import falcon
import msgspec

from .errors import ApiError, detail

VERSIONS = ("v1",)
RENDERS = ["application/json", "text/html", "application/xml"]
PARSES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data", "application/xml"]
#: Deepest nesting of lists and objects a JSON body may have.
MAX_DEPTH = 32
_JSON_RANGES = ("application/json", "application/*", "*/*")


def negotiate(req: falcon.Request) -> None:
    """406 unless the client accepts JSON in version v1 (absent version = v1)."""
    header = req.get_header("Accept")
    if not header:
        return
    ranges = [falcon.parse_header(part.strip()) for part in header.split(",") if part.strip()]
    acceptable = [(media, params) for media, params in ranges if media.lower() in _JSON_RANGES]
    if not acceptable:
        raise detail(406, "Could not satisfy the request Accept header.")
    version = acceptable[0][1].get("version")
    if version is not None and version not in VERSIONS:
        raise detail(406, 'Invalid version in "Accept" header.')


def parse_body(req: falcon.Request, max_bytes: int) -> dict:
    """The request body as a dict (JSON, form or multipart); ``{}`` when empty.

    413 over ``max_bytes``; 400 for malformed or too deeply nested JSON and for
    a body that is not an object (DRF's message).
    """
    body = _decode(req, _read(req, max_bytes))
    if not isinstance(body, dict):
        raise ApiError(400, {"non_field_errors": [
            f"Invalid data. Expected a dictionary, but got {type(body).__name__}."]})
    return body


def _read(req: falcon.Request, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of body (413 beyond, whatever Content-Length says)."""
    if (req.content_length or 0) > max_bytes:
        raise _too_large(max_bytes)
    raw = req.bounded_stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _too_large(max_bytes)
    return raw


def _too_large(max_bytes: int) -> ApiError:
    return detail(413, f"Request body exceeds the limit of {max_bytes} bytes.")


def _decode(req: falcon.Request, raw: bytes):
    media = (req.content_type or "").split(";")[0].strip().lower()
    if not raw and not media.startswith("multipart/"):
        return {}
    if media == "application/json":
        try:
            body = msgspec.json.decode(raw)
        except (msgspec.DecodeError, RecursionError) as ex:
            raise detail(400, f"JSON parse error - {ex}") from None
        if _depth(body) > MAX_DEPTH:
            raise detail(400, f"JSON parse error - nested deeper than {MAX_DEPTH} levels")
        return body
    if media == "application/x-www-form-urlencoded":
        form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] if len(v) == 1 else v for k, v in form.items()}
    if media == "multipart/form-data":
        return _multipart(req, raw)
    raise detail(415, f'Unsupported media type "{req.content_type or ""}" in request.')


def _depth(value) -> int:
    """How deeply lists and objects nest in a decoded JSON value (a scalar is 0)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _multipart(req: falcon.Request, raw: bytes) -> dict:
    form: dict[str, list[str]] = {}
    try:
        parts = falcon.media.MultipartFormHandler().deserialize(io.BytesIO(raw), req.content_type, len(raw))
        for part in parts:
            form.setdefault(part.name, []).append(part.get_text())
    except falcon.MediaMalformedError:
        raise detail(400, "Multipart form parse error - Invalid boundary in multipart.") from None
    return {k: v[0] if len(v) == 1 else v for k, v in form.items()}
