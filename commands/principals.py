"""Who a request acts as, read from the write side: a change to a user or a group (deactivation, a permission
taken away) counts from the very next request, whatever the projection lag.

Users and groups are read from their event streams and kept per process with their stream version; every
look-up first asks the store for the current versions of the user and its groups (one statement, prepared on
PostgreSQL) and reads again only what changed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Engine

from .catalog import CATALOG
from .handlers import Commands
from .passwords import hash_password, new_token_salt
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
    #: what the user's API key is made with (:func:`commands.passwords.api_token`)
    token_salt: str = ""


class Principals:
    """Users and their groups' permissions from the event store, cached by stream version."""

    def __init__(self, commands: Commands, engine: Engine):
        """``engine``: where stream versions are read (a reader, in autocommit on PostgreSQL)."""
        self.commands = commands
        self.store = commands.store
        self.engine = engine
        events = self.store.recorder.events_record_cls.__table__
        self._latest = (select(events.c.originator_id, func.max(events.c.originator_version))
                        .where(events.c.originator_id.in_(bindparam("ids", expanding=True)))
                        .group_by(events.c.originator_id).execution_options(prepare=True))
        self._streams: dict[UUID, tuple[int, dict | None]] = {}
        self._mutex = threading.Lock()

    def get(self, pk: int) -> Principal | None:
        """User ``pk`` as stored now; None when there is no such user (or it was deleted). One query when
        neither the user nor its groups changed since they were last read."""
        user_id = record_id(CATALOG["users"].family, pk)
        cached = self._streams.get(user_id)
        versions = self._versions([user_id, *self._group_ids(cached[1] if cached else None)])
        user = self._fresh(user_id, versions)
        if user is None:
            return None
        group_ids = self._group_ids(user)
        unknown = [g for g in group_ids if g not in versions]
        if unknown:  # groups the user joined since
            versions |= self._versions(unknown)
        groups = [self._fresh(g, versions) for g in group_ids]
        permissions = frozenset(p for g in groups if g is not None for p in g.get("permissions") or [])
        return Principal(pk, user["username"], user.get("password"), bool(user.get("is_active")),
                         bool(user.get("is_staff")), bool(user.get("is_superuser")), permissions,
                         tuple(user.get("regions") or ()), user.get("token_salt") or "")

    @staticmethod
    def _group_ids(user: dict | None) -> list[UUID]:
        return [record_id(CATALOG["groups"].family, g) for g in (user or {}).get("groups") or []]

    def by_username(self, username: str) -> Principal | None:
        """The user called ``username`` now (its unique claim says which), or None."""
        if "\x00" in username or len(username) > 150:
            return None
        pk = self.commands.find("users", "username", username)
        return None if pk is None else self.get(pk)

    def rotate_token(self, pk: int, actor: int | None) -> int:
        """Give user ``pk`` a new API key (the old one fails from the next request); the store position."""
        users = CATALOG["users"]
        _result, position = self.commands.atomic(lambda batch: self.commands.change(
            users, self.commands.load(users, pk), {"token_salt": new_token_salt()}, actor, batch))
        return position

    def rehash(self, pk: int, encoded: str, password: str) -> None:
        """Replace user ``pk``'s stored hash ``encoded`` of ``password`` (just checked) by a current one; the API
        key stays valid. Nothing is done when the hash changed meanwhile."""
        users = CATALOG["users"]

        def plan(batch):
            record = self.commands.load(users, pk)
            if record.values.get("password") == encoded:
                self.commands.change(users, record, {"password": hash_password(password)}, pk, batch, hooks=False)
        self.commands.atomic(plan)

    def _fresh(self, aggregate_id: UUID, versions: dict[UUID, int]) -> dict | None:
        """The stored values of the live record ``aggregate_id`` (None: missing or deleted), read again when the
        store holds another version than the cache."""
        cached = self._streams.get(aggregate_id)
        version = versions.get(aggregate_id)
        if cached is None or cached[0] != version:
            cached = (version, self._load(aggregate_id) if version is not None else None)
            with self._mutex:
                if len(self._streams) >= CACHE:
                    self._streams.clear()
                self._streams[aggregate_id] = cached
        return cached[1]

    def _versions(self, ids: list[UUID]) -> dict[UUID, int]:
        with self.engine.connect() as conn:
            return {UUID(str(row[0])): row[1] for row in conn.execute(self._latest, {"ids": ids})}

    def _load(self, aggregate_id: UUID) -> dict | None:
        try:
            record = self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return None if record.deleted else dict(record.values)
