"""The resource catalogue: every resource declared once, looked up by prefix."""

from __future__ import annotations

from . import (access_cards, accessories, accounts, assets, auth, back_office, configuration_management, custom_fields,
               data_center, dhcp, domains, licences, networks, security, sim_cards, ssl_certificates, supports,
               transitions, virtual)
from .resource import BASE_OBJECT, Resource

RESOURCES: tuple[Resource, ...] = tuple(
    r for module in (assets, data_center, back_office, accounts, auth, access_cards, configuration_management,
                     custom_fields, dhcp, domains, licences, networks, security, sim_cards, ssl_certificates,
                     supports, transitions, virtual, accessories)
    for r in module.RESOURCES
)
CATALOG: dict[str, Resource] = {r.name: r for r in RESOURCES}
ALIASES: dict[str, str] = {alias: r.name for r in RESOURCES for alias in r.aliases}
BASE_OBJECT_TYPES: tuple[Resource, ...] = tuple(r for r in RESOURCES if r.base_object)


def resource(name: str) -> Resource:
    """The resource served under ``name`` (a Ralph prefix or a documented alias)."""
    return CATALOG[ALIASES.get(name, name)]


def in_catalog(name: str | None) -> bool:
    """True when ``name`` is a catalogued resource."""
    return name in CATALOG


def family_members(name: str) -> tuple[Resource, ...]:
    """Concrete resources whose records a reference to ``name`` may point at."""
    res = CATALOG.get(name)
    if res is None:
        return ()
    return BASE_OBJECT_TYPES if res.polymorphic else (res,)


__all__ = ["ALIASES", "BASE_OBJECT", "BASE_OBJECT_TYPES", "CATALOG", "RESOURCES", "Resource",
           "family_members", "in_catalog", "resource"]
