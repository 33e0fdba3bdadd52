"""Ralph's filter language compiled to SQL over the read tables (API.md §10).

Exact filters on ``filter_fields`` (relation paths included), lookups by
field class, extended filters (OR over paths), additional filters, tags
(AND), custom fields, and on ``base-objects`` the same parameters evaluated
against every concrete type. Every condition is a subquery on indexed
columns, so a page stays one statement whatever the filters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import re2
from sqlalchemy import BigInteger, Integer, String, and_, cast, extract, false, func, select, true, union_all
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression
from sqlalchemy.sql.selectable import CompoundSelect, ScalarSelect

from commands.catalog import BASE_OBJECT_TYPES, CATALOG, RESOURCES, Resource

from .tables import ReadSchema, among

_NUMBER = {"lte", "gte", "lt", "gt", "exact", "in", "range", "isnull"}
_TEXT = {"startswith", "istartswith", "endswith", "iendswith", "contains", "icontains", "in", "isnull", "regex",
         "iregex"}
_DATE = {"year", "month", "day", "week_day", "range", "isnull", "lte", "gte", "lt", "gt"}
#: Lookups allowed per field kind (Ralph's LookupFilterBackend table).
LOOKUPS = {"int": _NUMBER, "choice": _NUMBER, "decimal": _NUMBER, "string": _TEXT, "mac": _TEXT,
           "date": _DATE, "datetime": _DATE | {"hour", "minute", "second"}, "id": {"startswith", "exact"}}
_ALL_LOOKUPS = set().union(*LOOKUPS.values())
#: Django's downcast names of BaseObject subclasses that are not one model.
DOWNCASTS = {"asset": ("data-center-assets", "back-office-assets")}
_TRUE, _FALSE = {"true", "True", "1"}, {"false", "False", "0"}
_YES, _NO = _TRUE | {"yes"}, _FALSE | {"no"}
PAGE_PARAMS = frozenset({"limit", "offset", "ordering", "format"})
#: What 32- and 64-bit integer columns hold.
INT32, INT64 = (-2**31, 2**31 - 1), (-2**63, 2**63 - 1)
#: Longest regular expression a ``regex``/``iregex`` lookup accepts.
MAX_PATTERN = 1000
#: Most filter values one request may send (a repeated parameter counts each value), and in one ``__in``.
MAX_VALUES = 100
MAX_IN = 1000
#: SQLite: most ids a trigram index may give for a text lookup to narrow it down (:meth:`Filters._narrowed`).
CANDIDATES = 5000
#: Decimal filter values are compared within 10**±DECIMAL_EXPONENT.
DECIMAL_EXPONENT = 100
_OPERATORS = {"lt": lambda c, v: c < v, "lte": lambda c, v: c <= v, "gt": lambda c, v: c > v,
              "gte": lambda c, v: c >= v, "exact": lambda c, v: c == v}


def regex_options(case_sensitive: bool = True) -> re2.Options:
    """RE2 options: linear-time matching, errors raised (not logged)."""
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = case_sensitive
    return options


def compile_regex(pattern: str, case_sensitive: bool = True):
    """A pattern compiled by RE2, which cannot backtrack (``re2.error`` when it is not RE2 syntax)."""
    return re2.compile(pattern, options=regex_options(case_sensitive))


class FilterError(Exception):
    """A lookup value that cannot be used: 400 with ``{param: [message]}``."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class _Unusable(Exception):
    """An exact-filter value of the wrong type: the filter matches nothing."""


@dataclass(frozen=True)
class Leaf:
    """Where a path ends: the resource, its table and the column kind."""

    res: Resource
    column: str
    kind: str


def _value(kind: str, raw: str):
    """Convert one query-string value to the column's type."""
    if "\x00" in raw:  # no stored value holds one (and PostgreSQL refuses it as a parameter)
        raise _Unusable(raw)
    try:
        if kind in ("int", "fk", "id", "choice", "m2m"):
            return int(raw)
        if kind == "decimal":
            value = Decimal(raw)
            if not value.is_finite() or abs(value.adjusted()) > DECIMAL_EXPONENT:
                raise ValueError(raw)
            return value
        if kind == "float":
            return float(raw)
        if kind == "date":
            return dt.date.fromisoformat(raw)
        if kind == "datetime":
            return dt.datetime.fromisoformat(raw)
        if kind == "bool":
            if raw in _TRUE | _FALSE:
                return raw in _TRUE
            raise ValueError(raw)
    except (ValueError, InvalidOperation):
        raise _Unusable(raw) from None
    return raw


class Filters:
    """Compiles query parameters of one list request into SQL conditions (with ``conn``, the request's
    connection, SQLite's trigram indexes are asked how many candidates they hold)."""

    def __init__(self, schema: ReadSchema, dialect: str, conn=None):
        self.schema = schema
        self.dialect = dialect
        self.conn = conn

    # entry point ----------------------------------------------------------
    def compile(self, res: Resource, params: dict) -> tuple[list, list[str]]:
        """(conditions, ignored names) for ``params`` (name -> value or list of values)."""
        if sum(len(_all(value)) for name, value in params.items() if name not in PAGE_PARAMS) > MAX_VALUES:
            raise FilterError({"detail": f"Too many filter values: at most {MAX_VALUES}."})
        t = self.schema.table(res)
        conditions, ignored, rest = [], [], {}
        tags = _all(params.get("tag"))
        if tags and res.get("tags") is not None:
            conditions.append(t.c.id.in_(self._tagged(res, tags)))
        elif tags:
            ignored.append("tag")
        custom = {}
        for name, value in params.items():
            if name in PAGE_PARAMS or name == "tag":
                continue
            if name.startswith("customfield__") and (res.has_custom_fields or res.polymorphic):
                custom[name[len("customfield__"):]] = _all(value)
                continue
            clause = self.parameter(res, t, name, last(value))
            if clause is None:
                rest[name] = last(value)
            else:
                conditions.append(clause)
        conditions += [t.c.id.in_(self._custom(res, attr, values)) for attr, values in custom.items()]
        if res.polymorphic and rest:
            clause, used = self._descendants(rest)
            if clause is not None:
                conditions.append(clause)
            rest = {k: v for k, v in rest.items() if k not in used}
        return conditions, ignored + sorted(rest)

    def parameter(self, res: Resource, t, name: str, raw: str):
        """The condition of one parameter on ``res``, or None when it does not apply."""
        if name in res.additional_filters:
            path = res.additional_filters[name]
            if path == "active":
                return None if raw not in _YES | _NO else t.c.active == (raw in _YES)
            return self._exact_or_empty(res, t, path.split("__"), raw)
        if name in res.filter_fields:
            return self._exact_or_empty(res, t, name.split("__"), raw)
        if name in res.extended_filters:
            return _either(t, [self._exact_or_empty(res, t, p.split("__"), raw) for p in res.extended_filters[name]])
        path, _, lookup = name.rpartition("__")
        if not path or lookup not in _ALL_LOOKUPS:
            return None
        if path in res.filter_fields:
            return self._lookup(res, t, path.split("__"), lookup, raw, name)
        if path in res.extended_filters:
            clauses = [c for p in res.extended_filters[path]
                       if (c := self._lookup(res, t, p.split("__"), lookup, raw, name)) is not None]
            return _either(t, clauses) if clauses else None
        return None

    def lookups(self, res: Resource, name: str) -> dict[str, set[str]]:
        """``{lookup: kinds of the values it compares}`` of the lookups ``<name>__<lookup>`` that apply to the
        filter field or extended filter ``name`` of ``res`` (what :meth:`parameter` would compile)."""
        found: dict[str, set[str]] = {}

        def leaf(end: Leaf, col):
            for lookup in LOOKUPS.get(end.kind, ()):
                found.setdefault(lookup, set()).add(end.kind)
            return true()

        t = self.schema.table(res)
        for path in [name] if name in res.filter_fields else res.extended_filters.get(name, []):
            self._path(res, t, path.split("__"), leaf)
        return found

    # paths ----------------------------------------------------------------
    def _exact_or_empty(self, res: Resource, t, parts: list[str], raw: str):
        def leaf(end: Leaf, col):
            if end.kind == "m2m":
                link = self.schema.links[(end.res.name, end.column)]
                return col.in_(select(link.c.owner_id).where(bounded(link.c.target_id, "exact", _value("m2m", raw))))
            return bounded(col, "exact", _value(end.kind, raw))

        try:
            clause = self._path(res, t, parts, leaf)
        except _Unusable:
            return false()
        if clause is None:  # base-objects: left to the concrete types (see _descendants)
            return None if res.polymorphic else false()
        return clause

    def _lookup(self, res: Resource, t, parts: list[str], lookup: str, raw: str, name: str):
        def leaf(end: Leaf, col):
            if lookup not in LOOKUPS.get(end.kind, ()):
                return None
            return self._compare(col, end.kind, lookup, raw, name)

        return self._path(res, t, parts, leaf)

    def _path(self, res: Resource, t, parts: list[str], leaf, outer: bool = True):
        """Condition on ``t`` for ``a__b__c`` ending in ``leaf(end, column)`` (None: not applicable); ``outer``:
        ``t`` is the listed table (not one reached through a relation)."""
        name, rest = parts[0], parts[1:]
        f = res.get(name)
        if name == "id" and not rest:
            return leaf(Leaf(res, "id", "id"), t.c.id)
        if f is not None and f.stored and f.kind in ("fk", "m2m") and (name in t.c or not res.polymorphic):
            if not rest:
                if f.kind == "m2m":
                    return leaf(Leaf(res, name, "m2m"), t.c.id)
                return leaf(Leaf(res, name, "fk"), t.c[name])
            targets = [CATALOG[f.target]] if not CATALOG[f.target].polymorphic else list(BASE_OBJECT_TYPES)
            inner = self._union(targets, rest, leaf)
            if inner is None:
                return None
            if f.kind == "fk":
                # through two relations or more (rack__server_room__data_center): the ids first
                return self._resolved(t.c[name], inner) if outer and len(rest) > 1 else t.c[name].in_(inner)
            link = self.schema.links[(res.name, name)]
            return t.c.id.in_(select(link.c.owner_id).where(link.c.target_id.in_(inner)))
        if f is not None and name in t.c and not rest:
            return leaf(Leaf(res, name, f.kind), t.c[name])
        if name in ("created", "modified") and not rest:
            return leaf(Leaf(res, name, "datetime"), t.c[name])
        down = self._downcast(res, name)
        if down:
            return t.c.id.in_(inner) if (inner := self._union(down, rest, leaf)) is not None else None
        children = self._reverse(res, name)
        if children:
            clauses = []
            for child, via in children:
                ct = self.schema.table(child)
                inner = self._path(child, ct, rest, leaf, outer=False) if rest else None
                if inner is not None:
                    clauses.append(t.c.id.in_(select(ct.c[via]).where(inner)))
            return _either(t, clauses) if clauses else None
        return None

    def _union(self, targets, parts: list[str], leaf):
        """Ids of ``targets`` records matching ``parts`` (a union over several resources)."""
        queries = []
        for target in targets:
            tt = self.schema.table(target)
            clause = self._path(target, tt, parts, leaf, outer=False)
            if clause is not None:
                queries.append(select(tt.c.id).where(clause))
        if not queries:
            return None
        return queries[0] if len(queries) == 1 else queries[0].union_all(*queries[1:])

    @staticmethod
    def _downcast(res: Resource, name: str) -> list[Resource]:
        """BaseObject types reached by Django's downcast name (``asset``, ``virtualserver``...)."""
        if not (res.polymorphic or res.base_object):
            return []
        if name in DOWNCASTS:
            return [CATALOG[n] for n in DOWNCASTS[name]]
        return [r for r in BASE_OBJECT_TYPES if r.model_name == name]

    @staticmethod
    def _reverse(res: Resource, name: str) -> list[tuple[Resource, str]]:
        """(child resource, fk field) for ``<model>_set`` or a one-to-one reverse name."""
        model = name[:-4] if name.endswith("_set") else name
        found = []
        for child in RESOURCES:
            if child.model_name != model or child.polymorphic:
                continue
            for f in child.stored_fields:
                target = CATALOG.get(f.target) if f.kind == "fk" else None
                if target is not None and (target.name == res.name or (target.polymorphic and res.base_object)):
                    found.append((child, f.name))
        return found

    # tags, custom fields, descendants -------------------------------------
    def _tagged(self, res: Resource, names: list[str]):
        """Ids of ``res``'s family that have every tag of ``names``: intersected inside the tag index, the first
        tag's ids probed for each other tag (the record table is consulted once, for the ids they share)."""
        tags = self.schema.tags
        if any("\x00" in name for name in names):
            return select(tags.c.object_id).where(false())
        first, *others = dict.fromkeys(names)
        return select(tags.c.object_id).where(tags.c.family == res.family, tags.c.name == first, *(
            tags.c.object_id.in_(select(tags.c.object_id).where(tags.c.family == res.family, tags.c.name == name))
            for name in others))

    def _custom(self, res: Resource, attribute: str, values: list[str]):
        """Ids of records whose custom field ``attribute`` has one of ``values``."""
        cfv = self.schema.table(CATALOG["customfieldvalues"])
        cf = self.schema.table(CATALOG["custom-fields"])
        fields = select(cf.c.id).where(cf.c.attribute_name == attribute)
        values = [v for v in values if "\x00" not in v]
        return select(cfv.c.object_id).where(cfv.c.object_family == res.family, cfv.c.custom_field.in_(fields),
                                             cfv.c.value.in_(values))

    def _descendants(self, params: dict) -> tuple[object | None, set[str]]:
        """``base-objects``: parameters evaluated on each concrete type's own filters, ids OR-ed.

        A parameter that some type knows is used; a type that does not know
        every used parameter matches nothing.
        """
        clauses = []
        for res in BASE_OBJECT_TYPES:
            t = self.schema.table(res)
            clauses.append((t, {name: c for name, raw in params.items()
                                if (c := self.parameter(res, t, name, raw)) is not None}))
        used = set().union(*(found.keys() for _t, found in clauses))
        queries = [select(t.c.id).where(and_(*found.values()))
                   for t, found in clauses if found and found.keys() == used]
        if not used:
            return None, used
        bo = self.schema.base_objects
        if not queries:
            return false(), used
        return bo.c.id.in_(queries[0].union_all(*queries[1:]) if len(queries) > 1 else queries[0]), used

    # comparisons ----------------------------------------------------------
    def _compare(self, col, kind: str, lookup: str, raw: str, name: str):
        try:
            return self._comparison(col, kind, lookup, raw)
        except (ValueError, InvalidOperation, _Unusable, re2.error):
            raise FilterError({name: [_message(kind, lookup, raw)]}) from None

    def _comparison(self, col, kind: str, lookup: str, raw: str):
        if "\x00" in raw:
            raise ValueError(raw)
        if lookup == "isnull":
            if raw not in _YES | _NO:
                return None
            return col.is_(None) if raw in _YES else col.is_not(None)
        if lookup in ("year", "month", "day", "hour", "minute", "second", "week_day"):
            part = extract("dow", col) + 1 if lookup == "week_day" else extract(lookup, col)
            value = int(raw)
            return part == value if INT32[0] <= value <= INT32[1] else false()
        if lookup == "in":
            if raw.count(",") >= MAX_IN:
                raise ValueError(raw)
            return col.in_([v for part in raw.split(",") if _fits(col, v := _strict(kind, part))])
        if lookup == "range":
            bounds = raw.split(",")
            if len(bounds) != 2:
                raise ValueError(raw)
            return and_(bounded(col, "gte", _strict(kind, bounds[0])), bounded(col, "lte", _strict(kind, bounds[1])))
        if lookup in _OPERATORS:
            return bounded(col, lookup, _strict(kind, raw))
        if lookup in ("regex", "iregex"):
            if len(raw) > MAX_PATTERN:
                raise ValueError(raw)
            compile_regex(raw)
            if lookup == "regex":
                return col.regexp_match(raw)
            return col.regexp_match(raw, flags="i") if self.dialect == "postgresql" else col.regexp_match("(?i)" + raw)
        return self._text(col if kind != "id" else cast(col, String), lookup, raw)

    def _text(self, col, lookup: str, raw: str):
        """Case-sensitive and -insensitive matching, identical on SQLite and PostgreSQL."""
        if self.dialect == "postgresql" and lookup == "istartswith":  # as ILIKE does it, served by lower() btree
            escaped = raw.replace("/", "//").replace("%", "/%").replace("_", "/_")
            return func.lower(col).like(func.lower(escaped) + "%", escape="/")
        if self.dialect == "postgresql":  # LIKE / ILIKE: byte-order btree for startswith, trigrams otherwise
            return getattr(col, lookup)(raw, autoescape=True)
        insensitive = lookup.startswith("i")
        op = lookup[1:] if insensitive else lookup
        size = len(raw)
        if insensitive:
            method = {"startswith": col.istartswith, "endswith": col.iendswith, "contains": col.icontains}[op]
            condition = method(raw, autoescape=True)
        elif op == "contains":  # SQLite's LIKE ignores case: compare bytes instead
            condition = func.instr(col, raw) > 0
        elif not size:
            return col.is_not(None)
        elif op == "endswith":
            condition = func.substr(col, -size, size) == raw
        else:
            upper = _successor(raw)  # the range lets the column's index find the candidates
            return and_(col >= raw, *([col < upper] if upper else []), func.substr(col, 1, size) == raw)
        return self._narrowed(col, raw, condition) if op != "startswith" else condition

    def _narrowed(self, col, raw: str, condition):
        """``condition`` (a text in ``col``), within the ids that the table's trigram index gives for ``raw`` when
        they are fewer than :data:`CANDIDATES` (more are cheaper to scan for than to look up one by one)."""
        table = getattr(col, "table", None)
        index = self.schema.trigrams.get(getattr(table, "name", None))
        if self.conn is None or index is None or col.name not in index.columns or len(raw) < 3:
            return condition
        probe = select(func.count()).select_from(index.ids(col.name, raw, CANDIDATES).subquery())
        if self.conn.execute(probe).scalar() >= CANDIDATES:
            return condition
        return and_(table.c.id.in_(index.ids(col.name, raw)), condition)

    def _resolved(self, col, ids):
        """``col IN ids``, with the ids read first when they are fewer than :data:`CANDIDATES` (one statement
        more): the planner then knows which they are, and a page walks the listed table's index checking each row
        against the list, not probing the related tables row by row (a data center's assets: two probes each).
        PostgreSQL only: SQLite builds the subquery's ids once itself (there the extra statement costs 40 %)."""
        if self.conn is None or self.dialect != "postgresql":
            return col.in_(ids)
        found = self.conn.execute(ids.limit(CANDIDATES)).scalars().all()
        return col.in_(ids) if len(found) >= CANDIDATES else among(col, found, self.dialect)


def _either(t, clauses: list):
    """OR of conditions on ``t`` as one set of ids (a UNION ALL), so that each keeps its own index.

    PostgreSQL plans ``id IN (a) OR id IN (b)`` as a filter over every row.
    """
    if len(clauses) == 1:
        return clauses[0]
    return t.c.id.in_(union_all(*(branch for c in clauses for branch in _branches(t, c))))


def _branches(t, clause) -> list:
    """SELECTs whose UNION ALL holds the ids of ``t`` meeting ``clause``. A ``t.id IN (ids)`` gives its own ids
    (the union is matched against ``t`` anyway): joining each branch back to ``t`` doubled the planner's work."""
    if (isinstance(clause, BinaryExpression) and clause.operator is operators.in_op and clause.left is t.c.id
            and isinstance(clause.right, ScalarSelect)):
        return _selects(clause.right.element)
    return [select(t.c.id).where(clause)]


def _selects(query) -> list:
    """The SELECTs of a UNION ALL (a SELECT alone: itself)."""
    if isinstance(query, CompoundSelect) and query.keyword.value == "UNION ALL":
        return [part for member in query.selects for part in _selects(member)]
    return [query]


def _successor(prefix: str) -> str | None:
    """The least string above every string that starts with ``prefix`` in code point (SQLite's byte) order; None
    when there is none."""
    chars = list(prefix)
    while chars:
        point = ord(chars.pop()) + 1
        point = 0xE000 if point == 0xD800 else point  # surrogates are not characters
        if point <= 0x10FFFF:
            return "".join(chars) + chr(point)
    return None


def _fits(col, value) -> bool:
    """True unless ``value`` is a whole number out of the integer column's range."""
    if not isinstance(value, int) or isinstance(value, bool) or not isinstance(col.type, Integer):
        return True
    low, high = INT64 if isinstance(col.type, BigInteger) else INT32
    return low <= value <= high


def bounded(col, op: str, value):
    """``col <op> value``, answered without the database when ``value`` is beyond what ``col`` holds.

    (No stored value equals a number out of range; all of them are below or above it.)
    """
    if _fits(col, value):
        return _OPERATORS[op](col, value)
    below = value > 0  # every stored value is below the given one
    holds = (op in ("lt", "lte") and below) or (op in ("gt", "gte") and not below)
    return col.is_not(None) if holds else false()


def _strict(kind: str, raw: str):
    value = _value(kind, raw.strip())
    if isinstance(value, str) and kind not in ("string", "mac", "text"):
        raise ValueError(raw)
    return value


def _message(kind: str, lookup: str, raw: str) -> str:
    if lookup == "in" and raw.count(",") >= MAX_IN:
        return f"At most {MAX_IN} values are allowed."
    if lookup in ("in", "range"):
        return (f'"{raw}" is not a valid comma-separated list for {lookup}.' if lookup == "in"
                else f'"{raw}" is not a valid range: give two comma-separated bounds.')
    if "\x00" in raw:
        return "Null characters are not allowed."
    if lookup in ("regex", "iregex"):
        return (f'"{raw}" is not a valid regular expression (RE2 syntax, at most {MAX_PATTERN} characters: '
                'no backreferences or lookaround).')
    expected = {"int": "a whole number", "choice": "a whole number (the stored choice value)",
                "decimal": "a number", "date": "a date (YYYY-MM-DD)", "datetime": "a date and time (ISO 8601)",
                "id": "a whole number"}.get(kind, "a valid value")
    if lookup in ("year", "month", "day", "week_day", "hour", "minute", "second"):
        expected = "a whole number"
    return f'"{raw}" is not valid here: expected {expected}.'


def _all(value) -> list[str]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def last(value) -> str:
    """The last value of a repeated query parameter."""
    return value[-1] if isinstance(value, list) else value
