"""Accept-header versioning, content negotiation and request body parsing."""

from __future__ import annotations

import io
from urllib.parse import parse_qs

import falcon
import msgspec

from .errors import ApiError, detail
from .xml import parse_xml

VERSIONS = ("v1",)
RENDERS = ["application/json", "text/html", "application/xml"]
PARSES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data", "application/xml"]
#: What each renderer is called in ``?format=`` and what it answers, in DRF's priority order.
FORMATS = {"json": "application/json", "api": "text/html", "xml": "application/xml"}
#: Deepest nesting of lists and objects a JSON body may have.
MAX_DEPTH = 32


def negotiate(req: falcon.Request) -> str:
    """The format to answer in (``json``, ``api`` or ``xml``), as DRF's content negotiation picks it.

    ``?format=`` decides when given (another value: 404). Otherwise the
    Accept header's ranges are taken most specific first (DRF's precedence,
    which ignores ``q``), and within one precedence the first renderer any of
    them matches wins; no header or ``*/*`` is JSON; nothing matching is a 406.
    A ``version`` other than v1 on the chosen range is a 406.
    """
    chosen = req.get_param("format")
    if chosen is not None:
        if chosen not in FORMATS:
            raise detail(404, "Not found.")
        return chosen
    header = req.get_header("Accept")
    if not header or not header.strip():
        return "json"
    ranges = [falcon.parse_header(part.strip()) for part in header[:2000].split(",") if part.strip()]
    for precedence in (3, 2, 1, 0):
        for name, media in FORMATS.items():
            for accepted, params in ranges:
                if _precedence(accepted, params) == precedence and _matches(media, accepted.lower()):
                    if params.get("version", "v1") not in VERSIONS:
                        raise detail(406, 'Invalid version in "Accept" header.')
                    return name
    raise detail(406, "Could not satisfy the request Accept header.")


def _precedence(media: str, params: dict) -> int:
    """DRF's ``_MediaType.precedence``: ``*/*`` 0, ``type/*`` 1, a full type 2, with parameters (not ``q``) 3."""
    main, _, sub = media.partition("/")
    if main == "*":
        return 0
    if sub == "*":
        return 1
    return 2 if not set(params) - {"q"} else 3


def _matches(media: str, accepted: str) -> bool:
    main, _, sub = accepted.partition("/")
    own_main, _, own_sub = media.partition("/")
    return main in ("*", own_main) and sub in ("*", own_sub)


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
    if media == "application/xml":
        return parse_xml(raw)
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
