"""Read tables generated from the catalogue (SQLAlchemy Core)."""

from __future__ import annotations

import functools
import hashlib
import logging
from decimal import Decimal

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    any_,
    bindparam,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.schema import CreateIndex

from commands.catalog import RESOURCES, Resource
from commands.catalog import migrations
from commands.catalog.fields import SCALAR_KINDS, Field
from commands.validation import TAG_LENGTH

from .trigrams import AVAILABLE as TRIGRAMS
from .trigrams import Trigrams, listed

log = logging.getLogger("ralph_es.projector")


#: The shape of the read tables beyond the catalogue (2: rows carry their stream version; 3: integers wider than
#: SQLite's as text there; 4: SQLite's ids are the rowids; 5: base objects' documents are their own type's); part of
#: the fingerprint.
LAYOUT = 5

#: A record's id: on SQLite an ``INTEGER PRIMARY KEY``, i.e. the rowid itself (a ``BIGINT`` key is a second
#: index beside the rowid: every look-up by id walks both, and an index on another column is not in id order).
RECORD_ID = BigInteger().with_variant(Integer(), "sqlite")

#: PostgreSQL: how full (percent) an insert leaves a resource table's pages. A record rendered again (a data
#: center renamed under 100,000 assets) gets a new row version; where it fits in the same page it is a HOT
#: update, which enters none of the table's indexes (45 for data-center assets) instead of every one.
FILLFACTOR = 70


def catalogue_fingerprint() -> str:
    """A digest of the catalogue and its migrations, from which every read table and document follows."""
    return hashlib.sha256(repr((LAYOUT, RESOURCES, migrations.MIGRATIONS)).encode()).hexdigest()[:32]


def among(column, ids, dialect: str):
    """``column IN ids``; on PostgreSQL one array parameter, so the statement text stays the same."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(column.type)))
    return column.in_(list(ids))


class WideUnsigned(TypeDecorator):
    """A non-negative integer of up to ``digits`` digits (an IPv6 number: 39), exact on every backend.

    PostgreSQL keeps it as ``NUMERIC``. SQLite has no integers beyond 64 bits
    and would keep it as an approximate float, so there it is text that sorts as
    the number: zero-padded to one digit more than any stored value has, so a
    bound of any size, fraction (``.5`` after the digits) or sign (``-`` sorts
    first) compares as its number does.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, digits: int):
        super().__init__(digits, 0)
        self.digits = digits

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.digits + 1))
        return dialect.type_descriptor(Numeric(self.digits, 0))

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name != "sqlite":
            return value
        whole, _, fraction = format(Decimal(value), "f").partition(".")
        if whole.startswith("-"):
            return "-"
        fraction = fraction.rstrip("0")
        return whole.zfill(self.digits + 1) + ("." + fraction if fraction else "")

    def process_result_value(self, value, dialect):
        if value is None or dialect.name != "sqlite":
            return value
        return Decimal(value)


def _decimal(f: Field):
    if f.decimal_places == 0 and f.max_digits > 18:  # beyond a 64-bit integer
        return WideUnsigned(f.max_digits)
    return Numeric(f.max_digits, f.decimal_places)


_TYPES = {
    "string": lambda f: String(f.max_length) if f.max_length else Text(),
    "text": lambda f: Text(),
    "int": lambda f: BigInteger(),
    "bool": lambda f: Boolean(),
    "date": lambda f: Date(),
    "datetime": lambda f: DateTime(),
    "decimal": _decimal,
    "float": lambda f: Float(),
    "choice": lambda f: Integer() if all(isinstance(v, int) for v, _ in f.choices) else String(16),
    "fk": lambda f: BigInteger(),
    "password": lambda f: String(255),
    "ip": lambda f: String(39),
    "mac": lambda f: String(17),
}


def table_name(res: Resource) -> str:
    """Read table of a resource."""
    return "read_" + res.name.replace("-", "_")


def column_fields(res: Resource) -> tuple[Field, ...]:
    """Stored fields that get a column of their own (scalars and foreign keys)."""
    return tuple(f for f in res.stored_fields if f.kind in SCALAR_KINDS or f.kind in ("fk", "password"))


class ReadSchema:
    """All read tables of one read model, under an optional name prefix.

    Every resource table holds ``id``, one column per scalar or foreign key
    field, ``created``/``modified``, the record's stored values (``state``,
    JSON) and the pre-rendered GET representation (``doc``, JSON bytes).
    ``base_objects`` lists every BaseObject with its type and the columns
    base-objects filters on; its documents are those of its type's table.
    """

    def __init__(self, prefix: str = ""):
        self.prefix = prefix
        self.metadata = MetaData()
        #: index name -> the only dialect it is made on
        self.dialect_indexes: dict[str, str] = {}
        #: SQLite: the trigram index of a table's text filter columns, by table name (:mod:`.trigrams`; none when
        #: the library lacks the trigram tokenizer)
        self.trigrams: dict[str, Trigrams] = {}
        self.resources = {r.name: self._resource_table(r) for r in RESOURCES if not r.polymorphic}
        self.links = {(r.name, f.name): self._link_table(r, f)
                      for r in RESOURCES if not r.polymorphic for f in r.stored_fields if f.kind == "m2m"}
        self.base_objects = Table(
            f"{prefix}read_base_objects", self.metadata,
            Column("id", RECORD_ID, primary_key=True, autoincrement=False),
            Column("resource", String(64), nullable=False, index=True),
            Column("service_env", BigInteger, index=True),
            Column("parent", BigInteger, index=True),
            Column("created", DateTime), Column("modified", DateTime),
        )
        self._id_index(self.base_objects)
        self.tags = Table(
            f"{prefix}read_tags", self.metadata,
            Column("family", String(64), primary_key=True),
            Column("object_id", BigInteger, primary_key=True),
            Column("name", String(TAG_LENGTH), primary_key=True),
            Column("position", Integer, nullable=False),
            Index(f"ix_{prefix}read_tags_by_name", "family", "name", "object_id"),  # index-only: ids of a tag
        )
        #: Live records per resource (and "base-objects"), kept by the projector: unfiltered lists
        #: are counted without scanning.
        self.counts = Table(
            f"{prefix}read_counts", self.metadata,
            Column("name", String(64), primary_key=True),
            Column("rows", BigInteger, nullable=False),
        )
        #: Records to render again because a record they nest changed in a batch that found more of them than
        #: the projector renders at once (:meth:`projections.projector.Projector.render_pending`).
        self.pending = Table(
            f"{prefix}read_pending", self.metadata,
            Column("resource", String(64), primary_key=True),
            Column("id", BigInteger, primary_key=True),
        )
        #: The position of the last event applied, per projection.
        self.positions = Table(
            f"{prefix}read_positions", self.metadata,
            Column("name", String(64), primary_key=True),
            Column("position", BigInteger, nullable=False),
        )
        #: The event a projection could not apply (one row per projection, while it is stalled).
        self.failures = Table(
            f"{prefix}read_failures", self.metadata,
            Column("name", String(64), primary_key=True),
            Column("position", BigInteger, nullable=False),
            Column("event", Text, nullable=False),
            Column("error", Text, nullable=False),
            Column("since", DateTime, nullable=False),
            Column("attempts", Integer, nullable=False),
        )
        #: Which generation of the read model these tables are (one row; none: the first), when its build
        #: started and since when it is served (see :mod:`projections.generations`).
        self.generation = Table(
            f"{prefix}read_generation", self.metadata,
            Column("number", Integer, primary_key=True, autoincrement=False),
            Column("started", DateTime, nullable=False),
            Column("live_since", DateTime),
        )
        #: The :func:`catalogue_fingerprint` the tables were made for.
        self.catalogue = Table(
            f"{prefix}read_catalogue", self.metadata,
            Column("fingerprint", String(64), primary_key=True),
        )

    def _resource_table(self, res: Resource) -> Table:
        name = self.prefix + table_name(res)
        cols = [Column("id", RECORD_ID, primary_key=True, autoincrement=False)]
        for f in column_fields(res):
            indexed = f.kind == "fk" or f.name in res.filter_fields or f.name in res.ordering
            cols.append(Column(f.name, _TYPES[f.kind](f), index=indexed))
        cols += [Column("created", DateTime), Column("modified", DateTime),
                 Column("state", LargeBinary, nullable=False),
                 Column("doc", LargeBinary, nullable=False),
                 Column("stream_version", Integer, nullable=False)]
        table = Table(name, self.metadata, *cols)
        event.listen(table, "after_create",
                     DDL(f"ALTER TABLE %(fullname)s SET (fillfactor = {FILLFACTOR})").execute_if(dialect="postgresql"))
        self._id_index(table)
        texts = tuple(f.name for f in column_fields(res) if f.kind in ("string", "mac") and f.name in res.filter_fields)
        for column in texts:
            self._text_indexes(table, column)
        if texts and TRIGRAMS:
            self.trigrams[name] = Trigrams(name, texts)
        return table

    def _only(self, dialect: str, *indexes: Index) -> None:
        for index in indexes:
            index.ddl_if(dialect=dialect)
            self.dialect_indexes[index.name] = dialect

    def _id_index(self, table: Table) -> None:
        """SQLite: the ids alone, narrow rows for an offset to walk (the rowid order is the table's wide rows)."""
        self._only("sqlite", Index(f"ix_{table.name}_id", table.c.id))

    def _text_indexes(self, table: Table, column: str) -> None:
        """PostgreSQL: trigram GIN for (i)contains / (i)endswith; byte-order btrees for (i)startswith."""
        lower = func.lower(table.c[column]).label(f"lower_{column}")
        self._only("postgresql",
                   Index(f"ix_{table.name}_{column}_trgm", table.c[column], postgresql_using="gin",
                         postgresql_ops={column: "gin_trgm_ops"}),
                   Index(f"ix_{table.name}_{column}_prefix", table.c[column],
                         postgresql_ops={column: "text_pattern_ops"}),
                   Index(f"ix_{table.name}_{column}_iprefix", lower, postgresql_ops={lower.name: "text_pattern_ops"}))

    def _link_table(self, res: Resource, f: Field) -> Table:
        name = f"{self.prefix}{table_name(res)}__{f.name}"
        return Table(
            name, self.metadata,
            Column("owner_id", BigInteger, primary_key=True),
            Column("target_id", BigInteger, primary_key=True),
            Column("position", Integer, nullable=False),
            Index(f"ix_{name}_target", "target_id"),
        )

    def create(self, engine) -> bool:
        """Create the tables, and the indexes that tables of an older read model lack.

        Tables made for another catalogue (or before fingerprints) are
        dropped and made anew: True then, and the caller replays the store.
        On PostgreSQL also the trigram extension that text indexes use.
        """
        postgresql = engine.dialect.name == "postgresql"
        indexes = ("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()" if postgresql
                   else "SELECT name FROM sqlite_master WHERE type = 'index'")
        fingerprint = catalogue_fingerprint()
        with engine.connect() as conn:
            tables = set(listed(inspect(conn).get_table_names()))
            skipped = set(conn.execute(text(indexes)).scalars())
            made_for = (conn.execute(select(self.catalogue.c.fingerprint)).scalars().all()
                        if self.catalogue.name in tables else None)
        ours = sorted(t for t in tables if t.startswith(f"{self.prefix}read_"))
        reset = bool(ours) and made_for not in ([], [fingerprint])  # [] = emptied: the tables are ours
        if reset:
            log.warning("the catalogue changed since the read model was made: dropping %d read tables to "
                        "replay the store", len(ours))
            with engine.begin() as conn:
                self.drop(conn, ours)
            tables -= set(ours)
        skipped |= {name for name, dialect in self.dialect_indexes.items() if dialect != engine.dialect.name}
        wanted = [index for table in self.metadata.sorted_tables for index in table.indexes]
        trigrams = [] if postgresql else [t for t in self.trigrams.values() if t.name not in tables]
        if not (tables >= {t.name for t in self.metadata.sorted_tables} and all(i.name in skipped for i in wanted)
                and not trigrams):
            if postgresql:
                with engine.begin() as conn:
                    conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            self.metadata.create_all(engine)
            with engine.begin() as conn:
                for index in wanted:
                    if index.name not in skipped:
                        conn.execute(CreateIndex(index, if_not_exists=True))  # another process may be first
                self._make_trigrams(conn, trigrams)
        if made_for != [fingerprint]:
            with engine.begin() as conn:
                conn.execute(self.catalogue.delete())
                conn.execute(self.catalogue.insert().values(fingerprint=fingerprint))
        return reset

    @staticmethod
    def _make_trigrams(conn, trigrams: list[Trigrams]) -> None:
        """Make (and fill) those of ``trigrams`` that another process has not made meanwhile."""
        present = set(inspect(conn).get_table_names()) if trigrams else set()
        for statement in (s for t in trigrams if t.name not in present for s in t.ddl()):
            conn.exec_driver_sql(statement)

    @staticmethod
    def drop(conn, names: list[str]) -> None:
        """Drop the tables ``names`` in the caller's transaction."""
        quoted = [conn.dialect.identifier_preparer.quote(name) for name in names]
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"DROP TABLE IF EXISTS {', '.join(quoted)} CASCADE"))
        else:
            for name in quoted:
                conn.execute(text(f"DROP TABLE IF EXISTS {name}"))

    def table(self, res: Resource) -> Table:
        """The table holding records of ``res`` (base-objects: the shared table)."""
        return self.base_objects if res.polymorphic else self.resources[res.name]

    def position(self, conn, name: str) -> int:
        """The id of the last event projection ``name`` applied to these tables (0: none yet)."""
        p = self.positions
        query = select(p.c.position).where(p.c.name == name).execution_options(prepare=True)
        return conn.execute(query).scalar() or 0

    @property
    def all_tables(self) -> list[Table]:
        """Every table, parents first."""
        return list(self.metadata.sorted_tables)


@functools.cache
def default_schema() -> ReadSchema:
    """The read model's tables, built once per process (they are the same for every runtime)."""
    return ReadSchema()
