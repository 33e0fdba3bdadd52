"""Who a request acts as, read from the write side: a change to a user or a group (deactivation, a permission
taken away) counts from the very next request, whatever the projection lag.

Users and groups are read from their event streams and kept per process with their stream version; every
look-up first asks the store for the current versions of the user and its groups (one indexed query) and
reads again only what changed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from sqlalchemy import func, select

from .catalog import CATALOG
from .handlers import Commands
from .store import record_id

#: Streams kept per process (dropped when full).
CACHE = 10_000


@dataclass(frozen=True)
class Principal:
    """A user as the permission checks see it."""

    id: int
    username: str
    password: str | None
    is_active: bool
    is_staff: bool
    is_superuser: bool
    #: Django permission codenames from the user's groups (``view_datacenterasset``, ...)
    permissions: frozenset[str]
    regions: tuple[int, ...]


class Principals:
    """Users and their groups' permissions from the event store, cached by stream version."""

    def __init__(self, commands: Commands):
        self.commands = commands
        self.store = commands.store
        self._streams: dict[UUID, tuple[int, dict | None]] = {}
        self._mutex = threading.Lock()

    def get(self, pk: int) -> Principal | None:
        """User ``pk`` as stored now; None when there is no such user (or it was deleted)."""
        user = self._values([record_id(CATALOG["users"].family, pk)])[0]
        if user is None:
            return None
        groups = self._values([record_id(CATALOG["groups"].family, g) for g in user.get("groups") or []])
        permissions = frozenset(p for g in groups if g is not None for p in g.get("permissions") or [])
        return Principal(pk, user["username"], user.get("password"), bool(user.get("is_active")),
                         bool(user.get("is_staff")), bool(user.get("is_superuser")), permissions,
                         tuple(user.get("regions") or ()))

    def by_username(self, username: str) -> Principal | None:
        """The user called ``username`` now (its unique claim says which), or None."""
        if "\x00" in username or len(username) > 150:
            return None
        pk = self.commands.find("users", "username", username)
        return None if pk is None else self.get(pk)

    def _values(self, ids: list[UUID]) -> list[dict | None]:
        """The stored values of the live records ``ids`` (None: missing or deleted), read again where the
        store holds a newer version than the cache."""
        if not ids:
            return []
        versions = self._versions(ids)
        out = []
        for aggregate_id in ids:
            cached = self._streams.get(aggregate_id)
            version = versions.get(aggregate_id)
            if cached is None or cached[0] != version:
                cached = (version, self._load(aggregate_id) if version is not None else None)
                with self._mutex:
                    if len(self._streams) >= CACHE:
                        self._streams.clear()
                    self._streams[aggregate_id] = cached
            out.append(cached[1])
        return out

    def _versions(self, ids: list[UUID]) -> dict[UUID, int]:
        events = self.store.recorder.events_record_cls.__table__
        query = select(events.c.originator_id, func.max(events.c.originator_version)).where(
            events.c.originator_id.in_(ids)).group_by(events.c.originator_id)
        with self.store.recorder.datastore.engine.connect() as conn:
            return {UUID(str(row[0])): row[1] for row in conn.execute(query)}

    def _load(self, aggregate_id: UUID) -> dict | None:
        try:
            record = self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return None if record.deleted else dict(record.values)
