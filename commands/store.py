"""The event store: record and claim aggregates on eventsourcing + SQLAlchemy."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from .catalog import CATALOG

STORE_NAME = "RalphES"


def record_id(family: str, pk: int) -> UUID:
    """Aggregate id of record ``pk`` in the id space ``family``."""
    return uuid5(NAMESPACE_URL, f"ralph-es:/{family}/{pk}")


def claim_id(key: str) -> UUID:
    """Aggregate id of the uniqueness claim on ``key``."""
    return uuid5(NAMESPACE_URL, f"ralph-es:/claims/{key}")


class Record(Aggregate):
    """One record of a catalogued resource; events carry actor and changes."""

    @staticmethod
    def create_id(resource: str, pk: int, **_) -> UUID:
        return record_id(CATALOG[resource].family, pk)

    @event("Created")
    def __init__(self, resource: str, pk: int, values: dict, actor: int | None):
        self.resource = resource
        self.pk = pk
        self.values = dict(values)
        self.deleted = False

    def update(self, changes: dict, actor: int | None) -> None:
        """Record ``changes`` = {field: [old, new]} made by ``actor``."""
        self._updated(self.resource, self.pk, changes, actor)

    def delete(self, values: dict, actor: int | None) -> None:
        """Record the deletion; ``values`` keeps what was removed for the audit trail."""
        self._deleted(self.resource, self.pk, values, actor)

    @event("Updated")
    def _updated(self, resource: str, pk: int, changes: dict, actor: int | None) -> None:
        for name, (_old, new) in changes.items():
            self.values[name] = new

    @event("Deleted")
    def _deleted(self, resource: str, pk: int, values: dict, actor: int | None) -> None:
        self.deleted = True


class Claim(Aggregate):
    """Holds a unique value (or natural key) for one record at a time."""

    @staticmethod
    def create_id(key: str, owner: str) -> UUID:
        return claim_id(key)

    @event("Claimed")
    def __init__(self, key: str, owner: str):
        self.key = key
        self.owner = owner

    @event("Reclaimed")
    def take(self, owner: str) -> None:
        self.owner = owner

    @event("Released")
    def release(self) -> None:
        self.owner = ""


class RalphStore(Application):
    """The one application whose notification log orders every event."""

    name = STORE_NAME
    env = {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy"}


def open_store(database_url: str) -> RalphStore:
    """Connect to (and create if needed) the event store at ``database_url``."""
    return RalphStore(env={"SQLALCHEMY_URL": database_url, "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy"})
