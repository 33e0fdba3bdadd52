"""Accept-header versioning, content negotiation and request body parsing."""

from __future__ import annotations

import io
from urllib.parse import parse_qs

import falcon
import msgspec

from .errors import detail

VERSIONS = ("v1",)
RENDERS = ["application/json", "text/html", "application/xml"]
PARSES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data", "application/xml"]
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


def parse_body(req: falcon.Request) -> dict:
    """The request body as a dict (JSON, form or multipart); ``{}`` when empty."""
    raw = req.bounded_stream.read()
    media = (req.content_type or "").split(";")[0].strip().lower()
    if not raw and not media.startswith("multipart/"):
        return {}
    if media == "application/json":
        try:
            return msgspec.json.decode(raw)
        except msgspec.DecodeError as ex:
            raise detail(400, f"JSON parse error - {ex}") from None
    if media == "application/x-www-form-urlencoded":
        form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] if len(v) == 1 else v for k, v in form.items()}
    if media == "multipart/form-data":
        return _multipart(req, raw)
    raise detail(415, f'Unsupported media type "{req.content_type or ""}" in request.')


def _multipart(req: falcon.Request, raw: bytes) -> dict:
    form: dict[str, list[str]] = {}
    try:
        parts = falcon.media.MultipartFormHandler().deserialize(io.BytesIO(raw), req.content_type, len(raw))
        for part in parts:
            form.setdefault(part.name, []).append(part.get_text())
    except falcon.MediaMalformedError:
        raise detail(400, "Multipart form parse error - Invalid boundary in multipart.") from None
    return {k: v[0] if len(v) == 1 else v for k, v in form.items()}
