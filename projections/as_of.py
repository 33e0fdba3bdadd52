"""A record as it was at an instant: its stream folded up to then, rendered like a detail GET.

Every record the representation names (nested objects, custom field
values) is folded to the same instant from its own stream. What the read
side computes rather than stores (an IP address's network, tree numbers,
containment) is not in the streams and renders empty; reverse lists
(a data-center asset's ethernets, an object's custom field values) hold the
records that point at it *today* as they were then: one deleted since is
not listed.
"""

from __future__ import annotations

import datetime as dt

from commands.catalog import CATALOG, Resource
from commands.history import stream_of
from commands.store import CHANGES, Record, RalphStore
from commands.validation import naive_iso

from .render import render


class AsOf:
    """Stored values of records at ``instant`` (the :class:`projections.render.States` rendering reads)."""

    def __init__(self, store: RalphStore, instant: dt.datetime):
        self.store, self.instant = store, instant
        self.cache: dict[tuple[str, int], tuple[Resource, dict] | None] = {}
        self.rendered: dict = {}

    def state(self, resource: str, pk: int):
        """(concrete resource, values) of record ``pk`` at the instant, or None (not there then)."""
        res = CATALOG.get(resource)
        if res is None or pk is None:
            return None
        key = (res.family, pk)
        if key not in self.cache:
            self.cache[key] = self._fold(res.family, pk)
        found = self.cache[key]
        if found is None or not (res.polymorphic or found[0].name == res.name):
            return None
        return found

    def children(self, resource: str, via: str, pk: int) -> list[int]:
        """Ids of today's ``resource`` records pointing at ``pk`` through ``via`` that did so at the instant."""
        target = CATALOG[resource].get(via)
        if target is not None and target.target in CATALOG:
            families = {CATALOG[target.target].family}
        else:  # a generic relation (custom field values): the id spaces of the records folded under that id
            families = {family for family, folded in self.cache if folded == pk}
        out = set()
        for family in sorted(families):
            for ref in self.store.references.referrers(family, pk):
                if ref.resource == resource and ref.field == via:
                    found = self.state(resource, ref.pk)
                    if found is not None and found[1].get(via) == pk:
                        out.add(ref.pk)
        return sorted(out)

    def _fold(self, family: str, pk: int) -> tuple[Resource, dict] | None:
        resource, values, created, modified = None, {}, None, None
        for _position, ev in stream_of(self.store, family, pk):
            if ev.timestamp > self.instant:
                break
            if isinstance(ev, Record.Created):
                resource, values, created = ev.resource, dict(ev.values), ev.timestamp
            elif isinstance(ev, CHANGES):
                values.update({name: new for name, (_old, new) in ev.changes.items()})
            elif isinstance(ev, Record.Converted):
                resource, values = ev.resource, dict(ev.values)
            elif isinstance(ev, Record.Deleted):
                return None
            modified = ev.timestamp
        if resource is None:
            return None
        return CATALOG[resource], {**values, "created": naive_iso(created), "modified": naive_iso(modified)}


def detail_as_of(store: RalphStore, res: Resource, pk: int, instant: dt.datetime) -> dict | None:
    """The representation record ``pk`` of ``res`` had at ``instant``; None when it did not exist then."""
    states = AsOf(store, instant)
    found = states.state(res.name, pk)
    if found is None:
        return None
    concrete, state = found
    return render(concrete, pk, state, states)
