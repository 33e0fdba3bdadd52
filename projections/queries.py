"""Queries over the read tables: pages, details, exact filters, ordering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import msgspec
from sqlalchemy import false, func, select
from sqlalchemy.engine import Engine

from commands.catalog import CATALOG, Resource
from commands.catalog.fields import SCALAR_KINDS
from commands.handlers import Referrer

from .projector import INCOMING
from .tables import ReadSchema

PAGE_PARAMS = frozenset({"limit", "offset", "ordering", "format"})
_TRUE = {"true", "True", "1"}
_FALSE = {"false", "False", "0"}


class BadValue(Exception):
    """A filter value that cannot match the field's type."""


def _convert(kind: str, raw: str):
    try:
        if kind in ("int", "fk", "id", "choice"):
            return int(raw)
        if kind == "bool":
            if raw in _TRUE:
                return True
            if raw in _FALSE:
                return False
            raise BadValue(raw)
        if kind == "date":
            return dt.date.fromisoformat(raw)
        if kind == "datetime":
            return dt.datetime.fromisoformat(raw)
        if kind == "decimal":
            return Decimal(raw)
        if kind == "float":
            return float(raw)
    except (ValueError, InvalidOperation):
        raise BadValue(raw) from None
    return raw


class ReadModel:
    """Answers GET requests from the pre-rendered documents."""

    def __init__(self, engine: Engine, schema: ReadSchema):
        self.engine = engine
        self.schema = schema

    # single records -----------------------------------------------------
    def detail(self, res: Resource, pk: int) -> bytes | None:
        """The stored representation of one record, or None."""
        t = self.schema.table(res)
        with self.engine.connect() as conn:
            return conn.execute(select(t.c.doc).where(t.c.id == pk)).scalar()

    def state(self, res: Resource, pk: int) -> dict | None:
        """The stored values of one record (e.g. a user for authentication)."""
        t = self.schema.table(res)
        with self.engine.connect() as conn:
            raw = conn.execute(select(t.c.state).where(t.c.id == pk)).scalar()
        return None if raw is None else msgspec.json.decode(raw)

    def find(self, res: Resource, column: str, value) -> tuple[int, dict] | None:
        """(id, values) of the record whose ``column`` equals ``value``."""
        t = self.schema.table(res)
        with self.engine.connect() as conn:
            row = conn.execute(select(t.c.id, t.c.state).where(t.c[column] == value)).first()
        return None if row is None else (row.id, msgspec.json.decode(row.state))

    def referrers(self, res: Resource, pk: int) -> list[Referrer]:
        """Records whose foreign keys or M2M lists point at ``pk``."""
        found = []
        with self.engine.connect() as conn:
            for owner, field, kind in INCOMING.get(res.name, ()):
                if kind == "fk":
                    t = self.schema.table(owner)
                    query = select(t.c.id).where(t.c[field] == pk)
                else:
                    link = self.schema.links[(owner.name, field)]
                    query = select(link.c.owner_id).where(link.c.target_id == pk)
                found += [Referrer(owner.name, i, field) for i in conn.execute(query).scalars()]
            if res.has_custom_fields:
                values = self.schema.table(CATALOG["customfieldvalues"])
                query = select(values.c.id).where(values.c.object_family == res.family, values.c.object_id == pk)
                found += [Referrer("customfieldvalues", i, "object_id") for i in conn.execute(query).scalars()]
        return found

    # lists --------------------------------------------------------------
    def page(self, res: Resource, params: dict[str, str], limit: int, offset: int, scope: dict | None = None):
        """(count, docs, ignored parameter names) of one page of a list, within ``scope`` (column values)."""
        t = self.schema.table(res)
        conditions, ignored = [t.c[k] == v for k, v in (scope or {}).items()], []
        for name, value in params.items():
            if name in PAGE_PARAMS:
                continue
            if name not in res.filter_fields:
                ignored.append(name)
                continue
            conditions.append(self.condition(res, t, name.split("__"), value))
        order = self.ordering(res, t, params.get("ordering"))
        with self.engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(t).where(*conditions)).scalar()
            docs = list(conn.execute(
                select(t.c.doc).where(*conditions).order_by(*order).limit(limit).offset(offset)).scalars())
        return count, docs, ignored

    def condition(self, res: Resource, t, parts: list[str], raw: str):
        """SQL condition for the exact filter ``a__b__c=raw`` on ``res``."""
        name, rest = parts[0], parts[1:]
        f = res.get(name)
        if name == "id":
            kind = "id"
        elif f is None or not (f.kind in SCALAR_KINDS or f.kind in ("fk", "m2m")) or name not in t.c and f.kind != "m2m":
            return false()
        else:
            kind = f.kind
        if rest:
            if kind not in ("fk", "m2m") or f.target not in CATALOG or CATALOG[f.target].polymorphic:
                return false()
            target = CATALOG[f.target]
            tt = self.schema.table(target)
            ids = select(tt.c.id).where(self.condition(target, tt, rest, raw))
        else:
            try:
                value = _convert("int" if kind == "m2m" else kind, raw)
            except BadValue:
                return false()
            if kind != "m2m":
                return t.c[name] == value
            ids = [value]
        if kind == "fk":
            return t.c[name].in_(ids)
        link = self.schema.links[(res.name, name)]
        return t.c.id.in_(select(link.c.owner_id).where(link.c.target_id.in_(ids)))

    def ordering(self, res: Resource, t, raw: str | None) -> list:
        """ORDER BY clauses: the ``ordering`` parameter, else the default, then id."""
        clauses = []
        for name in (raw or "").split(","):
            name = name.strip()
            column = t.c.get(name.lstrip("-")) if name.lstrip("-") not in ("state", "doc") else None
            if column is not None:
                clauses.append(column.desc() if name.startswith("-") else column.asc())
        if not clauses:
            for name in res.ordering:
                column = self._sort_key(res, t, name.lstrip("-"))
                if column is not None:
                    clauses.append(column.desc() if name.startswith("-") else column.asc())
        return clauses + [t.c.id.asc()]

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
