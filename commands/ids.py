"""Integer id allocation per id space (family)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

metadata = MetaData()
counters = Table(
    "ralph_es_id_counters", metadata,
    Column("family", String(64), primary_key=True),
    Column("last_id", BigInteger, nullable=False),
)


class IdAllocator:
    """Hands out increasing integer ids; gaps are possible, reuse is not.

    A counter row per family, advanced in its own short transaction. The
    record's aggregate id is derived from (family, id), so even a counter
    that fell behind can never make two records share an id: the second
    append conflicts and the caller asks again.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine)

    def allocate(self, family: str, count: int = 1) -> list[int]:
        """Reserve ``count`` consecutive ids in ``family``."""
        try:
            return self._allocate(family, count)
        except IntegrityError:  # another process created the counter row first
            return self._allocate(family, count)

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


def raise_counters(conn: Connection, highest: dict[str, int]) -> None:
    """Make each family's counter at least its highest id seen in the store (``family -> id``).

    The projector calls it for the records it applies, so a store restored
    from its events alone (counters lost) never hands out an id again.
    """
    if not highest:
        return
    known = dict(conn.execute(select(counters.c.family, counters.c.last_id)
                              .where(counters.c.family.in_(sorted(highest)))).all())
    for family, pk in highest.items():  # usually every counter is ahead already: one read, nothing written
        if family not in known:
            conn.execute(counters.insert().values(family=family, last_id=pk))
        elif known[family] < pk:
            conn.execute(update(counters).where(counters.c.family == family, counters.c.last_id < pk)
                         .values(last_id=pk))
