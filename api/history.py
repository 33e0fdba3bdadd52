"""``/api/<prefix>/<id>/history/``: a record's changes from its event stream, paginated like a list."""

from __future__ import annotations

import msgspec

from commands.catalog import Resource
from commands.field_permissions import shown_entries
from commands.history import entries
from workers.runtime import Runtime

from .errors import not_found
from .pages import page_links
from .permissions import hide, require
from .resources import DEFAULT_LIMIT, int_param
from .responses import send

_encode = msgspec.json.Encoder().encode


class History:
    """GET (and HEAD) of one record's history, oldest first (``ordering=-position``: newest first)."""

    def __init__(self, rt: Runtime, res: Resource):
        self.rt, self.res = rt, res

    def on_get(self, req, resp, pk: int):
        require(req, self.res, "GET")
        hide(req, self.rt.store, self.res, pk)
        limit = min(int_param(req, "limit", DEFAULT_LIMIT, 1), self.rt.settings.max_limit)
        offset = int_param(req, "offset", 0, 0)
        count, found = entries(self.rt.store, self.res, pk, limit, offset, req.get_param("ordering") == "-position")
        if not count:
            raise not_found()
        nxt, prev = page_links(req, count, limit, offset)
        send(req, resp, 200, _encode({"count": count, "next": nxt, "previous": prev,
                                      "results": shown_entries(req.context.user, found)}))

    def on_head(self, req, resp, pk: int):
        self.on_get(req, resp, pk)
        resp.data = b""
