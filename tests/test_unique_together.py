"""Ralph's unique_together sets (issue 14) and the claims of records stored before a set was declared."""

from __future__ import annotations

import json

import pytest
from payloads import Builder

from commands import backfill
from commands.catalog import CATALOG
from commands.catalog.migrations import MIGRATIONS, AddUnique, ScopeUnique
from commands.store import Record
from commands.validation import clean

#: (resource, the set, as Ralph's Meta.unique_together lists it): DRF's UniqueTogetherValidator message.
SETS = [
    ("racks", ("name", "server_room"), "data_center/models/physical.py Rack.Meta"),
    ("vips", ("ip", "port", "protocol"), "data_center/models/virtual.py VIP.Meta"),
    ("base-object-clusters", ("cluster", "base_object"), "data_center/models/virtual.py BaseObjectCluster.Meta"),
    ("configuration-classes", ("module", "class_name"), "assets/models/configuration.py ConfigurationClass.Meta"),
    ("configuration-modules", ("parent", "name"), "assets/models/configuration.py ConfigurationModule.Meta"),
    ("base-objects-licences", ("licence", "base_object"), "licences/models.py BaseObjectLicence.Meta"),
    ("licence-users", ("licence", "user"), "licences/models.py LicenceUser.Meta"),
    ("base-objects-supports", ("support", "baseobject"), "supports/models.py BaseObjectsSupport.Meta"),
    ("access-zone", ("name", "parent"), "access_cards/models.py AccessZone.Meta"),
]


def _body(api, name: str, fields: tuple[str, ...]) -> dict:
    """A valid body whose every field of the set has a value (a null skips Ralph's check)."""
    builder = Builder(api)
    body = builder.body(CATALOG[name], full=False)
    for f in fields:
        field = CATALOG[name].get(f)
        if body.get(f) is None and field.kind == "fk":
            same = builder.concrete(field.target).name == name
            body[f] = api.create(name, builder.body(CATALOG[name], full=False))["id"] if same else \
                builder.target_id(field.target)
    return body


@pytest.mark.parametrize("name,fields,source", SETS, ids=[s[0] for s in SETS])
def test_a_unique_set_refuses_a_second_record(api, name, fields, source):
    body = _body(api, name, fields)
    first = api.create(name, body)
    answer = api.post(f"/api/{name}/", body)
    assert (answer.status_code, answer.json) == (400, {"non_field_errors": [
        f"The fields {', '.join(fields)} must make a unique set."]}), source
    moved = api.patch(f"/api/{name}/{first['id']}/", {fields[-1]: None}) if CATALOG[name].get(fields[-1]).null \
        else None
    if moved is not None:  # a null in the set is not checked (DRF skips it): the value is free again
        assert moved.status_code == 200
        assert api.post(f"/api/{name}/", body).status_code == 201


def test_records_stored_before_a_set_get_its_claims_once(rt, api, monkeypatch):
    """Racks stored without the claim (behind the API, as before the rule) take it at the next start."""
    room = api.create("server-rooms", {"name": "Room", "data_center": api.create("data-centers", {"name": "DC"})["id"]})
    racks = CATALOG["racks"]
    stored = []
    for _ in range(2):  # two old racks that already share the set: the lower id keeps the value
        values = clean(racks, {"name": "R1", "server_room": room["id"]}, rt.commands, current=None, partial=False)
        pk = rt.ids.allocate(racks.family)[0]
        rt.store.save(Record(racks.name, pk, values, None))
        stored.append(pk)
    rule = AddUnique("racks", ("name", "server_room"))
    monkeypatch.setattr(backfill, "MIGRATIONS", (*MIGRATIONS, rule))  # a release that declares the set anew
    assert backfill.backfill_claims(rt.commands) == 1
    assert backfill.backfill_claims(rt.commands) == 0  # done once: its marker is stored
    rt.settle()
    assert api.post("/api/racks/", {"name": "R1", "server_room": room["id"]}).json == {
        "non_field_errors": ["The fields name, server_room must make a unique set."]}
    assert api.patch(f"/api/racks/{stored[0]}/", {"description": "kept"}).status_code == 200  # its own claim
    assert api.patch(f"/api/racks/{stored[1]}/", {"description": "dup"}).status_code == 200  # kept as stored
    assert api.patch(f"/api/racks/{stored[1]}/", {"name": "R2"}).status_code == 200
    assert api.patch(f"/api/racks/{stored[1]}/", {"name": "R1"}).json == {
        "non_field_errors": ["The fields name, server_room must make a unique set."]}


def test_unique_values_are_unique_within_their_model(api, dc):
    """Django's unique constraint is on the declaring table: assets_asset (sn, barcode: data-center and
    back-office assets share them), virtual_virtualserver (hostname, sn), data_center_cluster (hostname)."""
    host = api.create("data-center-assets", {**dc, "sn": "SAMEX", "hostname": "hy"})["id"]
    kind = api.create("cluster-types", {"name": "k"})["id"]
    api.create("clusters", {"name": "c", "type": kind, "hostname": "hy"})
    vtype = api.create("virtual-server-types", {"name": "kvm"})["id"]
    api.create("virtual-servers", {"hostname": "hy", "sn": "SAMEX", "type": vtype, "hypervisor": host})
    assert api.post("/api/virtual-servers/", {"hostname": "hy", "sn": "other", "type": vtype,
                                              "hypervisor": host}).json == {
        "hostname": ["Virtual server (VM) with this hostname already exists."]}
    assert api.post("/api/data-center-assets/", {**dc, "sn": "SAMEX"}).json == {
        "sn": ["asset with this SN already exists."]}


def test_a_rescoped_unique_field_moves_the_claims_of_stored_records(rt, api, dc, monkeypatch):
    """A virtual server stored while its sn was unique across every BaseObject frees that claim."""
    servers = CATALOG["virtual-servers"]
    vtype = api.create("virtual-server-types", {"name": "kvm"})["id"]
    host = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    values = clean(servers, {"hostname": "old", "sn": "S-OLD", "type": vtype, "hypervisor": host}, rt.commands, current=None,
                   partial=False)
    pk = rt.ids.allocate(servers.family)[0]
    owner = f"virtual-servers:{pk}"
    rt.store.save(Record(servers.name, pk, values, None))
    rt.commands.take_claims({f"base_object:sn:{json.dumps(['S-OLD'])}": owner})  # as the old release kept it
    monkeypatch.setattr(backfill, "MIGRATIONS", (*MIGRATIONS, ScopeUnique("virtual-servers", "sn", "virtualserver")))
    assert backfill.backfill_claims(rt.commands) == 1
    rt.settle()
    assert api.post("/api/virtual-servers/", {"sn": "S-OLD", "type": vtype, "hypervisor": host}).json == {
        "sn": ["Virtual server (VM) with this SN already exists."]}
    assert api.post("/api/data-center-assets/", {**dc, "sn": "S-OLD"}).status_code == 201


def test_every_backfilled_rule_can_list_its_records():
    """The backfill finds a rule's records through a foreign key (of the set, else a required one)."""
    listed = {(m.resource, backfill.listed_by(CATALOG[m.resource], getattr(m, "fields", None) or (m.field,)))
              for m in MIGRATIONS if isinstance(m, AddUnique | ScopeUnique)}
    assert listed == {("racks", "server_room"), ("vips", "ip"), ("base-object-clusters", "cluster"),
                      ("configuration-classes", "module"), ("configuration-modules", "parent"),
                      ("base-objects-licences", "licence"), ("licence-users", "licence"),
                      ("base-objects-supports", "support"), ("access-zone", "parent"),
                      ("virtual-servers", "type"), ("clusters", "type")}


def test_a_network_stored_as_sent_keeps_its_range(rt, api):
    """networks/models/networks.py Network: min_ip/max_ip unique together (Django's message). Addresses are now
    stored as their network, so only a network stored as sent before (10.0.2.7/24) can hold a range another
    address names."""
    from commands.handlers import claim_key, claim_owner

    networks = CATALOG["networks"]
    values = clean(networks, {"name": "old", "address": "10.0.2.7/24"}, rt.commands, current=None, partial=False)
    values |= {"min_ip": "167772672", "max_ip": "167772927"}  # 10.0.2.0 .. 10.0.2.255
    pk = rt.ids.allocate(networks.family)[0]
    rt.store.save(Record(networks.name, pk, values, None))
    rt.commands.take_claims({claim_key(networks, names, values): claim_owner(networks, pk)
                             for names in (("name",), ("address",), ("min_ip", "max_ip"))})
    rt.settle()
    assert api.get(f"/api/networks/{pk}/").json["address"] == "10.0.2.7/24"
    assert api.post("/api/networks/", {"name": "new", "address": "10.0.2.0/24"}).json == {"non_field_errors": [
        "Network with this Smallest IP number and Largest IP number already exists."]}
