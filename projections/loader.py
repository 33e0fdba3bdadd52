"""What one projection batch reads and inserts, inside its transaction.

:class:`Inserts` holds the rows of records created in the batch until
something needs to read their table, so a batch of new records is inserted
once, with its rendered documents, instead of inserted and then updated.
:class:`Loader` reads stored values (from the batch first, then the tables)
and is the :class:`~projections.render.States` that rendering uses.
"""

from __future__ import annotations

from collections import defaultdict

import msgspec
from sqlalchemy import Table, insert, select
from sqlalchemy.engine import Connection

from commands.catalog import BASE_OBJECT_TYPES, CATALOG, Resource

from .tables import ReadSchema, among

_decode = msgspec.json.decode


class Inserts:
    """Rows waiting to be inserted, by table; ``drain`` before reading a table."""

    def __init__(self):
        self.rows: dict[Table, dict[object, dict]] = defaultdict(dict)

    def add(self, table: Table, row: dict, key: object) -> None:
        self.rows[table][key] = row

    def waiting(self, table: Table, key: object) -> dict | None:
        """The queued row of ``key`` (to complete it before it is inserted), if still queued."""
        return self.rows[table].get(key) if table in self.rows else None

    def drain(self, conn: Connection, table: Table | None = None) -> None:
        """Insert the queued rows (of ``table``, or all): one ``COPY`` per table on PostgreSQL, else one
        executemany."""
        for t in [table] if table is not None else list(self.rows):
            rows = self.rows.pop(t, None)
            if rows and conn.dialect.name == "postgresql":
                _copy(conn, t, list(rows.values()))
            elif rows:
                conn.execute(insert(t), list(rows.values()))


def _copy(conn: Connection, table: Table, rows: list[dict]) -> None:
    """``COPY`` ``rows`` (dicts with the same keys) into ``table``, in the caller's transaction."""
    columns = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    with conn.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])


def chunks(items: list, size: int = 500):
    """``items`` in slices of ``size``."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


class Loader:
    """Stored values of records as of this batch: what it wrote, else what the tables hold."""

    def __init__(self, conn: Connection, schema: ReadSchema, inserts: Inserts, cache: dict | None = None):
        self.conn = conn
        self.schema = schema
        self.inserts = inserts
        #: Values by (resource, id): read or written in this batch, or left by the batch before (``cache``).
        self.cache: dict[tuple[str, int], tuple[Resource, dict] | None] = cache if cache is not None else {}
        #: The records this batch wrote (:meth:`remember`).
        self.written: set[tuple[str, int]] = set()
        self.kids: dict[tuple[str, str], tuple[set[int], dict[int, list[int]]]] = {}
        #: Nested representations already rendered in this batch (see render.py).
        self.rendered: dict = {}

    def _read(self, table: Table, query):
        self.inserts.drain(self.conn, table)
        return self.conn.execute(query)

    def _among(self, column, ids):
        return among(column, ids, self.conn.dialect.name)

    def _cached_type(self, pk: int) -> str | None:
        """The BaseObject type of ``pk`` when this batch wrote or read it."""
        return next((r.name for r in BASE_OBJECT_TYPES if self.cache.get((r.name, pk))), None)

    def _concrete(self, pk: int) -> str | None:
        """The BaseObject type of ``pk``."""
        known = self._cached_type(pk)
        if known:
            return known
        bo = self.schema.base_objects
        return self._read(bo, select(bo.c.resource).where(bo.c.id == pk)).scalar()

    def state(self, resource: str, pk: int):
        """(concrete resource, stored values) of a live record, or None."""
        res = CATALOG.get(resource)
        if res is None or pk is None:
            return None
        if res.polymorphic:
            concrete = self._concrete(pk)
            return self.state(concrete, pk) if concrete else None
        key = (resource, pk)
        if key not in self.cache:
            t = self.schema.table(res)
            raw = self._read(t, select(t.c.state).where(t.c.id == pk)).scalar()
            self.cache[key] = None if raw is None else (res, _decode(raw))
        return self.cache[key]

    def children(self, resource: str, via: str, pk: int) -> list[int]:
        """Ids of ``resource`` records whose ``via`` is ``pk``, in id order."""
        key = (resource, via)
        if key in self.kids and pk in self.kids[key][0]:
            return self.kids[key][1].get(pk, [])
        t = self.schema.table(CATALOG[resource])
        return list(self._read(t, select(t.c.id).where(t.c[via] == pk).order_by(t.c.id)).scalars())

    def prefetch(self, resource: str, via: str, pks: list[int], new: set[int], none: bool = False) -> None:
        """Find the children of many records at once (for rendering a batch).

        Children of records ``new`` in this batch were written in this batch
        too, so they are looked up in it; the others with one query (none at
        all when ``none``: the caller knows ``resource`` has no records).
        """
        found: dict[int, list[int]] = defaultdict(list)
        if none:
            self.kids[(resource, via)] = (set(pks), found)
            return
        if new:
            entries = ((pk, self.cache.get((name, pk))) for name, pk in self.written if name == resource)
            written = [(pk, entry[1].get(via)) for pk, entry in entries
                       if entry is not None and entry[1].get(via) in new]
            for pk, parent in sorted(written):
                found[parent].append(pk)
        old = [pk for pk in pks if pk not in new]
        t = self.schema.table(CATALOG[resource])
        for chunk in chunks(old):
            query = select(t.c.id, t.c[via]).where(self._among(t.c[via], chunk)).order_by(t.c.id)
            for row in self._read(t, query):
                found[row[1]].append(row[0])
        self.kids[(resource, via)] = (set(pks), found)

    def prefetch_states(self, resource: str, pks: set[int]) -> dict[str, set[int]]:
        """Load many records' values in one query per table; returns {concrete resource: ids}."""
        res = CATALOG[resource]
        if res.polymorphic:
            by_type: dict[str, set[int]] = defaultdict(set)
            for pk in pks:
                known = self._cached_type(pk)
                if known:
                    by_type[known].add(pk)
            bo = self.schema.base_objects
            unknown = sorted(set(pks) - set().union(*by_type.values()))
            for chunk in chunks(unknown):
                for row in self._read(bo, select(bo.c.id, bo.c.resource).where(self._among(bo.c.id, chunk))):
                    by_type[row.resource].add(row.id)
            for name, ids in by_type.items():
                self.prefetch_states(name, ids)
            return by_type
        wanted = {pk for pk in pks if pk is not None and (resource, pk) not in self.cache}
        t = self.schema.table(res)
        for chunk in chunks(sorted(wanted)):
            for row in self._read(t, select(t.c.id, t.c.state).where(self._among(t.c.id, chunk))):
                self.cache[(resource, row.id)] = (res, _decode(row.state))
        return {resource: set(pks)}

    def prefetch_targets(self, resource: str, pks: set[int], depth: int) -> None:
        """Load the records that ``pks`` reference (and theirs, ``depth`` levels) in bulk."""
        frontier = {resource: pks}
        for _ in range(depth):
            wanted: dict[str, set[int]] = defaultdict(set)
            for name, ids in frontier.items():
                res = CATALOG[name]
                refs = [f for f in res.stored_fields if f.kind in ("fk", "m2m") and f.target in CATALOG]
                for pk in ids:
                    found = self.cache.get((name, pk))
                    for f in refs if found else ():
                        value = found[1].get(f.name)
                        wanted[f.target].update(value if f.kind == "m2m" else [value] if value else [])
            frontier = {}
            for target, ids in wanted.items():
                for name, loaded in self.prefetch_states(target, ids).items():
                    frontier.setdefault(name, set()).update(loaded)

    def forget(self, resource: str, pk: int) -> None:
        self.cache.pop((resource, pk), None)

    def remember(self, resource: str, pk: int, state: dict) -> None:
        """Cache values just written in this transaction."""
        self.cache[(resource, pk)] = (CATALOG[resource], state)
        self.written.add((resource, pk))
