"""SQLite's trigram indexes: what PostgreSQL's ``pg_trgm`` GIN indexes are to ``(i)contains`` and ``(i)endswith``.

Beside each read table with text filter columns, an FTS5 table (``tokenize=trigram``) holds those columns under
the record's id, kept by triggers on the read table. A lookup asks it for the ids whose value holds every trigram
of the searched text: a superset of the matches (the index folds case), so the lookup's own condition still
decides. Shorter texts have no trigram and are compared row by row.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from sqlalchemy import column, select, table

#: FTS5's trigram tokenizer came with SQLite 3.34; without it the lookups compare row by row.
AVAILABLE = sqlite3.sqlite_version_info >= (3, 34, 0)
#: Trigrams asked of the index per lookup (each costs a walk of its ids; more rarely narrow the set further).
MOST = 4
#: The tables FTS5 keeps for a virtual table (made, renamed and dropped with it, never by name).
SHADOWS = re.compile(r"_trigrams_(data|idx|content|docsize|config)$")


@dataclass(frozen=True)
class Trigrams:
    """The trigram index of the text columns ``columns`` of the read table ``table``."""

    table: str
    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.table}_trigrams"

    def ddl(self) -> list[str]:
        """The index and the triggers that keep it (``detail=column``: the rows and columns of each trigram, what
        a lookup in one column needs, without positions)."""
        cols = ", ".join(f'"{c}"' for c in self.columns)
        new = ", ".join(f'new."{c}"' for c in self.columns)
        assign = ", ".join(f'"{c}" = new."{c}"' for c in self.columns)
        t, fts = f'"{self.table}"', f'"{self.name}"'
        return [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, tokenize='trigram', detail='column')",
            f'CREATE TRIGGER "{self.name}_insert" AFTER INSERT ON {t} BEGIN '
            f"INSERT INTO {fts} (rowid, {cols}) VALUES (new.id, {new}); END",
            f'CREATE TRIGGER "{self.name}_update" AFTER UPDATE OF {cols} ON {t} BEGIN '
            f"UPDATE {fts} SET {assign} WHERE rowid = old.id; END",
            f'CREATE TRIGGER "{self.name}_delete" AFTER DELETE ON {t} BEGIN '
            f"DELETE FROM {fts} WHERE rowid = old.id; END",
            f"INSERT INTO {fts} (rowid, {cols}) SELECT id, {cols} FROM {t}",
        ]

    def ids(self, name: str, text: str, limit: int | None = None):
        """Ids of the records whose column ``name`` holds every trigram of ``text`` (at least 3 characters)."""
        fts = table(self.name, column("rowid"), column(name))
        return select(fts.c.rowid).where(fts.c[name].match(_query(text))).limit(limit)


def _query(text: str) -> str:
    """An FTS5 query for the trigrams of ``text``: every third one and the last, each a quoted token."""
    starts = sorted({*range(0, len(text) - 2, 3), len(text) - 3})[:MOST]
    return " AND ".join('"' + text[i:i + 3].replace('"', '""') + '"' for i in starts)


def listed(names) -> list[str]:
    """``names`` of tables without FTS5's own."""
    return [name for name in names if not SHADOWS.search(name)]
