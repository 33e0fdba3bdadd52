"""The event store: record and claim aggregates on eventsourcing + SQLAlchemy."""

from __future__ import annotations

import time
from collections.abc import Iterable
from functools import partial
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing import persistence
from eventsourcing.persistence import Mapper, Notification, StoredEvent
from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic
from sqlalchemy import event as sa_event
from sqlalchemy import exc, select

from .catalog import CATALOG
from .catalog import migrations
from .chain import Chain
from .idempotency import IdempotencyKey  # noqa: F401 - stored too: every reader of the store resolves its names
from .references import ReferenceIndex, delta

STORE_NAME = "RalphES"
#: Errors of a database that cannot be reached (or cancelled a statement, or whose connection pool is
#: exhausted), raw or as the store wraps them.
UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, persistence.OperationalError,
               persistence.InterfaceError)


def record_id(family: str, pk: int) -> UUID:
    """Aggregate id of record ``pk`` in the id space ``family``."""
    return uuid5(NAMESPACE_URL, f"ralph-es:/{family}/{pk}")


def claim_id(key: str) -> UUID:
    """Aggregate id of the uniqueness claim on ``key``."""
    return uuid5(NAMESPACE_URL, f"ralph-es:/claims/{key}")


class Record(Aggregate):
    """One record of a catalogued resource; events carry actor and changes.

    Stored names (``TOPIC``) and versions are fixed here, never derived from
    the module path: see :data:`LEGACY_TOPICS` and docs/architecture.md.
    Each stored event also carries ``catalogue``, the catalogue version it
    was written under (:class:`CatalogueMapper`).
    """

    TOPIC = "ralph-es:Record"
    class_version = 1

    class Created(Aggregate.Created):
        """The record was created with ``values`` by ``actor`` (a user id, or None)."""

        TOPIC = "ralph-es:Record.Created"
        class_version = 1
        resource: str
        pk: int
        values: dict
        actor: int | None

    class Updated(Aggregate.Event):
        """``changes`` = {field: [old, new]} made by ``actor``."""

        TOPIC = "ralph-es:Record.Updated"
        class_version = 1
        resource: str
        pk: int
        changes: dict
        actor: int | None

    class Transitioned(Aggregate.Event):
        """A run of a workflow transition made ``changes`` (perhaps none) by ``actor``; ``transition`` is
        ``{"id", "name", "parameters"}``, the parameters as validated. (Not a subclass of ``Updated``: the
        aggregate's class remakes its event classes, see :data:`CHANGES`.)"""

        TOPIC = "ralph-es:Record.Transitioned"
        class_version = 1
        resource: str
        pk: int
        changes: dict
        actor: int | None
        transition: dict

    class Deleted(Aggregate.Event):
        """The record was deleted; ``values`` keeps what was removed, for the audit trail."""

        TOPIC = "ralph-es:Record.Deleted"
        class_version = 1
        resource: str
        pk: int
        values: dict
        actor: int | None

    class Converted(Aggregate.Event):
        """The record became a record of ``resource``, another resource of its id space (Ralph's conversion of
        a back-office asset into a data-center asset and back): ``values`` are its values there,
        ``previous`` and ``previous_values`` what it was; ``transition`` the run that converted it, as in
        :class:`Transitioned` (None in events stored before version 2)."""

        TOPIC = "ralph-es:Record.Converted"
        class_version = 2
        resource: str
        pk: int
        values: dict
        previous: str
        previous_values: dict
        actor: int | None
        transition: dict | None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            """Version 1 did not name the run."""
            state["transition"] = None

    @staticmethod
    def create_id(resource: str, pk: int, **_) -> UUID:
        return record_id(CATALOG[resource].family, pk)

    @event(Created)
    def __init__(self, resource: str, pk: int, values: dict, actor: int | None):
        self.resource = resource
        self.pk = pk
        self.values = dict(values)
        self.deleted = False

    def update(self, changes: dict, actor: int | None) -> None:
        """Record ``changes`` = {field: [old, new]} made by ``actor``."""
        self._updated(self.resource, self.pk, changes, actor)

    def transition(self, changes: dict, actor: int | None, transition: dict) -> None:
        """Record the run of ``transition`` by ``actor`` and the ``changes`` it made."""
        self._transitioned(self.resource, self.pk, changes, actor, transition)

    def delete(self, values: dict, actor: int | None) -> None:
        """Record the deletion; ``values`` keeps what was removed for the audit trail."""
        self._deleted(self.resource, self.pk, values, actor)

    def convert(self, resource: str, values: dict, actor: int | None, transition: dict | None = None) -> None:
        """Record that the record is now one of ``resource`` (same id space, same id) with ``values``."""
        self._converted(resource, self.pk, values, self.resource, dict(self.values), actor, transition)

    @event(Updated)
    def _updated(self, resource: str, pk: int, changes: dict, actor: int | None) -> None:
        self._apply(changes)

    @event(Transitioned)
    def _transitioned(self, resource: str, pk: int, changes: dict, actor: int | None, transition: dict) -> None:
        self._apply(changes)

    def _apply(self, changes: dict) -> None:
        for name, (_old, new) in changes.items():
            self.values[name] = new

    @event(Deleted)
    def _deleted(self, resource: str, pk: int, values: dict, actor: int | None) -> None:
        self.deleted = True

    @event(Converted)
    def _converted(self, resource: str, pk: int, values: dict, previous: str, previous_values: dict,
                   actor: int | None, transition: dict | None) -> None:
        self.resource = resource
        self.values = dict(values)


class Claim(Aggregate):
    """Holds a unique value (or natural key) for one record at a time."""

    TOPIC = "ralph-es:Claim"
    class_version = 1

    class Created(Aggregate.Created):
        """The base of this aggregate's creation events (the library requires its name)."""

        TOPIC = "ralph-es:Claim.Created"
        class_version = 1

    class Claimed(Created):
        """``owner`` (``<resource>:<id>``) holds ``key``."""

        TOPIC = "ralph-es:Claim.Claimed"
        class_version = 1
        key: str
        owner: str

    class Reclaimed(Aggregate.Event):
        """Another record holds the key now."""

        TOPIC = "ralph-es:Claim.Reclaimed"
        class_version = 1
        owner: str

    class Released(Aggregate.Event):
        """Nobody holds the key."""

        TOPIC = "ralph-es:Claim.Released"
        class_version = 1

    @staticmethod
    def create_id(key: str, owner: str) -> UUID:
        return claim_id(key)

    @event(Claimed)
    def __init__(self, key: str, owner: str):
        self.key = key
        self.owner = owner

    @event(Reclaimed)
    def take(self, owner: str) -> None:
        self.owner = owner

    @event(Released)
    def release(self) -> None:
        self.owner = ""


#: Names that releases before stable topics stored (the module path of the classes then), still read.
LEGACY_TOPICS = {f"commands.store:{cls.TOPIC.split(':', 1)[1]}": cls for cls in (
    Record, Record.Created, Record.Updated, Record.Deleted, Claim, Claim.Claimed, Claim.Reclaimed, Claim.Released)}
for _topic, _cls in LEGACY_TOPICS.items():
    register_topic(_topic, _cls)
#: Every name a deletion is stored under (a deleted record stays deleted: ids are never reused).
DELETED_TOPICS = (Record.Deleted.TOPIC, *(t for t, c in LEGACY_TOPICS.items() if c is Record.Deleted))


RECORD_EVENTS = (Record.Created, Record.Updated, Record.Transitioned, Record.Deleted, Record.Converted)
#: The record events that carry ``changes`` = {field: [old, new]}.
CHANGES = (Record.Updated, Record.Transitioned)


class CatalogueMapper(Mapper):
    """Stamps record events with the catalogue version and reads old ones through its migrations.

    Like ``class_version``, the stamp lives in the stored state: an event
    written before stamps (or before a migration) is brought to today's
    catalogue by :func:`commands.catalog.migrations.migrate` when read.
    """

    def to_stored_event(self, domain_event) -> StoredEvent:
        if isinstance(domain_event, RECORD_EVENTS):
            vars(domain_event).setdefault("catalogue", migrations.version())
        return super().to_stored_event(domain_event)

    def to_domain_event(self, stored_event: StoredEvent):
        domain_event = super().to_domain_event(stored_event)
        if isinstance(domain_event, RECORD_EVENTS):
            migrations.migrate(vars(domain_event))
        return domain_event


#: eventsourcing-sqlalchemy, with a recorder that keeps the reference index (:mod:`commands.references`).
PERSISTENCE = {"PERSISTENCE_MODULE": "commands.references:IndexingFactory"}


class RalphStore(Application):
    """The one application whose notification log orders every event.

    Every save also updates the reference index in the same transaction.
    """

    name = STORE_NAME
    env = PERSISTENCE

    def construct_mapper(self) -> Mapper:
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=CatalogueMapper)

    def __init__(self, env=None):
        super().__init__(env)
        self.references = ReferenceIndex(self)
        self.chain = Chain(self)

    def events_of(self, ids: Iterable[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of each aggregate of ``ids``, in version order (none for an unknown id), read with
        one query."""
        out: dict[UUID, list[StoredEvent]] = {i: [] for i in ids}
        if not out:
            return out
        table = self.recorder.events_record_cls.__table__
        c = table.c
        query = (select(c.originator_id, c.originator_version, c.topic, c.state)
                 .where(c.originator_id.in_(sorted(out, key=str))).order_by(c.originator_id, c.originator_version))
        with self.recorder.datastore.engine.connect() as conn:
            for row in conn.execute(query):
                state = bytes(row.state) if isinstance(row.state, memoryview) else row.state
                out[UUID(str(row.originator_id))].append(StoredEvent(
                    originator_id=row.originator_id, originator_version=row.originator_version, topic=row.topic,
                    state=state))
        return out

    def notifications_after(self, conn, position: int, limit: int) -> list[Notification]:
        """Up to ``limit`` stored events after ``position``, in store order, read on ``conn`` (what the recorder's
        ``select_notifications`` answers, without its ORM session)."""
        c = self.recorder.events_record_cls.__table__.c
        rows = conn.execute(select(c.id, c.originator_id, c.originator_version, c.topic, c.state)
                            .where(c.id > position).order_by(c.id).limit(limit))
        return [Notification(id=row.id, originator_id=row.originator_id, originator_version=row.originator_version,
                             topic=row.topic,
                             state=bytes(row.state) if isinstance(row.state, memoryview) else row.state)
                for row in rows]

    def aggregate(self, aggregate_id: UUID, stored: list[StoredEvent]):
        """The aggregate ``stored`` (from :meth:`events_of`) makes, as ``repository.get`` would."""
        found = project_aggregate(None, (self.mapper.to_domain_event(e) for e in stored))
        if found is None:
            raise AggregateNotFoundError(aggregate_id)
        return found

    def save(self, *objs, **kwargs):
        """Append the pending events of ``objs`` and their reference rows, atomically."""
        pending = [ev for obj in objs if obj is not None for ev in getattr(obj, "pending_events", [obj])]
        return super().save(*objs, references=delta(pending), **kwargs)


#: Milliseconds a SQLite connection waits for another's write lock (a rebuild's switch-over holds it a while).
SQLITE_BUSY_MS = 30_000


def open_store(database_url: str) -> RalphStore:
    """Connect to (and create if needed) the event store at ``database_url``.

    On PostgreSQL a pooled connection is tested before use, so a database
    restart costs no failed request. On SQLite an append waits up to
    :data:`SQLITE_BUSY_MS` for the write lock (sqlite3's default is 5 s).
    """
    store = RalphStore(env={"SQLALCHEMY_URL": database_url, **PERSISTENCE})
    engine = store.recorder.datastore.engine
    if engine.dialect.name == "postgresql":
        ping_when_idle(engine)
    else:
        sa_event.listen(engine, "connect", _wait_for_locks)
        engine.dispose()  # the connections made while creating the tables wait 5 s: made anew
    return store


def _wait_for_locks(dbapi_connection, connection_record) -> None:
    dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")


#: Seconds a pooled connection may sit unused before its next checkout pings it.
PING_IDLE = 1.0


def ping_when_idle(engine) -> None:
    """SQLAlchemy's pessimistic disconnect handling (``pool_pre_ping``) for connections that sat unused for
    :data:`PING_IDLE` seconds: a dead one (the database restarted) is replaced before use. A connection used
    more recently is trusted (saving a round trip per checkout); if it died meanwhile its statement fails."""
    sa_event.listen(engine, "checkin", _idle)
    sa_event.listen(engine, "checkout", partial(_ping, engine.dialect))


def _idle(dbapi_connection, connection_record) -> None:
    connection_record.info["idle_since"] = time.monotonic()


def _ping(dialect, dbapi_connection, connection_record, connection_proxy) -> None:
    if time.monotonic() - connection_record.info.get("idle_since", 0.0) < PING_IDLE:
        return
    try:
        alive = dialect.do_ping(dbapi_connection)
    except Exception:  # noqa: BLE001 - any failure means the connection is gone
        alive = False
    if not alive:
        raise exc.DisconnectionError()
