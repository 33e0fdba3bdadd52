"""Tamper evidence: every stored event's hash, chained to the one before it in the store.

``link`` = SHA-256 of the previous event's link and of what the event
store holds of the event (position, stream, version, name, state bytes).
Links are written by the store's recorder in the transaction that appends
the events (appends are serialised, so each append extends the chain);
events stored without links (by a release before the chain, or restored
from a dump) are linked by :meth:`Chain.catch_up`. :meth:`Chain.verify`
recomputes the whole chain: an event changed, removed or inserted behind
the application's back breaks it from there on. Keep the head link it
prints somewhere else too: a chain rewritten as a whole is only caught
against a head kept outside the database.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, MetaData, String, Table, func, select
from sqlalchemy.engine import Connection

log = logging.getLogger("ralph_es.chain")

metadata = MetaData()
chain = Table("ralph_es_chain", metadata,
              Column("id", BigInteger, primary_key=True, autoincrement=False),
              Column("link", String(64), nullable=False))
#: Events linked or checked per round trip.
BATCH = 1000


def link_of(previous: str, position: int, originator_id, version: int, topic: str, state: bytes) -> str:
    """The link of one stored event after ``previous`` (hex; "" before the first event)."""
    digest = hashlib.sha256(f"{previous}\n{position}\n{originator_id}\n{version}\n{topic}\n".encode())
    digest.update(bytes(state))
    return digest.hexdigest()


def extend(conn: Connection, events: Table, stored_events, ids: list[int]) -> None:
    """In the append's transaction: link the events just stored at ``ids`` onto the chain's last link, when
    that link is the event right before them. Otherwise (events stored without links, or removed, before
    them) they stay unlinked: ``audit verify`` reports it, and only an operator's ``audit link`` links on."""
    before = select(func.max(events.c.id)).where(events.c.id < ids[0]).scalar_subquery()
    last = select(func.max(chain.c.id)).scalar_subquery()
    found = conn.execute(select(before, last, select(chain.c.link).where(chain.c.id == last).scalar_subquery())
                         ).first()
    if found[0] != found[1]:
        log.warning("events %s-%s stored without tamper-evidence links: the chain ends at %s, the store before "
                    "them at %s (ralph-es audit verify)", ids[0], ids[-1], found[1], found[0])
        return
    previous = found[2] or ""
    rows = []
    for position, ev in zip(ids, stored_events):
        previous = link_of(previous, position, ev.originator_id, ev.originator_version, ev.topic, ev.state)
        rows.append({"id": position, "link": previous})
    conn.execute(chain.insert(), rows)


@dataclass
class Broken:
    """Where the chain breaks: the position, and what was found there."""

    position: int
    reason: str


class Chain:
    """The chain of a store: linked up when behind, verified on demand."""

    def __init__(self, store):
        self.store = store
        self.engine = store.recorder.datastore.engine
        metadata.create_all(self.engine)

    def _events(self) -> Table:
        return self.store.recorder.events_record_cls.__table__

    def catch_up(self, only_new: bool = False) -> int:
        """Link the events after the chain's last link, under the event table's lock; how many.

        ``only_new``: only when the chain is empty (a store from before it), as a process does at start;
        a chain that stops short is left for ``audit verify`` to report (linking on would vouch for events
        stored behind the application's back).
        """
        events = self._events()
        with self.engine.connect() as conn:
            last = conn.execute(select(func.max(chain.c.id))).scalar()
            if last == conn.execute(select(func.max(events.c.id))).scalar() or (only_new and last is not None):
                return 0
        linked = 0
        with self.store.recorder.transaction(commit=True) as session:
            conn = session.connection()
            self.store.references.lock(conn)
            last = conn.execute(select(func.max(chain.c.id))).scalar()
            previous = "" if last is None else conn.execute(select(chain.c.link).where(chain.c.id == last)).scalar()
            while True:
                rows = conn.execute(select(events.c.id, events.c.originator_id, events.c.originator_version,
                                           events.c.topic, events.c.state)
                                    .where(events.c.id > (last or 0)).order_by(events.c.id).limit(BATCH)).all()
                if not rows:
                    break
                links = []
                for row in rows:
                    previous = link_of(previous, row.id, row.originator_id, row.originator_version, row.topic,
                                       row.state)
                    links.append({"id": row.id, "link": previous})
                conn.execute(chain.insert(), links)
                last, linked = rows[-1].id, linked + len(rows)
        return linked

    def count(self) -> int:
        """How many events the store holds."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(self._events())).scalar()

    def verify(self, progress=None) -> tuple[Broken | None, str]:
        """Walk every event in store order recomputing its link: the first break (or None), and the head link.

        ``progress(n)`` is told how many events were checked so far.
        """
        events, previous, checked, after = self._events(), "", 0, -1
        with self.engine.connect() as conn:
            linked = conn.execute(select(func.max(chain.c.id))).scalar() or 0  # later appends are not looked at
            head = conn.execute(select(func.max(events.c.id))).scalar() or 0
            orphan = conn.execute(select(func.min(chain.c.id)).select_from(
                chain.outerjoin(events, events.c.id == chain.c.id)).where(events.c.id.is_(None),
                                                                           chain.c.id <= linked)).scalar()
            while True:
                rows = conn.execute(select(events.c.id, events.c.originator_id, events.c.originator_version,
                                           events.c.topic, events.c.state, chain.c.link)
                                    .select_from(events.outerjoin(chain, chain.c.id == events.c.id))
                                    .where(events.c.id > after, events.c.id <= head).order_by(events.c.id)
                                    .limit(BATCH)).all()
                if not rows:
                    break
                for row in rows:
                    if orphan is not None and orphan < row.id:
                        return Broken(orphan, "a linked event is missing (removed from the store)"), previous
                    expected = link_of(previous, row.id, row.originator_id, row.originator_version, row.topic,
                                       row.state)
                    if row.link is None:
                        return Broken(row.id, "the event has no link (stored behind the application's back, or "
                                              "after one that was; ralph-es audit link vouches for them)"), previous
                    if row.link != expected:
                        return Broken(row.id, "the event or its link was changed, or an event before it was "
                                              "removed or inserted"), previous
                    previous = row.link
                checked, after = checked + len(rows), rows[-1].id
                if progress:
                    progress(checked)
        if orphan is not None:
            return Broken(orphan, "a linked event is missing (removed from the store)"), previous
        return None, previous

