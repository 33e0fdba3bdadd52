"""Integer id allocation per id space (family)."""

from __future__ import annotations

import re

from sqlalchemy import BigInteger, Column, MetaData, String, Table, bindparam, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, ProgrammingError

#: PostgreSQL's error for a relation that does not exist.
UNDEFINED_TABLE = "42P01"
metadata = MetaData()
counters = Table(
    "ralph_es_id_counters", metadata,
    Column("family", String(64), primary_key=True),
    Column("last_id", BigInteger, nullable=False),
)


def sequence_name(family: str) -> str:
    """The PostgreSQL sequence of an id space."""
    return "ralph_es_ids_" + re.sub(r"[^a-z0-9]", "_", family.lower())


class IdAllocator:
    """Hands out increasing integer ids; gaps are possible, reuse is not.

    On PostgreSQL a sequence per family (``nextval``: one round trip, no
    commit to wait for), started after the family's row of the counter
    table that earlier releases advanced; elsewhere that counter row,
    advanced in its own short transaction. The record's aggregate id is
    derived from (family, id), so even a counter that fell behind can never
    make two records share an id: the second append conflicts and the caller
    asks again.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self.sequences = engine.dialect.name == "postgresql"
        self._ready: set[str] = set()
        metadata.create_all(engine)

    def allocate(self, family: str, count: int = 1) -> list[int]:
        """Reserve ``count`` ids in ``family`` (increasing; consecutive unless other processes allocate too)."""
        if self.sequences:
            try:
                return self._next_values(family, count)
            except ProgrammingError as ex:  # the sequence was dropped (a test emptying the store): made again
                if getattr(ex.orig, "sqlstate", None) != UNDEFINED_TABLE:
                    raise
                self._ready.discard(family)
                return self._next_values(family, count)
        try:
            return self._allocate(family, count)
        except IntegrityError:  # another process created the counter row first
            return self._allocate(family, count)

    def _next_values(self, family: str, count: int) -> list[int]:
        if family not in self._ready:
            with self.engine.begin() as conn:
                ensure_sequence(conn, family)
            self._ready.add(family)
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return list(conn.execute(text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"),
                                     {"s": sequence_name(family), "n": count}).scalars())

    def _allocate(self, family: str, count: int) -> list[int]:
        with self.engine.begin() as conn:
            last = conn.execute(
                update(counters).where(counters.c.family == family)
                .values(last_id=counters.c.last_id + count).returning(counters.c.last_id)
            ).scalar()
            if last is None:
                conn.execute(counters.insert().values(family=family, last_id=count))
                last = count
        return list(range(last - count + 1, last + 1))


def ensure_sequence(conn: Connection, family: str) -> None:
    """Create the family's sequence (PostgreSQL) if missing, after the last id its counter row handed out; under
    the counter table's lock, so concurrent creators wait for the first."""
    name = sequence_name(family)
    if conn.execute(text("SELECT to_regclass(:s)"), {"s": name}).scalar() is not None:
        return
    conn.execute(text(f"LOCK TABLE {counters.name} IN SHARE ROW EXCLUSIVE MODE"))
    if conn.execute(text("SELECT to_regclass(:s)"), {"s": name}).scalar() is None:
        last = conn.execute(select(counters.c.last_id).where(counters.c.family == family)).scalar() or 0
        conn.execute(text(f"CREATE SEQUENCE {name} MINVALUE 1 START WITH {int(last) + 1}"))


def raise_counters(conn: Connection, highest: dict[str, int]) -> None:
    """Make each family's counter at least its highest id seen in the store (``family -> id``).

    The projector calls it for the records it applies, so a store restored
    from its events alone (counters lost) never hands out an id again.
    """
    if not highest:
        return
    if conn.dialect.name == "postgresql":
        _raise_sequences(conn, highest)
        return
    known = dict(conn.execute(select(counters.c.family, counters.c.last_id)
                              .where(counters.c.family.in_(sorted(highest)))).all())
    for family, pk in highest.items():  # usually every counter is ahead already: one read, nothing written
        if family not in known:
            conn.execute(counters.insert().values(family=family, last_id=pk))
        elif known[family] < pk:
            conn.execute(update(counters).where(counters.c.family == family, counters.c.last_id < pk)
                         .values(last_id=pk))


def _raise_sequences(conn: Connection, highest: dict[str, int]) -> None:
    """:func:`raise_counters` on PostgreSQL: one read of the sequences' last ids, a ``setval`` where one is behind
    (a sequence not made yet starts after the highest id)."""
    names = {sequence_name(family): family for family in highest}
    rows = conn.execute(text("SELECT sequencename, COALESCE(last_value, start_value - 1) FROM pg_sequences "
                             "WHERE schemaname = current_schema() AND sequencename IN :names")
                        .bindparams(bindparam("names", expanding=True)), {"names": sorted(names)}).all()
    last = {names[name]: value for name, value in rows}
    for family, pk in highest.items():
        if family not in last:
            ensure_sequence(conn, family)
            last[family] = conn.execute(text(f"SELECT last_value - CASE WHEN is_called THEN 0 ELSE 1 END "
                                             f"FROM {sequence_name(family)}")).scalar()
        if last[family] < pk:
            conn.execute(text("SELECT setval(CAST(:s AS regclass), :pk)"), {"s": sequence_name(family), "pk": pk})
