"""A record's history: the events of its stream, oldest first, in the API's terms.

Read from the event store (never from the read tables), through the
store's mapper, so old events read in today's catalogue; a deleted record
keeps its history.
"""

from __future__ import annotations

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import StoredEvent
from sqlalchemy import func, select

from .catalog import CATALOG, Resource
from .catalog.fields import Field
from .store import CHANGES, LEGACY_TOPICS, RECORD_EVENTS, Record, RalphStore, record_id
from .validation import naive_iso

#: What each record event is, in a history entry.
KINDS = {Record.Created: "created", Record.Updated: "changed", Record.Transitioned: "transition",
         Record.Deleted: "deleted", Record.Converted: "converted"}


def _topics(*classes) -> tuple[str, ...]:
    """Every name events of ``classes`` are stored under (today's and earlier releases')."""
    return tuple(cls.TOPIC for cls in classes) + tuple(t for t, c in LEGACY_TOPICS.items() if c in classes)


RECORD_TOPICS = _topics(*RECORD_EVENTS)
#: The events that say which resource a record is of.
SHAPE_TOPICS = _topics(Record.Created, Record.Converted)


def _events_table(store: RalphStore):
    """The event store's table."""
    return store.recorder.events_record_cls.__table__


def _read(store: RalphStore, *where, order, limit: int | None = None, offset: int = 0) -> list[tuple[int, object]]:
    """(store position, domain event) of the stored events matching ``where``, read through the store's mapper."""
    events = _events_table(store)
    query = select(events.c.id, events.c.originator_id, events.c.originator_version, events.c.topic,
                   events.c.state).where(*where).order_by(order(events)).limit(limit).offset(offset or None)
    with store.recorder.datastore.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [(row.id, store.mapper.to_domain_event(StoredEvent(row.originator_id, row.originator_version,
                                                              row.topic, bytes(row.state)))) for row in rows]


def stream_of(store: RalphStore, family: str, pk: int) -> list[tuple[int, object]]:
    """(store position, domain event) of the stream of record ``pk`` of the id space ``family``, in order."""
    return _read(store, _events_table(store).c.originator_id == record_id(family, pk),
                 order=lambda t: t.c.originator_version)


def _of(res: Resource, ev) -> bool:
    """True when record event ``ev`` is of a record of ``res`` (or was, before a conversion)."""
    return (res.polymorphic and CATALOG[ev.resource].base_object) or res.name in (ev.resource,
                                                                                 getattr(ev, "previous", None))


def _ever_of(store: RalphStore, res: Resource, pk: int) -> bool:
    """True when record ``pk`` was ever one of ``res``: its creation and conversions say."""
    events = _events_table(store)
    return any(_of(res, ev) for _pos, ev in _read(store, events.c.originator_id == record_id(res.family, pk),
                                                    events.c.topic.in_(SHAPE_TOPICS), order=lambda t: t.c.id))


def entries(store: RalphStore, res: Resource, pk: int, limit: int | None = None, offset: int = 0,
            newest_first: bool = False) -> tuple[int, list[dict]]:
    """(count, the page from ``offset``) of the history entries of record ``pk`` of ``res``; (0, []) when it
    never was one. Only the page's events are read."""
    if not _ever_of(store, res, pk):
        return 0, []
    events = _events_table(store)
    where = events.c.originator_id == record_id(res.family, pk)
    with store.recorder.datastore.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(events).where(where)).scalar()
    if offset >= count:  # past the end (an offset beyond what SQL takes included)
        return count, []
    order = (lambda t: t.c.originator_version.desc()) if newest_first else (lambda t: t.c.originator_version)
    users: dict[int, str | None] = {}
    return count, [_entry(store, position, ev, users)
                   for position, ev in _read(store, where, order=order, limit=limit, offset=offset)]




def feed(store: RalphStore, after: int, limit: int, res: Resource | None = None, pk: int | None = None,
         scan: int = 10_000) -> tuple[list[dict], int]:
    """The changes stored after position ``after`` (at most ``limit``; of ``res``, of its record ``pk``), and
    the position to go on from (the last one looked at: at most ``scan`` events are read per call)."""
    events = _events_table(store)
    where = [events.c.id > after, events.c.topic.in_(RECORD_TOPICS)]
    if pk is not None:
        where.append(events.c.originator_id == record_id(res.family, pk))
    found, users, last = [], {}, after
    for position, ev in _read(store, *where, order=lambda t: t.c.id, limit=limit if res is None else scan):
        last = position
        if res is None or _of(res, ev):
            found.append({**_entry(store, position, ev, users), "id": ev.pk})
            if len(found) == limit:
                break
    return found, last


def _entry(store: RalphStore, position: int, ev, users: dict) -> dict:
    res = CATALOG[ev.resource]
    if isinstance(ev, CHANGES):
        changes = {name: (old, new) for name, (old, new) in ev.changes.items()}
    elif isinstance(ev, Record.Deleted):
        changes = {name: (value, None) for name, value in ev.values.items()}
    elif isinstance(ev, Record.Converted):
        changes = {name: (ev.previous_values.get(name), value) for name, value in ev.values.items()
                   if ev.previous_values.get(name) != value}
    else:
        changes = {name: (None, value) for name, value in ev.values.items()}
    was = CATALOG[ev.previous] if isinstance(ev, Record.Converted) else res  # old values in the old terms
    entry = {"position": position, "version": ev.originator_version, "timestamp": naive_iso(ev.timestamp),
             "user": _user(store, ev.actor, users), "kind": KINDS[type(ev)], "resource": res.name,
             "changes": {name: {"old": _shown(was, name, old), "new": _shown(res, name, new)}
                         for name, (old, new) in sorted(changes.items()) if old != new and _listed(res, name)}}
    if isinstance(ev, Record.Converted):
        entry["previous_resource"] = ev.previous
    if getattr(ev, "transition", None) is not None:
        entry["transition"] = ev.transition
    return entry


def _listed(res: Resource, name: str) -> bool:
    """Stored fields a history shows: all but secrets (passwords)."""
    f = res.get(name)
    return f is not None and f.kind != "password" and not f.secret


def _shown(res: Resource, name: str, value):
    """A stored value in API form: choices by name, related records by id."""
    f: Field | None = res.get(name)
    return f.choice_name(value) if value is not None and f is not None and f.kind == "choice" else value


def _user(store: RalphStore, actor: int | None, users: dict) -> dict | None:
    """The acting user (id and username, also of a user deleted since)."""
    if actor is None:
        return None
    if actor not in users:
        try:
            users[actor] = store.repository.get(record_id(CATALOG["users"].family, actor)).values.get("username")
        except AggregateNotFoundError:  # a user id without a stream (a store restored in part): no name
            users[actor] = None
    return {"id": actor, "username": users[actor]}
