"""Limit/offset pagination links, as DRF's LimitOffsetPagination builds them."""

from __future__ import annotations

from urllib.parse import urlencode

import falcon


def url_with(req: falcon.Request, **changes) -> str:
    """The request's absolute URL with some query parameters changed (None: removed)."""
    params = [(k, v) for k, v in req.params.items()]
    flat = []
    for key, value in params:
        if key in changes:
            continue
        flat += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
    flat += [(k, str(v)) for k, v in changes.items() if v is not None]
    query = urlencode(flat)
    return f"{req.prefix}{req.path}" + (f"?{query}" if query else "")


def page_links(req: falcon.Request, count: int, limit: int, offset: int) -> tuple[str | None, str | None]:
    """Absolute ``next`` and ``previous`` URLs (or None) keeping other parameters."""
    nxt = url_with(req, limit=limit, offset=offset + limit) if offset + limit < count else None
    if offset <= 0:
        prev = None
    elif offset - limit <= 0:
        prev = url_with(req, limit=limit, offset=None)
    else:
        prev = url_with(req, limit=limit, offset=offset - limit)
    return nxt, prev
