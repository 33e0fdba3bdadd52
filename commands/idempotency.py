"""Idempotency keys: a write sent with ``Idempotency-Key`` records the key, the request's fingerprint and its
response in the write's own save, so the same request again is answered the same and stores nothing.

A key is one :class:`IdempotencyKey` aggregate per (user, key); like records and claims its events are
stored for ever under fixed names (docs/architecture.md, "Stored events").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from .store import RalphStore

#: How long a key answers its first request again; after that it may be used for a new one.
WINDOW = dt.timedelta(hours=24)
log = logging.getLogger("ralph_es.idempotency")


def key_id(user: int, key: str) -> UUID:
    """Aggregate id of ``user``'s idempotency key ``key``."""
    return uuid5(NAMESPACE_URL, f"ralph-es:/idempotency/{user}/{key}")


def fingerprint(method: str, path: str, query: str, body) -> str:
    """SHA-256 (hex) of a request: method, path, query string and the parsed body as canonical JSON (so neither
    whitespace nor the order of keys counts)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256("\n".join((method, path, query, canonical)).encode()).hexdigest()


class IdempotencyKey(Aggregate):
    """A user's key and the request it was last used for; the time of its last event is when."""

    TOPIC = "ralph-es:IdempotencyKey"
    class_version = 1

    class Created(Aggregate.Created):
        """The base of this aggregate's creation events (the library requires its name)."""

        TOPIC = "ralph-es:IdempotencyKey.Created"
        class_version = 1

    class Used(Created):
        """``user`` sent ``key`` with the request ``fingerprint``, answered ``status`` and ``body`` (the JSON sent,
        its URLs host-relative as in stored documents)."""

        TOPIC = "ralph-es:IdempotencyKey.Used"
        class_version = 1
        user: int
        key: str
        fingerprint: str
        status: int
        body: str

    class Reused(Aggregate.Event):
        """The key, its window over, was used for the request ``fingerprint``, answered ``status`` and ``body``."""

        TOPIC = "ralph-es:IdempotencyKey.Reused"
        class_version = 1
        fingerprint: str
        status: int
        body: str

    @staticmethod
    def create_id(user: int, key: str, **_) -> UUID:
        return key_id(user, key)

    @event(Used)
    def __init__(self, user: int, key: str, fingerprint: str, status: int, body: str):
        self.user = user
        self.key = key
        self._answer(fingerprint, status, body)

    @event(Reused)
    def reuse(self, fingerprint: str, status: int, body: str) -> None:
        """Use the key for another request (once its window is over)."""
        self._answer(fingerprint, status, body)

    def _answer(self, fingerprint: str, status: int, body: str) -> None:
        self.fingerprint = fingerprint
        self.status = status
        self.body = body

    def fresh(self) -> bool:
        """True while the key answers its request again (used less than :data:`WINDOW` ago)."""
        return dt.datetime.now(dt.UTC) - self.modified_on < WINDOW


class Replay(Exception):
    """The request was made already: answer ``status`` and ``body`` again; its write is at ``position``."""

    def __init__(self, status: int, body: bytes, position: int):
        super().__init__(status)
        self.status = status
        self.body = body
        self.position = position


class KeyReused(Exception):
    """The key was used, less than :data:`WINDOW` ago, for another request."""


class KeyInFlight(Exception):
    """A request with the key is still being processed."""


@dataclass
class Receipt:
    """A write's idempotency key: ``user``'s ``key`` sent with the request ``fingerprint``; ``respond(result)``
    is the answer (status, JSON bytes) to the command's result, computed before its save."""

    user: int
    key: str
    fingerprint: str
    respond: Callable[[object], tuple[int, bytes]]

    def check(self, store: RalphStore) -> IdempotencyKey | None:
        """The key's aggregate when its window is over, None when never used; :class:`Replay` when it was used for
        this request, :class:`KeyReused` for another, within the window."""
        try:
            found = store.repository.get(key_id(self.user, self.key))
        except AggregateNotFoundError:
            return None
        if not found.fresh():
            return found
        if found.fingerprint != self.fingerprint:
            raise KeyReused(self.key)
        raise Replay(found.status, found.body.encode(), _position(store, found))

    def stamp(self, found: IdempotencyKey | None, result) -> IdempotencyKey:
        """The key recording the answer to ``result``: ``found`` (what :meth:`check` returned) used again, or new."""
        status, body = self.respond(result)
        if found is None:
            return IdempotencyKey(self.user, self.key, self.fingerprint, status, body.decode())
        found.reuse(self.fingerprint, status, body.decode())
        return found


def _position(store: RalphStore, key: IdempotencyKey) -> int:
    """The store position of the key's last event (that of the write it was saved with)."""
    events = store.recorder.events_record_cls.__table__
    with store.recorder.datastore.engine.connect() as conn:
        return conn.execute(select(events.c.id).where(events.c.originator_id == key.id,
                                                      events.c.originator_version == key.version)).scalar_one()


class InFlight:
    """The keys of the requests being processed, so that a second request with one is refused at once.

    Given a PostgreSQL ``engine``: a session advisory lock per key, across processes, on a connection of its
    own (released with the session should the process die). Otherwise (embedded SQLite, one process): a set.
    """

    def __init__(self, engine: Engine | None = None):
        self.engine = engine
        self._held: set[tuple[int, str]] = set()
        self._mutex = threading.Lock()

    @contextmanager
    def hold(self, user: int, key: str):
        """Hold ``user``'s ``key`` for the block; :class:`KeyInFlight` when another request holds it."""
        if self.engine is None:
            with self._local(user, key):
                yield
            return
        lock = int.from_bytes(key_id(user, key).bytes[:8], "big", signed=True)
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock}).scalar():
                raise KeyInFlight(key)
            try:
                yield
            finally:
                _unlock(conn, lock)

    @contextmanager
    def _local(self, user: int, key: str):
        with self._mutex:
            if (user, key) in self._held:
                raise KeyInFlight(key)
            self._held.add((user, key))
        try:
            yield
        finally:
            with self._mutex:
                self._held.discard((user, key))

    def close(self) -> None:
        """Close the locks' connections."""
        if self.engine is not None:
            self.engine.dispose()


def _unlock(conn, lock: int) -> None:
    """Release an advisory lock; when that fails, drop the connection (and the lock with its session): the
    request's write may be stored, so this never fails it."""
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock})
    except Exception as ex:  # noqa: BLE001 - the lock goes with the session
        log.warning("idempotency lock %s not released (%s): dropping its connection", lock, ex)
        conn.invalidate()
