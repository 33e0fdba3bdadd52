"""The reference index: which records point at which, kept on the write side.

Every foreign key, M2M item and generic relation (a custom field value's
``object_family``/``object_id``) of a live record is a row of
``ralph_es_references``. The rows change in the same database transaction
that appends the events (:class:`IndexingRecorder`), and that transaction
also enforces the invariant Ralph's foreign keys give: no append may add a
reference to a record whose deletion is stored, and none may delete a
record that a row still points at (:class:`ReferenceConflict`: nothing is
stored, the command runs again and answers 400 "Invalid pk" or 409). Appends
are serialised (PostgreSQL: the event table's lock; SQLite: its write lock),
so this holds across processes on both backends. DELETE reads its
referrers here: it neither waits for nor trusts the read model.

``ralph_es_references_coverage`` holds the last event position the index
reflects. A transaction moves it only when it was at the head before its
events, so events stored another way (a store restored from its events, a
release before the index) leave it behind, and :meth:`ReferenceIndex.catch_up`
replays the missing events from the store, under the event table's write
lock (at start and before referrers are read).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cache

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, delete, func, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from eventsourcing.persistence import RecordConflictError
from eventsourcing_sqlalchemy.factory import Factory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder

from .chain import extend
from .catalog import CATALOG, in_catalog, migrations

metadata = MetaData()
references = Table(
    "ralph_es_references", metadata,
    Column("target_family", String(64), primary_key=True),
    Column("target_id", BigInteger, primary_key=True),
    Column("owner", String(64), primary_key=True),
    Column("owner_id", BigInteger, primary_key=True),
    Column("field", String(64), primary_key=True),
)
coverage = Table(
    "ralph_es_references_coverage", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", BigInteger, nullable=False),
)
#: Rows replayed per statement when the index catches up.
CATCH_UP_BATCH = 1000


@dataclass(frozen=True)
class Referrer:
    """A record whose ``field`` points at the record being deleted."""

    resource: str
    pk: int
    field: str


#: A reference row: (target family, target id, owner resource, owner id, field).
Row = tuple[str, int, str, int, str]


def _edges(resource: str) -> tuple[tuple[str, str, str | None], ...]:
    """(field, kind, target family) of every reference a record of ``resource`` stores."""
    return _edges_under(resource, migrations.MIGRATIONS)


@cache
def _edges_under(resource: str, history: tuple) -> tuple[tuple[str, str, str | None], ...]:
    """:func:`_edges` for one catalogue history (families follow its renames).

    Kind ``generic`` is the (``object_family``, ``object_id``) pair (Django's generic relation, set once
    at creation): its family is a stored value.
    """
    res = CATALOG[resource]
    names = {f.name for f in res.stored_fields}
    edges = [(f.name, f.kind, CATALOG[f.target].family) for f in res.stored_fields
             if f.kind in ("fk", "m2m") and in_catalog(f.target)]
    if {"object_family", "object_id"} <= names:
        edges.append(("object_id", "generic", None))
    return tuple(edges)


def _targets(kind: str, family: str | None, value, values: dict) -> set[tuple[str, int]]:
    if value is None or value == []:
        return set()
    if kind == "m2m":
        return {(family, int(i)) for i in value}
    if kind == "generic":
        return {(values["object_family"], int(value))} if values.get("object_family") else set()
    return {(family, int(value))}


def rows_of(resource: str, pk: int, values: dict, only: Iterable[str] | None = None) -> set[Row]:
    """The reference rows of a record with ``values`` (of the fields in ``only``, default all)."""
    rows = set()
    for name, kind, family in _edges(resource):
        if only is None or name in only:
            rows |= {(fam, target, resource, pk, name) for fam, target in _targets(kind, family, values.get(name),
                                                                                     values)}
    return rows


@dataclass
class Change:
    """What a batch of record events does to the index: rows added and removed, records deleted, records
    converted (family, id, the resource they were)."""

    added: set[Row] = dc_field(default_factory=set)
    removed: set[Row] = dc_field(default_factory=set)
    deleted: set[tuple[str, int]] = dc_field(default_factory=set)
    converted: set[tuple[str, int, str]] = dc_field(default_factory=set)

    def add(self, rows: set[Row]) -> None:
        self.added |= rows
        self.removed -= rows

    def remove(self, rows: set[Row]) -> None:
        self.removed |= rows
        self.added -= rows


def delta(events: Iterable) -> Change:
    """The :class:`Change` of record events, in order."""
    from .store import RECORD_EVENTS, Record  # the store imports this module

    change = Change()
    for ev in events:
        if not isinstance(ev, RECORD_EVENTS) \
                or not in_catalog(ev.resource):
            continue
        if isinstance(ev, Record.Created):
            change.add(rows_of(ev.resource, ev.pk, ev.values))
        elif isinstance(ev, Record.Converted):  # the same id: what points at it still does
            before, after = rows_of(ev.previous, ev.pk, ev.previous_values), rows_of(ev.resource, ev.pk, ev.values)
            change.remove(before - after)
            change.add(after - before)
            change.converted.add((CATALOG[ev.resource].family, ev.pk, ev.previous))
        elif isinstance(ev, Record.Deleted):
            change.remove(rows_of(ev.resource, ev.pk, ev.values))
            change.deleted.add((CATALOG[ev.resource].family, ev.pk))
        else:
            old = {k: o for k, (o, _n) in ev.changes.items()}
            new = {k: n for k, (_o, n) in ev.changes.items()}
            before, after = rows_of(ev.resource, ev.pk, old, ev.changes), rows_of(ev.resource, ev.pk, new, ev.changes)
            change.remove(before - after)
            change.add(after - before)
    return change


class ReferenceConflict(RecordConflictError):
    """An append would leave a reference to a deleted record; nothing of it is stored (the command retries)."""


def _apply(conn: Connection, change: Change) -> None:
    r = references
    key = tuple_(r.c.target_family, r.c.target_id, r.c.owner, r.c.owner_id, r.c.field)
    for chunk in _chunks(sorted(change.removed)):
        conn.execute(delete(r).where(key.in_(chunk)))
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for chunk in _chunks(sorted(change.added)):
        conn.execute(dialect.insert(r).on_conflict_do_nothing(), [
            {"target_family": f, "target_id": t, "owner": o, "owner_id": i, "field": n} for f, t, o, i, n in chunk])


def _still_referenced(conn: Connection, deleted: set[tuple[str, int]]) -> None:
    """After the rows of an append: no row may point at a record the append deletes."""
    r = references
    for chunk in _chunks(sorted(deleted)):
        found = conn.execute(select(r.c.owner, r.c.owner_id, r.c.target_id)
                             .where(tuple_(r.c.target_family, r.c.target_id).in_(chunk)).limit(1)).first()
        if found is not None:
            raise ReferenceConflict(f"{found.owner} {found.owner_id} refers to {found.target_id}, deleted meanwhile")


def _deleted_targets(conn: Connection, events, added: set[Row]) -> None:
    """No row an append adds may point at a record whose deletion is stored already."""
    from .store import DELETED_TOPICS, record_id  # the store imports this module

    targets = sorted({(family, pk) for family, pk, *_ in added})
    for chunk in _chunks(targets):
        ids = {record_id(family, pk): pk for family, pk in chunk}
        gone = conn.execute(select(events.c.originator_id).where(events.c.originator_id.in_(list(ids)),
                                                                   events.c.topic.in_(DELETED_TOPICS))
                            .limit(1)).scalar()
        if gone is not None:
            raise ReferenceConflict(f"a reference to {ids[gone]}, deleted meanwhile")


@cache
def _typed(owner: str, field_name: str) -> str | None:
    """The resource a reference field is typed to when its id space holds others too (a cloud host's
    ``hypervisor``: data-center assets, not any base object); None otherwise."""
    target = CATALOG[owner].get(field_name).target if CATALOG[owner].get(field_name) else None
    if not in_catalog(target) or CATALOG[target].polymorphic:
        return None
    family = CATALOG[target].family
    return target if sum(r.family == family for r in CATALOG.values() if not r.polymorphic) > 1 else None


def _still_typed(conn: Connection, converted: set[tuple[str, int, str]]) -> None:
    """After the rows of an append: no row typed to the resource a converted record was may point at it."""
    r = references
    for family, pk, previous in sorted(converted):
        for found in conn.execute(select(r.c.owner, r.c.owner_id, r.c.field)
                                  .where(r.c.target_family == family, r.c.target_id == pk)):
            if _typed(found.owner, found.field) == previous:
                raise ReferenceConflict(f"{found.owner} {found.owner_id} refers to {previous} {pk}, converted")


def _converted_targets(conn: Connection, events, added: set[Row]) -> None:
    """No row an append adds may be typed to a resource its target was converted out of."""
    from .store import Record, record_id  # the store imports this module

    typed = {(family, pk): kind for family, pk, owner, _i, name in added if (kind := _typed(owner, name))}
    for chunk in _chunks(sorted(typed)):
        ids = {record_id(family, pk): (family, pk) for family, pk in chunk}
        latest: dict = {}
        for row in conn.execute(select(events.c.originator_id, events.c.state)
                                .where(events.c.originator_id.in_(list(ids)),
                                       events.c.topic == Record.Converted.TOPIC).order_by(events.c.id)):
            latest[row.originator_id] = json.loads(row.state)
        for originator, state in latest.items():
            now = {"resource": state["resource"], "catalogue": state.get("catalogue", 0)}
            migrations.migrate(now)  # the name it has today
            if now["resource"] != typed[ids[originator]]:
                raise ReferenceConflict(f"a reference to {typed[ids[originator]]} {ids[originator][1]}, converted")


def _chunks(rows: Sequence, size: int = 500):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _covered(conn: Connection) -> int | None:
    return conn.execute(select(coverage.c.position).where(coverage.c.id == 1)).scalar()


def _cover(conn: Connection, new: int) -> None:
    conn.execute(coverage.update().where(coverage.c.id == 1).values(position=new))


class IndexingRecorder(SQLAlchemyApplicationRecorder):
    """The store's recorder: appends events and, in the same transaction, their links (:mod:`commands.chain`)
    and reference rows.

    ``insert_events(..., references=delta)`` passes the rows (see
    :meth:`commands.store.RalphStore.save`); without them the coverage
    stays where it is and the index catches up from the events later.
    """

    def _insert_stored_events(self, session, stored_events, **kwargs):
        ids = super()._insert_stored_events(session, stored_events, **kwargs)
        if ids:
            extend(session.connection(), self.events_record_cls.__table__, stored_events, ids)
        change: Change | None = kwargs.get("references")
        if ids and change is not None:
            conn = session.connection()
            events = self.events_record_cls.__table__
            _deleted_targets(conn, events, change.added)
            _converted_targets(conn, events, change.added)
            head = select(func.coalesce(func.max(events.c.id), 0)).where(events.c.id < ids[0]).scalar_subquery()
            moved = conn.execute(coverage.update().where(coverage.c.id == 1, coverage.c.position >= head)
                                 .values(position=ids[-1]))
            if moved.rowcount == 1:  # the index was complete up to these events
                _apply(conn, change)
                _still_referenced(conn, change.deleted)
                _still_typed(conn, change.converted)
        return ids


class IndexingFactory(Factory):
    """eventsourcing-sqlalchemy's factory, with the store's recorder keeping the reference index."""

    application_recorder_class = IndexingRecorder


class ReferenceIndex:
    """Reads the reference index of a store, catching it up from the events when it is behind."""

    def __init__(self, store):
        self.store = store
        self.engine = store.recorder.datastore.engine
        metadata.create_all(self.engine)
        with self.engine.begin() as conn:  # under the schema lock: one process at a time
            if _covered(conn) is None:  # a new index covers nothing yet: the events before it are caught up
                conn.execute(coverage.insert().values(id=1, position=0))

    def referrers(self, family: str, pk: int, owner: str | None = None, field: str | None = None) -> list[Referrer]:
        """The live records whose references point at record ``pk`` of the id space ``family`` (only those of
        resource ``owner`` through ``field``, when given)."""
        self.catch_up()
        r = references
        query = select(r.c.owner, r.c.owner_id, r.c.field).where(r.c.target_family == family, r.c.target_id == pk)
        if owner is not None:
            query = query.where(r.c.owner == owner)
        if field is not None:
            query = query.where(r.c.field == field)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(r.c.owner, r.c.owner_id, r.c.field)).all()
        return [Referrer(owner, owner_id, name) for owner, owner_id, name in rows]

    def owners(self, resource: str, field_name: str) -> list[int]:
        """Ids of the live ``resource`` records whose ``field_name`` references a record, in order."""
        self.catch_up()
        r = references
        with self.engine.connect() as conn:
            return list(conn.execute(select(r.c.owner_id).where(r.c.owner == resource, r.c.field == field_name)
                                     .distinct().order_by(r.c.owner_id)).scalars())

    def catch_up(self) -> int:
        """Replay into the index the events it lacks; returns the position it covers."""
        head = self.store.recorder.max_notification_id() or 0
        with self.engine.connect() as conn:
            if _covered(conn) >= head:
                return head
        with self.store.recorder.transaction(commit=True) as session:
            conn = session.connection()
            self.lock(conn)  # writers wait: nothing is appended while the index catches up
            position = start = _covered(conn)
            while True:
                page = self.store.recorder.select_notifications(start=position, limit=CATCH_UP_BATCH,
                                                                inclusive_of_start=False)
                if not page:
                    break
                _apply(conn, delta(self.store.mapper.to_domain_event(n) for n in page))
                position = page[-1].id
            if position != start:
                _cover(conn, position)
        return position

    def lock(self, conn: Connection) -> None:
        """Hold the event table for the transaction of ``conn``: appends wait."""
        table = self.store.recorder.events_table_name
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
        else:  # SQLite: a write takes the database's write lock for the transaction
            conn.execute(coverage.delete().where(coverage.c.id == -1))
