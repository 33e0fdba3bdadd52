"""The projector: applies store events to the read tables, exactly once.

Each batch runs in one read-side transaction that holds the projection lock
(a PostgreSQL advisory lock, or SQLite's write lock), writes the rows, then
moves the stored position with a compare-and-set, so a crash or a second
projector can neither lose nor double-apply an event.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import zlib
from collections import defaultdict
from decimal import Decimal

import msgspec
from sqlalchemy import String, bindparam, delete, func, insert, literal, select, text, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from commands.catalog import BASE_OBJECT_TYPES, CATALOG, RESOURCES, Resource
from commands.config import FAN_OUT
from commands.ids import raise_counters
from commands.store import CHANGES, RECORD_EVENTS, UNAVAILABLE, RalphStore, Record
from commands.validation import naive_iso

from .render import MAX_DEPTH, render
from .loader import Inserts, Loader, chunks
from .tables import ReadSchema, among, column_fields, default_schema
from .networks import PROJECTION_HOOKS
from .trees import inherited, number_tree

BATCH = 500
#: Most records whose values one batch hands to the next.
CARRIED = 50_000
#: The PostgreSQL channel on which each batch announces ``"<label> <position>"`` (:mod:`workers.wakeups`).
PROJECTED = "ralph_es_projected"
LOCK_KEY = 0x52414C5048  # "RALPH"
#: Deferred records rendered again per transaction.
PENDING_CHUNK = 50
#: Longest wait (seconds) before a projector retries an event it could not apply.
MAX_BACKOFF = 60.0
log = logging.getLogger("ralph_es.projector")
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.decode


def _incoming_edges() -> dict[str, list[tuple[Resource, str, str]]]:
    """For each resource, the (resource, field, kind) pairs that point at it."""
    edges: dict[str, list] = defaultdict(list)
    for owner in RESOURCES:
        if owner.polymorphic:
            continue
        for f in owner.stored_fields:
            if f.kind not in ("fk", "m2m") or f.target not in CATALOG:
                continue
            targets = BASE_OBJECT_TYPES if CATALOG[f.target].polymorphic else (CATALOG[f.target],)
            for target in targets:
                edges[target.name].append((owner, f.name, f.kind))
    return edges


def _reverse_edges() -> dict[str, list[tuple[Resource, str, bool]]]:
    """For each child resource, the (parent, via field, match family) triples that list it (a base object's
    document is its own type's: the polymorphic resource renders none)."""
    edges: dict[str, list] = defaultdict(list)
    for parent in RESOURCES:
        if parent.polymorphic:
            continue
        if parent.has_custom_fields:
            edges["customfieldvalues"].append((parent, "object_id", True))
        for f in parent.fields:
            if f.kind == "reverse" and f.target in CATALOG:
                edges[f.target].append((parent, f.via, False))
            for child, via in f.deps:
                edges[child].append((parent, via, False))
    return edges


INCOMING = _incoming_edges()
REVERSE = _reverse_edges()
#: For each resource, the (child resource, field) lists its representation reads.
CHILDREN = {r.name: sorted({(child, via) for child, edges in REVERSE.items() for parent, via, _ in edges
                            if parent.name == r.name}) for r in RESOURCES}


def _column_value(kind: str, value):
    if value is None:
        return None
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    return value


def _base_object_row(res: Resource, state: dict) -> dict:
    """Columns of the shared ``base_objects`` row of a record."""
    return {"resource": res.name, "service_env": state.get("service_env"), "parent": state.get("parent"),
            "created": _column_value("datetime", state.get("created")),
            "modified": _column_value("datetime", state.get("modified"))}


#: Where a read row's state keeps the version of the record's stream it reflects (the ETag).
VERSION = "_stream_version"


def _row(res: Resource, pk: int, state: dict) -> dict:
    row = {"id": pk, "state": _encode(state), "doc": b"{}",
           "created": _column_value("datetime", state.get("created")),
           "modified": _column_value("datetime", state.get("modified")),
           "stream_version": state.get(VERSION, 0)}
    for f in column_fields(res):
        row[f.name] = _column_value(f.kind, state.get(f.name))
    return row


class Projector:
    """Keeps one read model (a :class:`ReadSchema`) up to date with the store."""

    def __init__(self, engine: Engine, store: RalphStore, schema: ReadSchema | None = None, name: str = "main"):
        self.engine = engine
        self.store = store
        self.schema = schema or default_schema()
        self.name = name
        #: records nesting a changed record that a batch renders again itself; more are deferred (:meth:`_defer`)
        self.fan_out = FAN_OUT
        #: The advisory lock of this read model's batches (one per generation: a rebuild never waits on live ones).
        self.lock_key = LOCK_KEY + zlib.crc32(self.schema.prefix.encode())
        #: How logs name this projection ("next_main": a generation being built).
        self.label = self.schema.prefix + name
        self.positions = self.schema.positions
        self.failures = self.schema.failures
        self._local = threading.Lock()
        self._backoff = 0.0
        self._retry_at = 0.0
        self._inserts = Inserts()
        #: (position, values by record) the last committed batch left: the next batch starts from them when
        #: nothing was projected in between (:meth:`_batch`), so it reads fewer records again.
        self._carried: tuple[int, dict] | None = None
        self._loader: Loader | None = None
        #: True when the read tables were made anew for a changed catalogue (the store is to be replayed).
        self.reset = self.schema.create(engine)
        with self.engine.begin() as conn:
            self.lock(conn)
            self._recount_missing(conn)

    # position -----------------------------------------------------------
    def position(self, conn: Connection | None = None) -> int:
        """The id of the last event applied."""
        if conn is None:
            with self.engine.connect() as conn:
                return self.position(conn)
        return self.schema.position(conn, self.name)

    def head(self) -> int:
        """The id of the newest event in the store."""
        return self.store.recorder.max_notification_id() or 0

    def failure(self) -> dict | None:
        """The event the projection is stalled on (position, event, error, since, attempts), or None."""
        f = self.failures
        with self.engine.connect() as conn:
            row = conn.execute(select(f).where(f.c.name == self.name)).first()
        return None if row is None else dict(row._mapping)

    def _advance(self, conn: Connection, old: int, new: int) -> None:
        p = self.positions
        if old == 0 and conn.execute(select(func.count()).select_from(p).where(p.c.name == self.name)).scalar() == 0:
            conn.execute(insert(p).values(name=self.name, position=new))
            return
        moved = conn.execute(update(p).where(p.c.name == self.name, p.c.position == old).values(position=new))
        if moved.rowcount != 1:
            raise RuntimeError("projection position moved under this projector")

    def lock(self, conn: Connection) -> None:
        """Take this read model's projection lock for the transaction (SQLite: its write lock is the lock)."""
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.lock_key})

    # catch-up -----------------------------------------------------------
    def catch_up(self, until: int | None = None, progress=None) -> int:
        """Apply every event not yet applied (at least up to ``until``); returns the position.

        A batch that fails is retried one event at a time: the events before
        the failing one are applied, the failing one is recorded (see
        :meth:`failure`) and logged once, and the projector stops there,
        retrying with a growing back-off until the event applies (a new
        release) or another projector has moved past it.
        """
        with self._local:
            if self._backing_off():
                return self.position()
            while True:
                try:
                    start, last, size = self._batch(BATCH)
                except UNAVAILABLE:
                    raise  # the database is away: no event is to blame
                except Exception:  # noqa: BLE001 - isolated below, event by event
                    stalled = self._isolate()
                    if stalled is not None:
                        return stalled
                    continue
                if last is None:
                    return start
                if progress is not None:
                    progress(last)
                if size < BATCH and (until is None or last >= until):
                    return last  # the store held no more when the batch read it (what came since wakes us again)

    def _batch(self, limit: int) -> tuple[int, int | None, int]:
        """Apply up to ``limit`` events in one transaction: (start position, last applied or None, count).

        Once it commits, the stored values it read and wrote are kept for the
        next batch (at most :data:`CARRIED` records): they are what the read
        tables hold as long as no other projector moves the position first.
        """
        with self.engine.begin() as conn:
            self.lock(conn)
            result = self.step(conn, limit)
        loader, self._loader = self._loader, None
        if result[1] is not None and loader is not None:
            self._carry(result[1], loader.cache)
        return result

    def _carry(self, position: int, cache: dict) -> None:
        """Keep ``cache`` (stored values as of ``position``, just committed) for the next transaction."""
        if len(cache) <= CARRIED:
            self._carried = (position, cache)

    def _carried_at(self, position: int | None) -> dict | None:
        """The values kept by :meth:`_carry` if they are as of ``position`` (then given up either way)."""
        carried, self._carried = self._carried, None
        return carried[1] if carried is not None and carried[0] == position else None

    def step(self, conn: Connection, limit: int) -> tuple[int, int | None, int]:
        """Apply up to ``limit`` events in the caller's transaction, which holds the lock: as :meth:`_batch`."""
        start = self.position(conn)
        page = self.store.notifications_after(conn, start, limit)
        if not page:
            return start, None, 0
        self._apply(conn, [self.store.mapper.to_domain_event(n) for n in page], start)
        self._advance(conn, start, page[-1].id)
        self._clear_failure(conn, page[-1].id)
        self._announce(conn, page[-1].id)
        return start, page[-1].id, len(page)

    def _announce(self, conn: Connection, position: int) -> None:
        """On PostgreSQL, NOTIFY the new position to waiting writers (delivered when the batch commits)."""
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_notify(PROJECTED, f"{self.label} {position}")))

    def _isolate(self) -> int | None:
        """After a failed batch: apply its events one by one; the position where one fails (None: none did)."""
        for _ in range(BATCH):
            try:
                _start, last, _size = self._batch(1)
            except UNAVAILABLE:
                raise
            except Exception as ex:  # noqa: BLE001 - recorded, logged once, retried later
                return self._record_failure(ex)
            if last is None:
                return None
        return None

    def _record_failure(self, ex: Exception) -> int:
        """Record the event after the position as unappliable; log it when it is news."""
        error = f"{type(ex).__name__}: {ex}"
        with self.engine.begin() as conn:
            self.lock(conn)
            position = self.position(conn)
            page = self.store.recorder.select_notifications(start=position, limit=1, inclusive_of_start=False)
            if not page:
                return position
            event = f"{page[0].topic} #{page[0].originator_version} of {page[0].originator_id}"
            f = self.failures
            known = conn.execute(select(f).where(f.c.name == self.name)).first()
            news = known is None or (known.position, known.error) != (page[0].id, error)
            if news:
                conn.execute(delete(f).where(f.c.name == self.name))
                conn.execute(insert(f).values(name=self.name, position=page[0].id, event=event, error=error,
                                              since=dt.datetime.now(dt.UTC).replace(tzinfo=None), attempts=1))
            else:
                conn.execute(update(f).where(f.c.name == self.name).values(attempts=f.c.attempts + 1))
        self._backoff = min(MAX_BACKOFF, self._backoff * 2 or 1.0)
        self._retry_at = time.monotonic() + self._backoff
        if news:
            log.error("projection %s stalled at event %s (%s); the read model stays at %s: %s",
                      self.label, page[0].id, event, position, error, exc_info=ex)
        return position

    def _clear_failure(self, conn: Connection, position: int) -> None:
        """Forget a failure at or before ``position`` (its event is applied now)."""
        f = self.failures
        if conn.execute(delete(f).where(f.c.name == self.name, f.c.position <= position)).rowcount:
            log.warning("projection %s resumed: applied up to event %s", self.label, position)
        self._backoff = self._retry_at = 0.0

    def _backing_off(self) -> bool:
        """True while waiting to retry a failed event that is still recorded as the failure."""
        if not self._retry_at:
            return False
        failure = self.failure()
        if time.monotonic() < self._retry_at and failure is not None and failure["position"] > self.position():
            return True
        if failure is None:
            self._backoff = 0.0
        self._retry_at = 0.0
        return False

    # applying -----------------------------------------------------------
    def _apply(self, conn: Connection, events: list, start: int | None = None) -> None:
        self._inserts = Inserts()
        loader = Loader(conn, self.schema, self._inserts, self._carried_at(start))
        self._loader = loader
        dirty: dict[str, set[int]] = defaultdict(set)
        created: dict[str, set[int]] = defaultdict(set)  # ids by family
        for ev in events:
            if isinstance(ev, Record.Created):
                created[CATALOG[ev.resource].family].add(ev.pk)
                state = {**ev.values, "created": naive_iso(ev.timestamp), "modified": naive_iso(ev.timestamp),
                         VERSION: ev.originator_version}
                self._write(conn, CATALOG[ev.resource], ev.pk, None, state, dirty)
                loader.remember(ev.resource, ev.pk, state)
            elif isinstance(ev, Record.Converted):  # out of the old table, into the new one: same id, same created
                found = loader.state(ev.previous, ev.pk)
                loader.forget(ev.previous, ev.pk)
                if found is None:
                    continue
                self._remove(conn, CATALOG[ev.previous], ev.pk, found[1], dirty)
                state = {**ev.values, "created": found[1].get("created"), "modified": naive_iso(ev.timestamp),
                         VERSION: ev.originator_version}
                self._write(conn, CATALOG[ev.resource], ev.pk, None, state, dirty)
                loader.remember(ev.resource, ev.pk, state)
            elif isinstance(ev, (*CHANGES, Record.Deleted)):
                res, pk = CATALOG[ev.resource], ev.pk
                found = loader.state(res.name, pk)
                loader.forget(res.name, pk)
                if found is None:
                    continue
                old = found[1]
                if isinstance(ev, Record.Deleted):
                    self._remove(conn, res, pk, old, dirty)
                else:
                    state = {**old, **{k: new for k, (_o, new) in ev.changes.items()},
                             "modified": naive_iso(ev.timestamp), VERSION: ev.originator_version}
                    self._write(conn, res, pk, old, state, dirty)
                    loader.remember(res.name, pk, state)
        touched = {name for ev in events if isinstance(ev, RECORD_EVENTS)
                   for name in (ev.resource, getattr(ev, "previous", ev.resource))}
        for res in RESOURCES:
            for hook in res.projection_hooks:
                watched, run = PROJECTION_HOOKS[hook]
                if touched & watched:
                    for name in watched:
                        self._inserts.drain(conn, self.schema.table(CATALOG[name]))
                    run(self, conn, loader, dirty)
        for res in RESOURCES:
            if res.tree and dirty.get(res.name):
                self._renumber(conn, loader, res, dirty)
        self._expand(conn, loader, dirty, created)
        self._render(conn, loader, dirty, created)
        self._drain(conn)
        self._count(conn, events)
        raise_counters(conn, {family: max(ids) for family, ids in created.items() if ids})

    def _count(self, conn: Connection, events: list) -> None:
        """Move the live-record counts by the records this batch created, deleted and converted.

        A resource without a count (a new or emptied read model, or one from
        before counts existed) is then counted from its table, which already
        holds the batch.
        """
        deltas: dict[str, int] = defaultdict(int)
        for ev in events:
            if isinstance(ev, Record.Converted):  # one more of the new resource, one less of the old
                deltas[ev.resource] += 1
                deltas[ev.previous] -= 1
            elif isinstance(ev, (Record.Created, Record.Deleted)):
                res, step = CATALOG[ev.resource], 1 if isinstance(ev, Record.Created) else -1
                deltas[res.name] += step
                if res.base_object:
                    deltas["base-objects"] += step
        counts = self.schema.counts
        for name, delta in deltas.items():
            if delta:
                conn.execute(update(counts).where(counts.c.name == name).values(rows=counts.c.rows + delta))
        self._recount_missing(conn)

    def _recount_missing(self, conn: Connection) -> None:
        """Count the records of every resource that has no count (yet, or any more) from its table."""
        names = {r.name for r in RESOURCES if not r.polymorphic} | {"base-objects"}
        for name in sorted(names - set(conn.execute(select(self.schema.counts.c.name)).scalars())):
            rows = select(func.count()).select_from(self.schema.table(CATALOG[name])).scalar_subquery()
            conn.execute(insert(self.schema.counts).values(name=name, rows=rows))

    def _renumber(self, conn: Connection, loader: Loader, res: Resource, dirty) -> None:
        """Refresh the nested-set numbers of a tree resource after a change."""
        t = self.schema.table(res)
        self._inserts.drain(conn, t)
        nodes = {row.id: _decode(row.state) for row in conn.execute(select(t.c.id, t.c.state))}
        for pk, numbers in number_tree(nodes, order=res.tree_order).items():
            for name, source in res.inherit:
                numbers[name] = inherited(nodes, pk, source)
            if any(nodes[pk].get(k) != v for k, v in numbers.items()):
                self.patch(conn, loader, res, pk, numbers, dirty)

    def patch(self, conn: Connection, loader: Loader, res: Resource, pk: int, values: dict, dirty) -> None:
        """Set values the read side computes (tree numbers, containment) on one row."""
        state = {**loader.state(res.name, pk)[1], **values}
        row = _row(res, pk, state)
        t = self.schema.table(res)
        changed = {"state": row["state"], **{k: row[k] for k in values if k in t.c}}
        waiting = self._inserts.waiting(t, pk)
        if waiting is not None:
            waiting.update(changed)
        else:
            conn.execute(update(t).where(t.c.id == bindparam("b_pk")), {"b_pk": pk, **changed})
        loader.remember(res.name, pk, state)
        dirty[res.name].add(pk)

    def schema_resource(self, name: str) -> Resource:
        """The catalogued resource ``name`` (for projection hooks)."""
        return CATALOG[name]

    @staticmethod
    def decode(raw: bytes) -> dict:
        """Stored values of a row."""
        return _decode(raw)

    def _write(self, conn: Connection, res: Resource, pk: int, old: dict | None, state: dict, dirty) -> None:
        """Store a record's new values (row, links, tags); its doc is rendered later.

        New records are queued (:class:`Inserts`) and inserted in bulk
        before anything reads or changes their tables, with their documents
        when those are rendered first.
        """
        if old is None:
            self._queue_new(res, pk, state)
        else:
            self._update_row(conn, res, pk, old, state)
        dirty[res.name].add(pk)
        self._touch_parents(res, old, state, dirty)

    def _queue_new(self, res: Resource, pk: int, state: dict) -> None:
        add = self._inserts.add
        add(self.schema.table(res), _row(res, pk, state), pk)
        for f in res.stored_fields:
            values = state.get(f.name) or []
            if f.kind == "m2m" and values:
                for n, i in enumerate(values):
                    add(self.schema.links[(res.name, f.name)], {"owner_id": pk, "target_id": i, "position": n}, (pk, n))
            elif f.kind == "tags" and values:
                for i, n in enumerate(values):
                    add(self.schema.tags, {"family": res.family, "object_id": pk, "name": n, "position": i},
                        (res.family, pk, i))
        if res.base_object:
            add(self.schema.base_objects, {"id": pk, **_base_object_row(res, state)}, pk)

    def _drain(self, conn: Connection) -> None:
        """Insert every queued row (before a statement that reads or changes them)."""
        self._inserts.drain(conn)

    def _update_row(self, conn: Connection, res: Resource, pk: int, old: dict, state: dict) -> None:
        self._drain(conn)
        t = self.schema.table(res)
        row = _row(res, pk, state)
        del row["id"], row["doc"]
        conn.execute(update(t).where(t.c.id == bindparam("b_pk")), {"b_pk": pk, **row})
        for f in res.stored_fields:
            before, after = old.get(f.name) or [], state.get(f.name) or []
            if f.kind == "m2m" and before != after:
                link = self.schema.links[(res.name, f.name)]
                conn.execute(delete(link).where(link.c.owner_id == pk))
                if after:
                    conn.execute(insert(link), [{"owner_id": pk, "target_id": i, "position": n}
                                                for n, i in enumerate(after)])
            elif f.kind == "tags" and before != after:
                self._tags(conn, res, pk, after)
        if res.base_object:
            bo = self.schema.base_objects
            conn.execute(update(bo).where(bo.c.id == bindparam("b_pk")),
                         {"b_pk": pk, **_base_object_row(res, state)})

    def _tags(self, conn: Connection, res: Resource, pk: int, names: list[str]) -> None:
        tags = self.schema.tags
        conn.execute(delete(tags).where(tags.c.family == res.family, tags.c.object_id == pk))
        if names:
            conn.execute(insert(tags), [{"family": res.family, "object_id": pk, "name": n, "position": i}
                                        for i, n in enumerate(names)])

    def _remove(self, conn: Connection, res: Resource, pk: int, old: dict, dirty) -> None:
        self._drain(conn)
        t = self.schema.table(res)
        conn.execute(delete(t).where(t.c.id == pk))
        for f in res.stored_fields:
            if f.kind == "m2m":
                link = self.schema.links[(res.name, f.name)]
                conn.execute(delete(link).where(link.c.owner_id == pk))
        if res.base_object:
            bo = self.schema.base_objects
            conn.execute(delete(bo).where(bo.c.id == pk))
        self._tags(conn, res, pk, [])
        dirty[res.name].discard(pk)
        self._touch_parents(res, old, {}, dirty)

    def _touch_parents(self, res: Resource, old: dict | None, new: dict, dirty) -> None:
        """Mark records that list this one through a reverse field (before and after)."""
        for parent, via, match_family in REVERSE.get(res.name, ()):
            for state in (old or {}, new):
                if state.get(via) is None or (match_family and state.get("object_family") != parent.family):
                    continue
                dirty[parent.name].add(state[via])

    def _expand(self, conn: Connection, loader: Loader, dirty: dict[str, set[int]], created: dict,
                empty: frozenset[str] = frozenset()) -> None:
        """Add every record that nests a dirty one, transitively (fan-out).

        Records ``created`` in this batch (ids by family) are skipped when
        looking for referrers: whatever references them was written after
        them, so it is in this batch (already dirty) or in a later one. So are
        the resources known to have no records (``empty``).
        """
        frontier = {name: set(ids) for name, ids in dirty.items() if ids}
        while frontier:
            found: dict[str, set[int]] = defaultdict(set)
            for name, ids in frontier.items():
                for pk in ids if name in REVERSE else ():
                    state = loader.state(name, pk)
                    parents: dict[str, set[int]] = defaultdict(set)
                    self._touch_parents(CATALOG[name], None, state[1] if state else {}, parents)
                    for parent, pks in parents.items():
                        found[parent] |= pks - dirty[parent]
                        dirty[parent] |= pks
                for owner, field, kind in INCOMING.get(name, ()):
                    if owner.name in empty:
                        continue
                    for chunk in chunks(sorted(ids - created[CATALOG[name].family])):
                        if kind == "fk":
                            t = self.schema.table(owner)
                            query = select(t.c.id).where(among(t.c[field], chunk, conn.dialect.name))
                        else:
                            t = self.schema.links[(owner.name, field)]
                            query = select(t.c.owner_id).where(among(t.c.target_id, chunk, conn.dialect.name)).distinct()
                        self._inserts.drain(conn, t)
                        pks = set(conn.execute(query).scalars()) - dirty[owner.name]
                        if len(pks) > self.fan_out:
                            self._defer(conn, owner.name, query, len(pks))
                            continue
                        dirty[owner.name] |= pks
                        found[owner.name] |= pks
            frontier = found

    def _defer(self, conn: Connection, name: str, ids, found: int) -> None:
        """Queue the records of ``name`` that the query ``ids`` finds (``found`` of them: records that nest a
        changed one) to render them again after this batch, a chunk at a time between the batches that follow
        (:meth:`render_pending`): a rename that thousands of records show holds up no other write. The queue is
        filled by the database itself and commits with the batch, so none is lost."""
        p = self.schema.pending
        found_ids = ids.subquery()
        rows = select(literal(name, String), found_ids.c[0]).select_from(found_ids).where(true())
        conn.execute((pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(p)
                     .from_select(["resource", "id"], rows).on_conflict_do_nothing())
        log.info("projection %s: %d %s to render again after this batch", self.label, found, name)

    def render_pending(self, limit: int = PENDING_CHUNK) -> int:
        """Render again up to ``limit`` deferred records (and what nests them) in one transaction; how many
        (0: none was waiting)."""
        p = self.schema.pending
        with self._local, self.engine.begin() as conn:
            self.lock(conn)
            rows = conn.execute(select(p.c.resource, p.c.id).order_by(p.c.resource, p.c.id).limit(limit)).all()
            if not rows:
                return 0
            dirty: dict[str, set[int]] = defaultdict(set)
            for row in rows:
                dirty[row.resource].add(row.id)
            taken = {name: sorted(ids) for name, ids in dirty.items()}
            self._inserts = Inserts()
            position = self.position(conn)  # rendering changes no stored values: what a chunk read stays true
            loader = Loader(conn, self.schema, self._inserts, self._carried_at(position))
            for name, ids in taken.items():
                loader.prefetch_states(name, set(ids))  # one query, not one per record
            created: dict[str, set[int]] = defaultdict(set)
            counts = self.schema.counts  # no record is written here: a resource counted 0 has none to look at
            empty = frozenset(conn.execute(select(counts.c.name).where(counts.c.rows == 0)).scalars())
            self._expand(conn, loader, dirty, created, empty)
            self._render(conn, loader, dirty, created, empty)
            self._drain(conn)
            for name, ids in taken.items():  # the lock is held: no other row of this range was queued meanwhile
                conn.execute(delete(p).where(p.c.resource == name, p.c.id.between(ids[0], ids[-1])))
        for name, ids in taken.items():  # the next chunk renders others; what they nest is what it reuses
            for pk in ids:
                loader.forget(name, pk)
        self._carry(position, loader.cache)
        return len(rows)

    def settle(self, until: int | None = None, progress=None, pause: bool = False) -> int:
        """:meth:`catch_up`, then the deferred records a chunk at a time, each chunk after the events appended
        meanwhile (a write waits for one chunk at most); the position. With ``pause``, wait after each chunk as
        long as it took (SQLite: other writers take the write lock meanwhile)."""
        position = self.catch_up(until, progress)
        while True:
            started = time.monotonic()
            if not self.render_pending():
                return position
            position = self.catch_up(progress=progress)
            if pause:
                time.sleep(time.monotonic() - started)

    def _render(self, conn: Connection, loader: Loader, dirty: dict[str, set[int]], created: dict,
                empty: frozenset[str] = frozenset()) -> None:
        """Re-render the representation of every dirty record (children of the resources in ``empty``, known
        to have no records, are not looked for).

        Documents of rows still waiting to be inserted go into the insert;
        the others are updated.
        """
        for name, ids in dirty.items():
            res = CATALOG[name]
            table, updates = self.schema.table(res), []
            for child, via in CHILDREN[name]:
                loader.prefetch(child, via, sorted(ids), created[res.family], child in empty)
            loader.prefetch_targets(name, ids, MAX_DEPTH)
            for pk in sorted(ids):
                found = loader.state(name, pk)
                if found is None:
                    continue
                doc = _encode(render(res, pk, found[1], loader))
                waiting = self._inserts.waiting(table, pk)
                if waiting is None:
                    updates.append({"b_pk": pk, "b_doc": doc})
                else:
                    waiting["doc"] = doc
            if updates:
                conn.execute(update(table).where(table.c.id == bindparam("b_pk")).values(doc=bindparam("b_doc")),
                             updates)
