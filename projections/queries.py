"""Queries over the read tables: pages, details, ordering (filters: :mod:`.filters`)."""

from __future__ import annotations

from collections import defaultdict

import msgspec
from sqlalchemy import BigInteger, Select, Table, bindparam, func, literal, select, union_all
from sqlalchemy.engine import Engine

from commands.catalog import CATALOG, Resource

from .counts import Counts, count_key
from .filters import Filters, last
from .tables import ReadSchema, among


class ReadModel:
    """Answers GET requests from the pre-rendered documents (on PostgreSQL fetched in the binary format: see
    :func:`workers.runtime.make_engine`)."""

    def __init__(self, engine: Engine, schema: ReadSchema, projection: str = "main"):
        self.engine = engine
        self.schema = schema
        #: the projection whose position dates the kept counts (:mod:`.counts`)
        self.projection = projection
        self.counts = Counts()
        self._lookups: dict[tuple, Select] = {}

    # single records -----------------------------------------------------
    def detail(self, res: Resource, pk: int) -> bytes | None:
        """The stored representation of one record, or None."""
        found = self.tagged(res, pk)
        return None if found is None else found[0]

    def tagged(self, res: Resource, pk: int) -> tuple[bytes, int] | None:
        """(representation, stream version) of one record, or None."""
        with self.engine.connect() as conn:
            t = self._home(conn, res, pk)
            row = None if t is None else conn.execute(self._by_id(t, t.c.doc, t.c.stream_version), {"pk": pk}).first()
        return None if row is None else (row.doc, row.stream_version)

    def _home(self, conn, res: Resource, pk: int) -> Table | None:
        """The table holding record ``pk``'s document: a base object's is its own type's (None: no such record)."""
        if not res.polymorphic:
            return self.schema.table(res)
        bo = self.schema.base_objects
        name = conn.execute(self._by_id(bo, bo.c.resource), {"pk": pk}).scalar()
        return None if name is None else self.schema.table(CATALOG[name])

    def _by_id(self, table: Table, *columns) -> Select:
        """``columns`` of the row of ``table`` whose id is the parameter ``pk``: built once, prepared on
        PostgreSQL (its plan is the same for every id)."""
        key = (table.name, *(c.name for c in columns))
        if key not in self._lookups:
            self._lookups[key] = (select(*columns).where(table.c.id == bindparam("pk"))
                                  .execution_options(binary=True, prepare=True))
        return self._lookups[key]

    def state(self, res: Resource, pk: int) -> dict | None:
        """The stored values of one record (e.g. a user for authentication)."""
        t = self.schema.table(res)
        with self.engine.connect() as conn:
            raw = conn.execute(select(t.c.state).where(t.c.id == pk)).scalar()
        return None if raw is None else msgspec.json.decode(raw)

    def find(self, res: Resource, column: str, value) -> tuple[int, dict] | None:
        """(id, values) of the record (the lowest id) whose ``column`` equals ``value``."""
        t = self.schema.table(res)
        with self.engine.connect() as conn:
            row = conn.execute(select(t.c.id, t.c.state).where(t.c[column] == value).order_by(t.c.id)).first()
        return None if row is None else (row.id, msgspec.json.decode(row.state))

    # lists --------------------------------------------------------------
    def page(self, res: Resource, params: dict, limit: int, offset: int, scope: dict | None = None,
             regions: frozenset[int] | None = None):
        """(count, docs, ignored parameter names) of one page of a list, within ``scope`` (column values), of the
        records a user restricted to ``regions`` sees (:mod:`commands.regions`; a condition on the region column).

        ``params`` maps each query parameter to its value (a list when repeated).
        Raises :class:`FilterError` for a lookup value that cannot be used.
        An unfiltered list reads its count from the projector's counts, a
        filtered one from :class:`Counts` while the projection has not moved
        since it was taken. A first page is read with what its count comes from
        (one statement); a later page needs the count first: one past the middle
        is read from the end, in reverse order.
        """
        t = self.schema.table(res)
        with self.engine.connect() as conn:
            conditions, ignored = Filters(self.schema, self.engine.dialect.name, conn).compile(res, params)
            conditions += [t.c[k] == v for k, v in (scope or {}).items()]
            if regions is not None and res.region_column:
                conditions.append(among(t.c[res.region_column], sorted(regions), self.engine.dialect.name))
            keys = self.ordering(res, t, last(params.get("ordering")))
            key = count_key(res.name, params, scope, regions)
            if offset == 0:  # read forwards whatever the count: the page first, with what the count comes from
                rows = conn.execute(self._page(res, t, conditions, keys, limit, 0, False,
                                               self._count_sources(res, conditions))).all()
                read = (rows[0].kept, rows[0].at) if rows else None  # none: read as for a later page
                return self._count(conn, res, t, conditions, key, read), self._docs(conn, res, rows), ignored
            count = self._count(conn, res, t, conditions, key)
            backwards = offset > count // 2
            if backwards:
                limit, offset = min(limit, count - offset), max(0, count - offset - limit)
            if limit <= 0:
                return count, [], ignored
            docs = self._docs(conn, res, conn.execute(self._page(res, t, conditions, keys, limit, offset,
                                                                 backwards)).all())
        return count, docs, ignored

    def _page(self, res: Resource, t: Table, conditions: list, keys: list, limit: int, offset: int,
              backwards: bool, extra: tuple = ()) -> Select:
        """The rows of one page, in order, and the columns ``extra``: documents (base objects: ids and types)."""
        # deferred join: the offset walks narrow (indexed) rows, documents are read for the page only
        ids = select(t.c.id).where(*conditions).order_by(*_clauses(keys, backwards)).limit(limit).offset(offset)
        columns = (t.c.id, t.c.resource) if res.polymorphic else (t.c.doc,)
        return (select(*columns, *extra).where(t.c.id.in_(ids)).order_by(*_clauses(keys))
                .execution_options(binary=True))

    def _docs(self, conn, res: Resource, rows: list) -> list[bytes]:
        """The documents of a page's rows."""
        if res.polymorphic:
            return self._documents(conn, [(row.id, row.resource) for row in rows])
        return [row.doc for row in rows]

    def _count_sources(self, res: Resource, conditions: list) -> tuple:
        """What a count is read from, as columns for the page's statement: ``kept``, the projector's count of
        an unfiltered list; ``at``, the projection position that kept filtered counts are dated by."""
        counts, positions = self.schema.counts, self.schema.positions
        kept = (select(counts.c.rows).where(counts.c.name == res.name).scalar_subquery() if not conditions
                else literal(None, BigInteger))
        at = select(positions.c.position).where(positions.c.name == self.projection).scalar_subquery()
        return kept.label("kept"), at.label("at")

    def _documents(self, conn, page: list) -> list[bytes]:
        """The documents of the base objects ``page`` ((id, resource) rows, in order), each read from its type's
        table: one statement for them all."""
        by_type: dict[str, list[int]] = defaultdict(list)
        for pk, name in page:
            by_type[name].append(pk)
        tables = [(self.schema.table(CATALOG[name]), pks) for name, pks in by_type.items()]
        queries = [select(tt.c.id, tt.c.doc).where(among(tt.c.id, pks, self.engine.dialect.name)) for tt, pks in tables]
        if not queries:
            return []
        query = queries[0] if len(queries) == 1 else union_all(*queries)
        found = dict(conn.execute(query.execution_options(binary=True)).all())
        return [found[pk] for pk, _name in page if pk in found]  # (one deleted in between is left out)

    def _count(self, conn, res: Resource, t, conditions: list, key, read: tuple | None = None) -> int:
        """Rows matching ``conditions``: without any, the projector's count (when it has one); else the count
        kept for ``key`` at the current projection position, or counted (and kept). ``read``: what
        :meth:`_count_sources` gives, when the page's statement read it (else read here)."""
        if read is None:
            read = conn.execute(select(*self._count_sources(res, conditions)).execution_options(prepare=True)).one()
        kept, position = read[0], read[1] or 0
        if kept is not None:
            return kept
        count = self.counts.get(key, position)
        if count is None:
            count = conn.execute(select(func.count()).select_from(t).where(*conditions)).scalar()
            self.counts.put(key, position, count)
        return count

    def ordering(self, res: Resource, t, raw: str | None) -> list[tuple]:
        """Sort keys (expression, descending): the ``ordering`` parameter, else the default, then id."""
        keys = []
        for name in (raw or "").split(","):
            name = name.strip()
            column = t.c.get(name.lstrip("-")) if name.lstrip("-") not in ("state", "doc") else None
            if column is not None:
                keys.append((column, name.startswith("-")))
        if not keys:
            for name in res.ordering:
                column = self._sort_key(res, t, name.lstrip("-"))
                if column is not None:
                    keys.append((column, name.startswith("-")))
        return keys + [(t.c.id, False)]

    def _sort_key(self, res: Resource, t, path: str):
        """A column, or a scalar subquery for a relation path like ``service__name``."""
        first, _, rest = path.partition("__")
        if not rest:
            return t.c.get(first)
        f = res.get(first)
        if f is None or f.kind != "fk" or f.target not in CATALOG:
            return None
        target = CATALOG[f.target]
        tt = self.schema.table(target)
        inner = self._sort_key(target, tt, rest)
        return None if inner is None else select(inner).where(tt.c.id == t.c[first]).scalar_subquery()


def _clauses(keys: list[tuple], reverse: bool = False) -> list:
    """ORDER BY clauses of sort keys, all directions flipped when ``reverse``.

    Nulls sort as on PostgreSQL (and so in Ralph there): after every value
    ascending, before them descending; SQLite is told so for nullable keys.
    """
    clauses = []
    for expr, descending in keys:
        down = descending != reverse
        clause = expr.desc() if down else expr.asc()
        if getattr(expr, "nullable", True):
            clause = clause.nulls_first() if down else clause.nulls_last()
        clauses.append(clause)
    return clauses
