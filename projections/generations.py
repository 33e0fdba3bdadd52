"""Generations of the read model: a rebuild fills fresh read tables beside the live ones, then switches over.

The live tables are ``read_*``; the generation a rebuild builds is
``next_read_*``, with its own positions, failures, counts and projection
lock, so building it never holds up the live projection and the API keeps
serving the live tables. A build is resumable: it goes on from the new
generation's position (``restart`` drops it first).

The switch-over is one transaction: it takes both projection locks (no live
batch runs meanwhile), applies what the new generation still lacks, drops
the live tables and renames the new ones and their indexes into their
place. A reader sees the old generation or the new one, never a mix or
none; the live projectors' next batch reads the renamed position and goes on
from there, so no event is lost or applied twice. On SQLite, which cannot
rename an index, the new generation's indexes are made again under the live
names in that transaction (readers keep their snapshot meanwhile).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import time
from dataclasses import dataclass

from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from .projector import BATCH, Projector
from .tables import ReadSchema
from .trigrams import listed

NEXT = "next_"
#: The tables of the generation a switch-over retired, until they are dropped (PostgreSQL).
OLD = "old_"
LIVE_TABLES = "read_"
#: How long one try to lock the live tables waits (readers arriving meanwhile wait behind it).
LOCK_TRY_MS = 50
LOCK_NOT_AVAILABLE = "55P03"


@functools.cache
def next_schema() -> ReadSchema:
    """The tables of the generation being built."""
    return ReadSchema(NEXT)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass
class Generation:
    """One generation of the read model, as ``projections status`` shows it."""

    number: int
    live: bool
    started: dt.datetime | None
    live_since: dt.datetime | None
    position: int
    failure: dict | None
    #: records waiting to be rendered again after a rename (:meth:`projections.projector.Projector.render_pending`)
    pending: int = 0


def _tables(conn: Connection, prefix: str) -> list[str]:
    return sorted(t for t in listed(inspect(conn).get_table_names()) if t.startswith(prefix + LIVE_TABLES))


def _number(conn: Connection, schema: ReadSchema) -> tuple[int, dt.datetime | None, dt.datetime | None]:
    """(number, started, live since) of the generation in ``schema``'s tables (a read model from before
    generations is the first)."""
    row = conn.execute(select(schema.generation)).first()
    return (1, None, None) if row is None else (row.number, row.started, row.live_since)


def _generation(conn: Connection, schema: ReadSchema, live: bool, name: str) -> Generation:
    number, started, since = _number(conn, schema)
    position = schema.position(conn, name)
    failure = conn.execute(select(schema.failures).where(schema.failures.c.name == name)).first()
    pending = conn.execute(select(func.count()).select_from(schema.pending)).scalar()
    return Generation(number, live, started, since, position, failure and dict(failure._mapping), pending)


def generations(live: Projector) -> list[Generation]:
    """The live generation, and the one being built if there is one."""
    with live.engine.connect() as conn:
        found = [_generation(conn, live.schema, True, live.name)]
        if next_schema().generation.name in _tables(conn, NEXT):
            found.append(_generation(conn, next_schema(), False, live.name))
    return found


def drop_next(engine) -> None:
    """Drop the generation being built, if any."""
    with engine.begin() as conn:
        names = _tables(conn, NEXT)
        if names:
            ReadSchema.drop(conn, names)


class Rebuild:
    """A rebuild of the read model behind ``live``: a new generation (or the one an interrupted rebuild left),
    built with :meth:`build`, then made live by :meth:`switch`."""

    def __init__(self, live: Projector, restart: bool = False):
        self.live = live
        tidy(live.engine)  # a switch-over a crash interrupted: its index names are wanted now
        if restart:
            drop_next(live.engine)
        self.next = Projector(live.engine, live.store, next_schema(), live.name)
        if self.next.position() > self.next.head():  # left by a store that was emptied or restored since
            drop_next(live.engine)
            self.next = Projector(live.engine, live.store, next_schema(), live.name)
        with live.engine.begin() as conn:
            if conn.execute(select(next_schema().generation)).first() is None:
                number = _number(conn, live.schema)[0] + 1
                conn.execute(next_schema().generation.insert().values(number=number, started=_now()))
            self.number = _number(conn, next_schema())[0]

    def build(self, progress=None) -> int:
        """Replay the store into the new generation from where it stands; its position (it stops before an
        event it cannot apply: see ``self.next.failure()``)."""
        return self.next.settle(progress=progress)

    def switch(self) -> int:
        """Make the new generation live in one transaction, then drop the old one; the position it is live at."""
        with self.live.engine.begin() as conn:
            self.live.lock(conn)
            self.next.lock(conn)
            if next_schema().positions.name not in _tables(conn, NEXT):
                raise RuntimeError("another rebuild switched over to this generation first")
            while self.next.step(conn, BATCH)[1] is not None:  # what was appended since the build
                pass
            position = self.next.position(conn)
            conn.execute(update(next_schema().generation).values(live_since=_now()))
            if conn.dialect.name == "postgresql":  # readers wait while tables are renamed: nothing more here
                _take(conn, _tables(conn, ""))
                _rename(conn, _tables(conn, ""), lambda name: OLD + name)
                _rename(conn, _tables(conn, NEXT), lambda name: name.removeprefix(NEXT))
            else:
                ReadSchema.drop(conn, _tables(conn, ""))
                _sqlite_switch(conn, _tables(conn, NEXT))
        tidy(self.live.engine)
        return position


def tidy(engine) -> None:
    """Finish a switch-over on PostgreSQL (also one a crash interrupted): drop the old generation's tables and
    give the live indexes their names; neither holds up readers of the live tables."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        old = _tables(conn, OLD)
        if old:
            _take(conn, old)
            ReadSchema.drop(conn, old)
    with engine.begin() as conn:
        listed = ", ".join(f"'{name}'" for name in _tables(conn, ""))  # our own table names: nothing to escape
        if not listed:
            return
        indexes = conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                                    f"AND tablename IN ({listed})")).scalars()
        quote = conn.dialect.identifier_preparer.quote
        for index in [i for i in indexes if NEXT + LIVE_TABLES in i]:
            conn.execute(text(f"ALTER INDEX {quote(index)} RENAME TO {quote(_live_name(index))}"))


def _take(conn: Connection, names: list[str]) -> None:
    """Lock the PostgreSQL tables ``names`` for the transaction, all of them or none: a reader holding one
    while it waits for another would deadlock with a lock taken table by table, so a try that finds one
    held gives back what it took and tries again shortly (readers wait at most ``LOCK_TRY`` behind it)."""
    tables = ", ".join(conn.dialect.identifier_preparer.quote(name) for name in names)
    for attempt in itertools.count(1):
        try:
            with conn.begin_nested():
                conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TRY_MS}ms'"))
                conn.execute(text(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE"))
                conn.execute(text("SET LOCAL lock_timeout = 0"))
            return
        except OperationalError as ex:
            if getattr(ex.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            time.sleep(min(attempt, 10) * LOCK_TRY_MS / 1000)


def _rename(conn: Connection, names: list[str], to) -> None:
    """Rename the tables ``names`` to ``to(name)``."""
    quote = conn.dialect.identifier_preparer.quote
    for name in names:
        conn.execute(text(f"ALTER TABLE {quote(name)} RENAME TO {quote(to(name))}"))


def _sqlite_switch(conn: Connection, names: list[str]) -> None:
    """Rename the tables ``names`` (``next_read_*``, trigram indexes included) and their indexes and triggers to
    the live names. SQLite renames no index or trigger, and each table rename rewrites the whole schema: they
    are dropped first (a smaller schema renames faster), then made again under the live names."""
    tables = ", ".join(f"'{name}'" for name in names)  # our own table names: nothing to escape
    made = conn.execute(text("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                             f"AND sql IS NOT NULL AND tbl_name IN ({tables})")).all()
    for kind, name, _sql in made:
        conn.execute(text(f"DROP {kind.upper()} {conn.dialect.identifier_preparer.quote(name)}"))
    _rename(conn, names, lambda name: name.removeprefix(NEXT))
    for _kind, _name, sql in made:
        conn.execute(text(_live_name(sql)))


def _live_name(name: str) -> str:
    """An index name (or its SQL) of the generation being built, as the live generation names it."""
    return name.replace(NEXT + LIVE_TABLES, LIVE_TABLES)


def rebuild(live: Projector, progress=None, restart: bool = False) -> tuple[int, dict | None]:
    """Build a new generation and switch over to it: (live position, None), or, when the build stopped before
    an event it could not apply, (its position, its failure) and the live generation is left serving."""
    job = Rebuild(live, restart)
    position = job.build(progress)
    failure = job.next.failure()
    if failure is not None:
        return position, failure
    return job.switch(), None
