"""Write effects: records a write plans beside its own, in the same append.

Ralph's model setters and ``save()`` methods that create or delete other
objects. An effect is called as ``effect(commands, res, pk, sent, current,
actor, batch)`` with the validated values ``sent`` and the record's values
before the write (``current``, None on create); it plans its records in
``batch`` and returns values to store on the record itself.
"""

from __future__ import annotations

import ipaddress

from .catalog import CATALOG
from .validation import ValidationFailed, default_of

INVALID_ADDRESS = "Enter a valid IPv4 or IPv6 address."


def _addresses(raw: list) -> list[str]:
    """The distinct addresses of a sent ``ip_addresses`` list, in their order (400 on one that is not an IP)."""
    out: list[str] = []
    for item in raw:
        try:
            address = str(ipaddress.ip_address(item)) if isinstance(item, str) else None
        except ValueError:
            address = None
        if address is None:
            raise ValidationFailed({"ip_addresses": [INVALID_ADDRESS]})
        if address not in out:
            out.append(address)
    return out


def _held(commands, pk: int) -> dict[str, int]:
    """The addresses on a record's ethernets: address -> ethernet id, in ethernet order."""
    ethernets, ips = CATALOG["ethernets"], CATALOG["ipaddresses"]
    held: dict[str, int] = {}
    for eth in commands.store.references.referrers(CATALOG["base-objects"].family, pk, "ethernets", "base_object"):
        for ip in commands.store.references.referrers(ethernets.family, eth.pk, "ipaddresses", "ethernet"):
            held.setdefault(commands.load_values(ips.name, ip.pk)["address"], eth.pk)
    return held


def _new(res, values: dict) -> dict:
    """Every stored value of a new record of ``res``: its defaults, then ``values``."""
    return {f.key: default_of(f) for f in res.stored_fields} | values


def cloud_host_addresses(commands, res, pk: int, sent: dict, current: dict | None, actor, batch) -> dict:
    """Cloud hosts: ``ip_addresses`` are the host's addresses (virtual/models.py CloudHost.ip_addresses setter).

    An address new to the host gets an ethernet and an IP, or takes over an
    existing IP that is on no ethernet (one on another object stays there);
    the ethernets of the host's addresses not sent are deleted with their
    IPs. The stored list is what the host holds after the write.
    """
    if "ip_addresses" not in sent:
        return {}
    ethernets, ips = CATALOG["ethernets"], CATALOG["ipaddresses"]
    wanted = _addresses(sent["ip_addresses"] or [])
    held = _held(commands, pk) if current is not None else {}
    kept = [address for address in held if address in wanted]
    for address in (a for a in wanted if a not in held):
        found = commands.find(ips.name, "address", address)
        ip = commands.pending(batch, ips, found) if found is not None else None
        if ip is not None and ip.values.get("ethernet") is not None:
            continue  # Ralph: "Cannot assign IP ... it is already in use by another asset"
        ethernet = commands.add(ethernets, _new(ethernets, {"base_object": pk}), actor, batch)
        if ip is None:
            commands.add(ips, _new(ips, {"address": address, "ethernet": ethernet.pk}), actor, batch)
        else:
            commands.change(ips, ip, {"ethernet": ethernet.pk}, actor, batch)
        kept.append(address)
    for address, eth in held.items():
        if address not in wanted:
            try:
                commands.remove(ethernets, commands.pending(batch, ethernets, eth), actor, batch)
            except ValidationFailed as ex:  # exposed in DHCP (EthernetViewSet.destroy's rule): reported here
                messages = ex.errors if isinstance(ex.errors, list) else [m for ms in ex.errors.values() for m in ms]
                raise ValidationFailed({"ip_addresses": messages}) from None
    return {"ip_addresses": kept}


EFFECTS = {"cloud_host_addresses": cloud_host_addresses}


def run_effects(commands, res, pk: int, sent: dict, current: dict | None, actor, batch) -> dict:
    """Plan the resource's write effects; returns the values they set on the record."""
    out: dict = {}
    for name in res.effects:
        out |= EFFECTS[name](commands, res, pk, sent, current, actor, batch)
    return out
