"""Read-only values Ralph's serializers compute from related records."""

from __future__ import annotations

from commands.catalog import CATALOG

from .render import HOST, States, api_url, ui_url


def ip_addresses(res, pk: int, state: dict, states: States) -> list[str]:
    """Addresses of the IPs on the record's ethernets (``ipaddresses``)."""
    out = []
    for ethernet in states.children("ethernets", "base_object", pk):
        for ip in states.children("ipaddresses", "ethernet", ethernet):
            found = states.state("ipaddresses", ip)
            if found:
                out.append(found[1]["address"])
    return out


def _host(resource: str, pk: int, states: States) -> dict | None:
    found = states.state(resource, pk)
    if found is None:
        return None
    return {"hostname": found[1].get("hostname"), "url": api_url(found[0], pk), "ui_url": ui_url(found[0], pk)}


def related_hosts(res, pk: int, state: dict, states: States) -> dict:
    """Virtual and physical children and cloud hosts of a data-center asset."""
    virtual = [_host("virtual-servers", i, states) for i in states.children("virtual-servers", "parent", pk)]
    physical = [_host("data-center-assets", i, states) for i in states.children("data-center-assets", "parent", pk)]
    cloud = []
    for i in states.children("cloud-hosts", "hypervisor", pk):
        host = _host("cloud-hosts", i, states)
        if host is not None:
            cloud.append({"hostname": host["hostname"], "ip_addresses": ip_addresses(res, i, {}, states),
                          "url": host["url"], "ui_url": host["ui_url"]})
    return {"virtual_servers": [h for h in virtual if h], "physical_servers": [h for h in physical if h],
            "cloud_hosts": cloud}


def _linked(states: States, link: str, via: str, pick: str, pk: int, keep=lambda values: True) -> list[str]:
    """``/api/base-objects/<id>/`` (Ralph's ``baseobject-detail``) of the ``pick`` of each ``link`` record whose
    ``via`` is ``pk`` (and that ``keep`` takes)."""
    out = []
    for child in states.children(link, via, pk):
        found = states.state(link, child)
        if found and keep(found[1]) and states.state("base-objects", found[1][pick]):
            out.append(api_url(CATALOG["base-objects"], found[1][pick]))
    return out


def cluster_masters(res, pk: int, state: dict, states: States) -> list[str]:
    """The masters of a cluster (data_center/api/serializers.py ClusterSerializer.masters)."""
    return _linked(states, "base-object-clusters", "cluster", "base_object", pk, lambda link: link.get("is_master"))


def support_base_objects(res, pk: int, state: dict, states: States) -> list[str]:
    """The objects a support covers (supports/api.py SupportSerializer.base_objects, through BaseObjectsSupport)."""
    return _linked(states, "base-objects-supports", "support", "baseobject", pk)


def history_attachments(res, pk: int, state: dict, states: States) -> list[str]:
    """Download URLs of the documents a transition run attached to its history entry."""
    return [f"{HOST}/api/{res.name}/{pk}/attachments/{file}/" for file in state.get("files") or []]


COMPUTED = {"history_attachments": history_attachments, "ip_addresses": ip_addresses, "related_hosts": related_hosts, "cluster_masters": cluster_masters,
            "support_base_objects": support_base_objects}
