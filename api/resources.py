"""Generic list and detail responders, one pair of instances per resource."""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import quote

import falcon
import msgspec

from commands.catalog import Resource
from commands.field_permissions import check_write, shown
from commands.handlers import Written
from commands.validation import ValidationFailed, parse_instant
from projections.as_of import detail_as_of
from projections.render import render_written
from workers.runtime import Runtime

from .errors import ApiError, method_not_allowed, not_found
from .idempotency import keyed
from .negotiation import parse_body
from .options import metadata
from .pages import page_links
from .permissions import hide, may, require, visible_regions
from .responses import send, stored

_encode = msgspec.json.Encoder().encode
DEFAULT_LIMIT = 10
#: What an ignored parameter's name keeps as it is in ``X-Ignored-Filters`` (the rest, the comma, spaces and
#: line breaks included, percent-encoded: a name never breaks the header).
HEADER_SAFE = "!#$&'()*+-./:;<=>?@[]^_`{|}~"


def _no_content(_result) -> tuple[int, bytes]:
    """The answer to a DELETE."""
    return 204, b""


def int_param(req: falcon.Request, name: str, default: int, minimum: int) -> int:
    """A whole-number query parameter; ``default`` when absent, not a number or below ``minimum``."""
    raw = req.get_param(name)
    try:
        value = int(raw)
    except (TypeError, ValueError):  # absent, not a number, or beyond Python's 4300-digit conversion limit
        return default
    return value if value >= minimum else default


def etag(version: int, doc: bytes) -> str:
    """The ``ETag`` of a representation: the record's stream version, and a digest of the document (which
    also changes when a record it nests changes)."""
    return f'"{version}-{hashlib.blake2s(doc, digest_size=6).hexdigest()}"'


def _tags(header: str) -> list[str]:
    """The entity tags of an ``If-Match``/``If-None-Match`` header, each as ``(weak, opaque)``."""
    return [(tag.startswith("W/"), tag.removeprefix("W/")) for tag in (t.strip() for t in header[:2000].split(","))]


def _not_modified(req: falcon.Request, tag: str) -> bool:
    """``If-None-Match`` (weak comparison, RFC 9110): the client holds this representation."""
    header = req.get_header("If-None-Match")
    return header is not None and (header.strip() == "*" or any(t == tag for _weak, t in _tags(header)))


def _if_match(req: falcon.Request) -> set[int] | None:
    """The stream versions ``If-Match`` names (strong comparison: weak tags match nothing); None: no header or
    ``*``."""
    header = req.get_header("If-Match")
    if header is None or header.strip() == "*":
        return None
    versions = set()
    for weak, tag in _tags(header):
        version = tag.strip('"').partition("-")[0]
        if not weak and tag.startswith('"') and version.isascii() and version.isdigit() and len(version) < 19:
            versions.add(int(version))
    return versions


def instant(raw: str) -> dt.datetime:
    """``as_of``: an ISO 8601 instant (400 naming it otherwise)."""
    moment = parse_instant(raw)
    if moment is None:
        raise ValidationFailed({"as_of": ["Enter an ISO 8601 instant, e.g. 2026-12-02T17:00:00Z."]})
    return moment


class _Base:
    """Shared checks and responses; ``owner`` scopes a nested route (custom fields)."""

    allowed_here: tuple[str, ...] = ()

    def __init__(self, rt: Runtime, res: Resource, owner: Resource | None = None):
        self.rt = rt
        self.res = res
        self.owner = owner

    @property
    def allowed(self) -> tuple[str, ...]:
        """Methods this URL serves for this resource (the ``Allow`` header)."""
        return tuple(m for m in self.res.methods if m in self.allowed_here)

    def _check(self, req: falcon.Request) -> None:
        """Ralph's order: the model permission (403), then the method (405)."""
        require(req, self.res)
        if req.method not in self.allowed:
            raise method_not_allowed(req.method, self.allowed)

    def _scope(self, owner_pk: int | None) -> dict:
        """Column values every record of this route has (404 when the owner is missing)."""
        if self.owner is None:
            return {}
        if self.rt.reads.detail(self.owner, owner_pk) is None:
            raise not_found()
        return {"object_family": self.owner.family, "object_id": owner_pk}

    def _owned(self, req, owner_pk: int | None) -> dict:
        """:meth:`_scope`, also 404 when the request's user may not see the owner."""
        scope = self._scope(owner_pk)
        if self.owner is not None:
            hide(req, self.rt.store, self.owner, owner_pk)
        return scope

    def _stored(self, resp, position: int) -> None:
        stored(self.rt, resp, position)

    def _written(self, req, resp, status: int, written: Written) -> None:
        self._stored(resp, written.position)
        send(req, resp, status, self._render(req, written))

    def _body(self, req) -> dict:
        """The request body, refused (400) when it sets a field the user may not change."""
        body = parse_body(req, self.rt.settings.max_body_bytes)
        check_write(req.context.user, self.res, body)
        return body

    def _render(self, req, written: Written) -> bytes:
        """The answer to a write: the flat representation of the record as written, as the user may see it."""
        doc = _encode(render_written(self.res, written.pk, written.values, written.created, written.modified))
        return shown(req.context.user, self.res, [doc])[0]

    def _answer(self, req, status: int):
        """What a write's idempotency key stores: ``status`` and :meth:`_render`."""
        return lambda written: (status, self._render(req, written))

    def _options(self, req, resp, is_detail: bool, present: bool = True) -> None:
        self._check(req)
        may_write = present and may(req.context.user, self.res, "PUT" if is_detail else "POST")
        send(req, resp, 200, _encode(metadata(self.res, is_detail, may_write)))


class Collection(_Base):
    """``/api/<prefix>/``: list (GET, HEAD), create (POST), OPTIONS."""

    allowed_here = ("GET", "POST", "HEAD", "OPTIONS")

    def on_get(self, req, resp, pk: int | None = None):
        self._check(req)
        scope = self._owned(req, pk)
        limit = min(int_param(req, "limit", DEFAULT_LIMIT, 1), self.rt.settings.max_limit)
        offset = int_param(req, "offset", 0, 0)
        count, docs, ignored = self.rt.reads.page(self.res, req.params, limit, offset, scope, visible_regions(req))
        nxt, prev = page_links(req, count, limit, offset)
        if ignored:
            resp.set_header("X-Ignored-Filters", ",".join(sorted(quote(name, safe=HEADER_SAFE) for name in ignored)))
        docs = shown(req.context.user, self.res, docs)
        body = b"".join((b'{"count":', str(count).encode(), b',"next":', _encode(nxt), b',"previous":',
                         _encode(prev), b',"results":[', b",".join(docs), b"]}"))
        send(req, resp, 200, body)

    def on_head(self, req, resp, pk: int | None = None):
        self.on_get(req, resp, pk)
        resp.data = b""

    def on_post(self, req, resp, pk: int | None = None):
        self._check(req)
        scope = self._owned(req, pk)
        fixed = scope | ({"object_resource": self.owner.name} if self.owner else {})
        body = self._body(req)
        written = keyed(self.rt, req, resp, body, self._answer(req, 201),
                        lambda receipt: self.rt.commands.create(self.res, body, req.context.user_id, fixed, receipt,
                                                                regions=visible_regions(req)))
        if written is not None:
            self._written(req, resp, 201, written)

    def on_options(self, req, resp, pk: int | None = None):
        self._options(req, resp, False)

    def on_put(self, req, resp, pk: int | None = None):
        self._check(req)

    on_patch = on_delete = on_put


class Item(_Base):
    """``/api/<prefix>/<id>/``: GET, HEAD, PUT, PATCH, DELETE, OPTIONS.

    Nested routes pass the owner id as ``pk`` and the record id as ``item``.
    """

    allowed_here = ("GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

    def _id(self, req, pk: int, item: int | None) -> int:
        """The record id, after checking a nested record belongs to its owner."""
        if self.owner is None:
            return pk
        scope = self._owned(req, pk)
        state = self.rt.reads.state(self.res, item)
        if state is None or any(state.get(k) != v for k, v in scope.items()):
            raise not_found()
        return item

    def on_get(self, req, resp, pk: int, item: int | None = None):
        self._check(req)
        pk = self._id(req, pk, item)
        hide(req, self.rt.store, self.res, pk)
        if req.get_param("as_of") is not None:
            self._as_of(req, resp, pk)
            return
        found = self.rt.reads.tagged(self.res, pk)
        if found is None:
            raise not_found()
        doc, version = found
        doc = shown(req.context.user, self.res, [doc])[0]
        tag = etag(version, doc)
        resp.set_header("ETag", tag)
        if _not_modified(req, tag):
            resp.status = falcon.HTTP_304
            return
        send(req, resp, 200, doc)

    def _as_of(self, req, resp, pk: int) -> None:
        """``?as_of=<ISO 8601 instant>``: the representation the record had then, from the event store."""
        doc = detail_as_of(self.rt.store, self.res, pk, instant(req.get_param("as_of")))
        if doc is None:
            raise not_found()
        send(req, resp, 200, shown(req.context.user, self.res, [_encode(doc)])[0])

    def on_head(self, req, resp, pk: int, item: int | None = None):
        self.on_get(req, resp, pk, item)
        resp.data = b""

    def on_put(self, req, resp, pk: int, item: int | None = None):
        self._update(req, resp, self._id(req, pk, item), partial=False)

    def on_patch(self, req, resp, pk: int, item: int | None = None):
        self._update(req, resp, self._id(req, pk, item), partial=True)

    def _update(self, req, resp, pk: int, partial: bool):
        self._check(req)
        body = self._body(req)
        written = keyed(self.rt, req, resp, body, self._answer(req, 200), lambda receipt: self.rt.commands.update(
            self.res, pk, body, req.context.user_id, partial, _if_match(req), receipt, regions=visible_regions(req)))
        if written is None:
            return
        self._written(req, resp, 200, written)
        found = self.rt.reads.tagged(self.res, pk)
        if found is not None and found[1] >= 1 and resp.get_header("X-Read-Model-Behind") is None:
            resp.set_header("ETag", etag(found[1], found[0]))  # what a GET now answers

    def on_delete(self, req, resp, pk: int, item: int | None = None):
        self._check(req)
        body = parse_body(req, self.rt.settings.max_body_bytes)  # Ralph reads only ``force`` (Resource.in_use)
        position = keyed(self.rt, req, resp, body, _no_content, lambda receipt: self.rt.commands.delete(
            self.res, self._id(req, pk, item), req.context.user_id, _if_match(req), receipt,
            regions=visible_regions(req), force=bool(body.get("force"))))
        if position is not None:
            self._stored(resp, position)
            resp.status = 204

    def on_options(self, req, resp, pk: int, item: int | None = None):
        self._check(req)
        self._options(req, resp, True, self._present(req, pk, item))

    def _present(self, req, pk: int, item: int | None) -> bool:
        """True when the user can get the record (DRF offers its PUT action only then)."""
        try:
            pk = self._id(req, pk, item)
            hide(req, self.rt.store, self.res, pk)
        except ApiError:
            return False
        return self.rt.reads.detail(self.res, pk) is not None

    def on_post(self, req, resp, pk: int, item: int | None = None):
        self._check(req)


class KeyedItem(Item):
    """``/api/<prefix>/<key>/`` for a resource whose records are named by a unique ``key`` field (read-only)."""

    def on_get(self, req, resp, pk: str, item: int | None = None):
        self._check(req)
        found = self.rt.reads.find(self.res, self.res.key, pk) if len(pk) <= 100 else None
        if found is None:
            raise not_found()
        super().on_get(req, resp, found[0])
