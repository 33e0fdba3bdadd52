"""Where networks and IP addresses sit, computed on the read side.

Ralph derives ``Network.parent`` (the smallest network containing it) and
``IPAddress.network`` (the smallest network containing the address) from
the ranges of all networks, so both change when any network changes. The
projector calls these after applying a batch, before rendering.
"""

from __future__ import annotations

from sqlalchemy import select


def network_parents(nodes: dict[int, dict]) -> dict[int, int | None]:
    """Smallest strictly containing network of each network, by id."""
    order = sorted(nodes, key=lambda pk: (int(nodes[pk]["min_ip"]), -int(nodes[pk]["max_ip"]), pk))
    parents: dict[int, int | None] = {}
    stack: list[int] = []
    for pk in order:
        low, high = int(nodes[pk]["min_ip"]), int(nodes[pk]["max_ip"])
        while stack and not (int(nodes[stack[-1]]["min_ip"]) <= low and high <= int(nodes[stack[-1]]["max_ip"])):
            stack.pop()
        parents[pk] = stack[-1] if stack else None
        stack.append(pk)
    return parents


def place_networks(projector, conn, loader, dirty) -> None:
    """Refresh ``parent`` of every network after networks changed."""
    res = projector.schema_resource("networks")
    t = projector.schema.table(res)
    nodes = {row.id: projector.decode(row.state) for row in conn.execute(select(t.c.id, t.c.state))}
    for pk, parent in network_parents(nodes).items():
        if nodes[pk].get("parent") != parent:
            projector.patch(conn, loader, res, pk, {"parent": parent}, dirty)


def place_addresses(projector, conn, loader, dirty) -> None:
    """Refresh ``network`` of addresses that changed or whose networks changed."""
    ips = projector.schema.table(projector.schema_resource("ipaddresses"))
    nets = projector.schema.table(projector.schema_resource("networks"))
    candidates = set(dirty.get("ipaddresses", ()))
    for pk in dirty.get("networks", ()):
        found = loader.state("networks", pk)
        if found is None:
            continue
        low, high = int(found[1]["min_ip"]), int(found[1]["max_ip"])
        candidates |= set(conn.execute(select(ips.c.id).where(ips.c.number >= low, ips.c.number <= high)).scalars())
    touched = list(dirty.get("networks", ()))
    if touched:
        candidates |= set(conn.execute(select(ips.c.id).where(ips.c.network.in_(touched))).scalars())
    orphaned = select(ips.c.id).where(ips.c.network.is_not(None), ips.c.network.not_in(select(nets.c.id)))
    candidates |= set(conn.execute(orphaned).scalars())
    for pk in sorted(candidates):
        found = loader.state("ipaddresses", pk)
        if found is None or found[1].get("number") is None:
            continue
        number = int(found[1]["number"])
        network = conn.execute(
            select(nets.c.id).where(nets.c.min_ip <= number, nets.c.max_ip >= number)
            .order_by(nets.c.min_ip.desc(), nets.c.max_ip.asc()).limit(1)).scalar()
        if found[1].get("network") != network:
            projector.patch(conn, loader, found[0], pk, {"network": network}, dirty)


#: Hook name -> (resources whose events make it run, the hook).
PROJECTION_HOOKS = {
    "place_networks": ({"networks"}, place_networks),
    "place_addresses": ({"networks", "ipaddresses"}, place_addresses),
}
