"""``/api/events/``: every change the store holds, in store order, resumable and long-polled."""

from __future__ import annotations

import time

import msgspec

from commands.catalog import CATALOG, resource
from commands.field_permissions import shown_entries
from commands.history import feed
from commands.regions import hidden
from commands.validation import ValidationFailed
from workers.runtime import Runtime

from .pages import url_with
from .permissions import may, require, visible_regions
from .responses import send

_encode = msgspec.json.Encoder().encode
#: The longest a request may wait for a change (seconds), and how often it looks meanwhile.
MAX_WAIT, LOOK_EVERY = 30.0, 0.2
DEFAULT_LIMIT = 100


class Events:
    """GET ``?after=<position>&limit=N[&resource=<prefix>[&id=<id>]][&wait=<seconds>]``."""

    def __init__(self, rt: Runtime):
        self.rt = rt

    def on_get(self, req, resp):
        after = _number(req, "after", 0, int)
        limit = max(1, min(_number(req, "limit", DEFAULT_LIMIT, int), self.rt.settings.max_limit))
        wait = max(0.0, min(_number(req, "wait", 0.0, float), MAX_WAIT))
        res, pk = _scope(req)
        if res is not None:
            require(req, res, "GET")
        deadline = time.monotonic() + wait
        seen: dict[tuple[str, int], bool] = {}
        while True:
            found, last = feed(self.rt.store, after, limit, res, pk)
            found = [e for e in found if self._visible(req, e, seen)]
            if found or time.monotonic() >= deadline:
                break
            after = last  # what was looked at holds nothing of interest: go on from there
            time.sleep(LOOK_EVERY)
        send(req, resp, 200, _encode({"results": shown_entries(req.context.user, found), "last": last,
                                      "next": url_with(req, after=last)}))

    def _visible(self, req, entry: dict, seen: dict) -> bool:
        """The user may view the entry's resource and see its record (regions; decided once per record)."""
        res = CATALOG[entry["resource"]]
        if not may(req.context.user, res, "GET"):
            return False
        key = (res.name, entry["id"])
        if key not in seen:
            seen[key] = not hidden(self.rt.store, res, entry["id"], visible_regions(req))
        return seen[key]


def _number(req, name: str, default, kind):
    raw = req.get_param(name)
    if raw is None:
        return default
    try:
        value = kind(raw) if len(raw) <= 20 else None
    except ValueError:
        value = None
    if value is None or not 0 <= value <= 2**63 - 1:  # NaN fails the comparison too
        raise ValidationFailed({name: ["A valid non-negative number is required."]})
    return value


def _scope(req):
    name, pk = req.get_param("resource"), req.get_param("id")
    if name is None:
        if pk is not None:
            raise ValidationFailed({"id": ["An id needs its resource (resource=<prefix>)."]})
        return None, None
    try:
        res = resource(name)
    except KeyError:
        raise ValidationFailed({"resource": [f'"{name}" is not a resource.']}) from None
    if pk is None:
        return res, None
    if not (pk.isascii() and pk.isdigit()) or len(pk) > 18:
        raise ValidationFailed({"id": ["A valid integer is required."]})
    return res, int(pk)
