"""Ralph's region-restricted visibility: the object permissions of ``accounts.Region`` and of the Regionalizable
models.

A user who is not a superuser sees only the records of a resource declaring a ``region_column`` whose column
holds one of the user's regions (for regions themselves, ``id``: the regions assigned to the user). Everywhere
here ``regions`` is the set of a user's region ids, or None for a user who sees every record (a superuser,
and the command line). What a user may not see is missing for them: left out of lists, a 404 on its own, and an
``Invalid pk`` when a write names it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.application import AggregateNotFoundError

from .catalog import CATALOG, Resource
from .store import RalphStore, record_id

if TYPE_CHECKING:
    from .handlers import Commands


def sees(regions: frozenset[int] | None, res: Resource, pk: int, values: dict) -> bool:
    """True when a user restricted to ``regions`` may see record ``pk`` of ``res`` holding ``values``."""
    column = res.region_column
    return regions is None or not column or (pk if column == "id" else values.get(column)) in regions


def hidden(store: RalphStore, res: Resource, pk: int, regions: frozenset[int] | None) -> bool:
    """True when record ``pk`` reached through ``res`` is one a user restricted to ``regions`` may not see, read
    from its event stream (so also a record deleted since) in the terms of the resource it is of (a back-office
    asset reached through base-objects); False for a record that never was."""
    if regions is None or not (res.region_column or res.polymorphic):
        return False
    if res.region_column == "id":
        return pk not in regions
    try:
        record = store.repository.get(record_id(res.family, pk))
    except AggregateNotFoundError:
        return False
    concrete = CATALOG.get(record.resource)
    return concrete is not None and not sees(regions, concrete, pk, record.values)


class Restricted:
    """The records a write of a user restricted to ``regions`` may name (Ralph offers a related field only the
    objects the user may see): those of ``refs`` that the user sees."""

    def __init__(self, refs: Commands, regions: frozenset[int]):
        self.refs, self.regions = refs, regions

    def exists(self, resource: str, pk: int) -> bool:
        return self.refs.exists(resource, pk, self.regions)

    def find(self, resource: str, field: str, value) -> int | None:
        pk = self.refs.find(resource, field, value)
        return pk if pk is not None and self.exists(resource, pk) else None
