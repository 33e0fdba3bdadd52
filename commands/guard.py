"""Reference locks: a write that points at a record and that record's deletion never interleave.

A command (one create, update or delete) runs inside :meth:`Guard.command`.
Before it checks that a referenced record is live, it takes a *shared* lock
on that record; before a delete decides protection and cascades, it takes an
*exclusive* lock on the record deleted. The locks last until the command's
events are appended, so a delete waits for the writes already pointing at
its record (and then sees them), and a write waits for a delete in progress
(and then finds its target gone).

PostgreSQL: transaction-level advisory locks on a connection of their own
(from an engine of their own, so a command never waits for a second
connection from a pool its lock connection drains). SQLite: one lock
serialising the commands of the process (other processes are not covered).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger("ralph_es.commands")


def lock_key(family: str, pk: int) -> int:
    """A signed 64-bit advisory lock key for record ``pk`` of id space ``family``."""
    digest = hashlib.blake2b(f"ralph-es:{family}:{pk}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Guard:
    """Reference locks for the commands of one process (see the module)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._local = threading.local()
        self._process = threading.RLock()

    @contextmanager
    def command(self):
        """The scope of one command: the locks it takes are held until it ends."""
        if getattr(self._local, "held", None) is not None:  # nested (a command calling another)
            yield
            return
        if not self.postgres:
            with self._process:
                self._local.held = set()
                try:
                    yield
                finally:
                    self._local.held = None
            return
        conn = self.engine.connect()
        conn.begin()
        self._local.conn, self._local.held = conn, set()
        try:
            yield
        finally:
            self._local.conn = self._local.held = None
            try:  # ending the transaction releases the locks; the command's outcome is already decided
                conn.rollback()
                conn.close()
            except Exception as ex:  # noqa: BLE001 - a stored write stays answered as stored
                log.warning("releasing reference locks failed (the server releases them): %s", ex)

    def share(self, family: str, pk: int) -> None:
        """Hold ``pk`` of ``family`` against deletion until the command ends."""
        self._take(family, pk, "pg_advisory_xact_lock_shared")

    def exclusive(self, family: str, pk: int) -> None:
        """Wait for the commands referencing ``pk`` of ``family``, and hold off new ones, until the command ends."""
        self._take(family, pk, "pg_advisory_xact_lock")

    def _take(self, family: str, pk: int, function: str) -> None:
        held = getattr(self._local, "held", None)
        if held is None or not self.postgres or (function, family, pk) in held:
            return
        self._local.conn.execute(text(f"SELECT {function}(:k)"), {"k": lock_key(family, pk)})
        held.add((function, family, pk))
