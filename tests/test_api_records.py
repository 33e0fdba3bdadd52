"""The vertical slice through the API: create, read nested, patch, filter, delete."""

from __future__ import annotations

import pytest

H = "http://falconframework.org"


@pytest.fixture
def inventory(api):
    """manufacturer -> asset model -> data center -> server room -> rack -> service (+envs)."""
    ids = {}
    ids["manufacturer"] = api.create("manufacturers", {"name": "Dell"})["id"]
    ids["model"] = api.create("assetmodels", {"name": "R640", "type": "data center",
                                              "manufacturer": ids["manufacturer"]})["id"]
    ids["dc"] = api.create("data-centers", {"name": "DC1", "type": "dc"})["id"]
    ids["room"] = api.create("server-rooms", {"name": "Room 1", "data_center": ids["dc"]})["id"]
    ids["rack"] = api.create("racks", {"name": "Rack A", "server_room": ids["room"], "require_position": False})["id"]
    ids["prod"] = api.create("environments", {"name": "prod"})["id"]
    ids["test"] = api.create("environments", {"name": "test"})["id"]
    service = api.create("services", {"name": "web", "uid": "sc-1", "environments": ["prod", ids["test"]],
                                      "business_owners": ["root"], "technical_owners": []})
    ids["service"] = service["id"]
    envs = api.get("/api/services-environments/", params={"service__name": "web"}).json["results"]
    ids["se_prod"] = next(e["id"] for e in envs if e["environment"]["name"] == "prod")
    ids["se_test"] = next(e["id"] for e in envs if e["environment"]["name"] == "test")
    ids["holder"] = api.create("assetholders", {"name": "Allegro"})["id"]
    return ids


def _asset(api, inventory, **extra):
    body = {"hostname": "srv1.example.com", "sn": "SN-1", "barcode": "BC-1", "model": inventory["model"],
            "rack": inventory["rack"], "service_env": inventory["se_prod"], "tags": ["db", "prod"],
            "property_of": inventory["holder"], **extra}
    return api.create("data-center-assets", body)


def test_service_creates_its_environments(api, inventory):
    result = api.get("/api/services-environments/")
    assert result.status_code == 200
    assert result.json["count"] == 2
    first = result.json["results"][0]
    assert first["__str__"] == "service environment: web - prod"
    assert first["object_type"] == "serviceenvironment"
    assert first["service"]["name"] == "web"
    assert first["environment"] == {"id": inventory["prod"], "url": f"{H}/api/environments/{inventory['prod']}/",
                                    "ui_url": f"{H}/assets/environment/{inventory['prod']}/change/",
                                    "name": "prod", "created": first["environment"]["created"],
                                    "modified": first["environment"]["modified"]}
    assert [o["username"] for o in first["business_owners"]] == ["root"]
    service = api.get(f"/api/services/{inventory['service']}/").json
    assert [e["name"] for e in service["environments"]] == ["prod", "test"]


def test_asset_round_trip(api, inventory):
    created = _asset(api, inventory)
    pk = created["id"]
    assert "url" not in created
    assert created["rack"] == inventory["rack"] and created["model"] == inventory["model"]
    assert created["status"] == "new"
    assert created["ui_url"] == f"{H}/data_center/datacenterasset/{pk}/change/"

    doc = api.get(f"/api/data-center-assets/{pk}/").json
    assert doc["url"] == f"{H}/api/data-center-assets/{pk}/"
    assert doc["__str__"] == "data center asset: srv1.example.com (BC: BC-1 / SN: SN-1)"
    assert doc["object_type"] == "datacenterasset"
    assert doc["tags"] == ["db", "prod"]
    assert doc["service_env"] == {
        "id": inventory["se_prod"], "service": "web", "environment": "prod",
        "url": f"{H}/api/services-environments/{inventory['se_prod']}/", "service_uid": "sc-1",
        "ui_url": f"{H}/assets/serviceenvironment/{inventory['se_prod']}/change/"}
    assert doc["rack"]["name"] == "Rack A"
    assert doc["rack"]["orientation"] == "top"
    assert doc["rack"]["server_room"]["name"] == "Room 1"
    assert doc["rack"]["server_room"]["data_center"]["name"] == "DC1"
    assert doc["rack"]["server_room"]["data_center"]["type"] == "dc"
    assert doc["model"]["manufacturer"]["name"] == "Dell"
    assert doc["model"]["type"] == "data center"
    assert [o["username"] for o in doc["business_owners"]] == ["root"]
    assert doc["technical_owners"] == []
    assert doc["price"] is None and doc["depreciation_rate"] == "25.00" and doc["price_currency"] == "XXX"
    assert list(doc)[:4] == ["id", "url", "business_owners", "technical_owners"]

    patched = api.patch(f"/api/data-center-assets/{pk}/", {"status": "in use"})
    assert patched.status_code == 200 and patched.json["status"] == "in use"
    assert api.get(f"/api/data-center-assets/{pk}/").json["status"] == "in use"

    found = api.get("/api/data-center-assets/", params={"hostname": "srv1.example.com"}).json
    assert found["count"] == 1 and found["results"][0]["id"] == pk
    assert api.get("/api/data-center-assets/", params={"hostname": "srv2"}).json["count"] == 0
    assert api.get("/api/data-center-assets/", params={"status": "2"}).json["count"] == 1
    assert api.get("/api/data-center-assets/", params={"status": "in use"}).json["count"] == 0

    assert api.delete(f"/api/data-center-assets/{pk}/").status_code == 204
    assert api.get(f"/api/data-center-assets/{pk}/").status_code == 404
    assert api.get("/api/data-center-assets/").json["count"] == 0


def test_relation_path_filters(api, inventory):
    pk = _asset(api, inventory)["id"]
    dc2 = api.create("data-centers", {"name": "DC2"})["id"]
    for name, value, count in [
        ("rack__server_room__data_center", inventory["dc"], 1),
        ("rack__server_room__data_center", dc2, 0),
        ("service_env__service__name", "web", 1),
        ("service_env__environment__name", "test", 0),
        ("model__name", "R640", 1),
        ("rack", inventory["rack"], 1),
        ("rack", "abc", 0),
    ]:
        result = api.get("/api/data-center-assets/", params={name: str(value)}).json
        assert result["count"] == count, (name, value)
        assert [r["id"] for r in result["results"]] == ([pk] if count else [])


def test_unknown_filters_are_ignored_and_named(api, inventory):
    _asset(api, inventory)
    result = api.get("/api/data-center-assets/", params={"bogus": "1", "hostnam": "x"})
    assert result.json["count"] == 1
    assert result.headers["X-Ignored-Filters"] == "bogus,hostnam"


def test_write_rules(api, inventory):
    ok = api.post("/api/data-center-assets/", {"model": inventory["model"], "rack": inventory["rack"], "sn": "W-1",
                                               "property_of": inventory["holder"], "status": 3, "bogus": 1,
                                               "id": 999, "url": "x"})
    assert ok.status_code == 201
    assert ok.json["status"] == "free" and ok.json["id"] != 999
    bad = api.post("/api/data-center-assets/", {"model": 9999, "rack": "x", "status": "bogus"})
    assert bad.status_code == 400
    assert bad.json == {"model": ['Invalid pk "9999" - object does not exist.'],
                        "rack": ["Incorrect type. Expected pk value, received str."],
                        "status": ['"bogus" is not a valid choice.']}
    missing = api.post("/api/data-center-assets/", {})
    assert missing.json == {"rack": ["This field is required."], "model": ["This field is required."]}
    assert api.put(f"/api/data-center-assets/{ok.json['id']}/", {"hostname": "x"}).json == {
        "rack": ["This field is required."], "model": ["This field is required."]}


def test_uniqueness_is_enforced_at_append(api, inventory):
    _asset(api, inventory)
    dup = api.post("/api/data-center-assets/", {"model": inventory["model"], "rack": inventory["rack"],
                                                "sn": "SN-1", "property_of": inventory["holder"]})
    assert dup.status_code == 400
    assert dup.json == {"sn": ["asset with this SN already exists."]}  # Django names the model declaring sn
    same_name = api.post("/api/manufacturers/", {"name": "Dell"})
    assert same_name.json == {"name": ["manufacturer with this name already exists."]}
    # a released value can be taken again
    other = api.create("manufacturers", {"name": "HP"})["id"]
    assert api.patch(f"/api/manufacturers/{other}/", {"name": "HPE"}).status_code == 200
    assert api.post("/api/manufacturers/", {"name": "HP"}).status_code == 201


def test_protected_delete_is_409_and_changes_nothing(api, inventory):
    pk = _asset(api, inventory)["id"]
    result = api.delete(f"/api/racks/{inventory['rack']}/")
    assert result.status_code == 409
    assert result.json["referenced_by"] == {"data-center-assets": [pk]}
    assert api.get(f"/api/racks/{inventory['rack']}/").status_code == 200
    blocked = api.patch(f"/api/services/{inventory['service']}/", {"environments": [inventory["test"]]})
    assert blocked.status_code == 409
    assert api.get(f"/api/services/{inventory['service']}/").json["environments"][0]["name"] == "prod"


def test_delete_service_cascades_to_its_environments(api, inventory):
    assert api.delete(f"/api/services/{inventory['service']}/").status_code == 204
    assert api.get("/api/services-environments/").json["count"] == 0
    assert api.get(f"/api/base-objects/{inventory['se_prod']}/").status_code == 404
    assert api.get(f"/api/environments/{inventory['prod']}/").status_code == 200


def test_removing_an_environment_deletes_its_link(api, inventory):
    result = api.patch(f"/api/services/{inventory['service']}/", {"environments": ["prod"]})
    assert result.status_code == 200 and result.json["environments"] == [inventory["prod"]]
    assert [e["id"] for e in api.get("/api/services-environments/").json["results"]] == [inventory["se_prod"]]


def test_renames_fan_out_to_nesting_records(api, inventory):
    pk = _asset(api, inventory)["id"]
    api.patch(f"/api/manufacturers/{inventory['manufacturer']}/", {"name": "Dell EMC"})
    api.patch(f"/api/data-centers/{inventory['dc']}/", {"name": "DC-One"})
    api.patch(f"/api/services/{inventory['service']}/", {"name": "www", "technical_owners": ["root"]})
    doc = api.get(f"/api/data-center-assets/{pk}/").json
    assert doc["model"]["manufacturer"]["name"] == "Dell EMC"
    assert doc["rack"]["server_room"]["data_center"]["name"] == "DC-One"
    assert doc["service_env"]["service"] == "www"
    assert [o["username"] for o in doc["technical_owners"]] == ["root"]
    assert api.get(f"/api/base-objects/{pk}/").json == doc


def test_base_objects_are_polymorphic(api, inventory):
    pk = _asset(api, inventory)["id"]
    listing = api.get("/api/base-objects/").json
    assert listing["count"] == 3
    by_id = {item["id"]: item for item in listing["results"]}
    assert by_id[pk]["url"] == f"{H}/api/data-center-assets/{pk}/"
    assert by_id[inventory["se_prod"]]["object_type"] == "serviceenvironment"
    assert sorted(by_id) == sorted([pk, inventory["se_prod"], inventory["se_test"]])
    assert [item["id"] for item in listing["results"]] == sorted(by_id)  # two types' documents, one order
    backwards = api.get("/api/base-objects/", params={"ordering": "-id", "limit": "2"}).json["results"]
    assert [item["id"] for item in backwards] == sorted(by_id, reverse=True)[:2]
    assert api.get("/api/base-objects/", params={"service_env": str(inventory["se_prod"])}).json["count"] == 1
    assert api.get("/api/base-objects/999999/").status_code == 404
    assert api.post("/api/base-objects/", {}).status_code == 405


def test_read_your_writes_on_list_and_filter(api, inventory):
    for n in range(5):
        api.create("manufacturers", {"name": f"M{n}"})
        assert api.get("/api/manufacturers/", params={"name": f"M{n}"}).json["count"] == 1
    assert api.get("/api/manufacturers/").json["count"] == 6


def test_aliases_serve_the_same_resource(api, inventory):
    direct = api.get(f"/api/assetmodels/{inventory['model']}/").json
    assert api.get(f"/api/asset-models/{inventory['model']}/").json == direct
    assert direct["url"] == f"{H}/api/assetmodels/{inventory['model']}/"
    assert api.get("/api/service-environments/").json["count"] == 2


def test_services_environments_allows_only_get_and_delete(api, inventory):
    result = api.post("/api/services-environments/", {})
    assert result.status_code == 405
    assert result.json == {"detail": 'Method "POST" not allowed.'}
    assert result.headers["Allow"] == "GET"
    assert api.options("/api/services-environments/").status_code == 405
    assert api.patch(f"/api/services-environments/{inventory['se_test']}/", {}).status_code == 405
    assert api.delete(f"/api/services-environments/{inventory['se_test']}/").status_code == 204
    assert [e["name"] for e in api.get(f"/api/services/{inventory['service']}/").json["environments"]] == ["prod"]


def test_categories_are_an_mptt_tree(api):
    hw = api.create("categories", {"name": "hardware", "default_depreciation_rate": "20"})["id"]
    srv = api.create("categories", {"name": "servers", "parent": hw, "default_depreciation_rate": "0"})["id"]
    blades = api.create("categories", {"name": "blades", "parent": srv, "default_depreciation_rate": 0})["id"]
    other = api.create("categories", {"name": "accessories"})["id"]
    rows = api.get("/api/categories/").json["results"]
    assert [(r["name"], r["tree_id"], r["lft"], r["rght"], r["level"]) for r in rows] == [
        ("accessories", 1, 1, 2, 0), ("hardware", 2, 1, 6, 0), ("servers", 2, 2, 5, 1), ("blades", 2, 3, 4, 2)]
    by_name = {r["name"]: r for r in rows}
    assert by_name["blades"]["depreciation_rate"] == 20.0
    assert by_name["accessories"]["depreciation_rate"] == 25.0
    assert by_name["blades"]["parent"] == f"{H}/api/categories/{srv}/"
    looped = api.patch(f"/api/categories/{hw}/", {"parent": blades})
    assert looped.status_code == 400
    assert looped.json == {"parent": ["A node may not be made a child of any of its descendants."]}
    assert api.patch(f"/api/categories/{srv}/", {"parent": other}).status_code == 200
    model = api.create("assetmodels", {"name": "m", "type": "data center", "category": blades})["id"]
    nested = api.get(f"/api/assetmodels/{model}/").json["category"]
    assert (nested["tree_id"], nested["lft"], nested["rght"], nested["level"]) == (1, 3, 4, 2)


def test_on_delete_follows_ralph(api, inventory):
    """Server rooms and racks cascade from their data center; a used rack protects the chain."""
    asset = _asset(api, inventory)["id"]
    child = _asset(api, inventory, sn="SN-2", barcode="BC-2", parent=asset)["id"]
    blocked = api.delete(f"/api/data-centers/{inventory['dc']}/")
    assert blocked.status_code == 409
    assert blocked.json["referenced_by"] == {"data-center-assets": [asset, child]}
    assert api.get(f"/api/server-rooms/{inventory['room']}/").status_code == 200
    # BaseObject.parent is SET_NULL
    assert api.delete(f"/api/data-center-assets/{asset}/").status_code == 204
    assert api.get(f"/api/data-center-assets/{child}/").json["parent"] is None
    assert api.delete(f"/api/data-center-assets/{child}/").status_code == 204
    assert api.delete(f"/api/data-centers/{inventory['dc']}/").status_code == 204
    assert api.get("/api/server-rooms/").json["count"] == 0
    assert api.get("/api/racks/").json["count"] == 0


def test_custom_fields(api, inventory):
    cf = api.create("custom-fields", {"name": "Docker Version", "type": "string", "choices": [],
                                      "use_as_configuration_variable": True})
    assert cf["attribute_name"] == "docker_version"
    size = api.create("custom-fields", {"name": "size", "type": "choice list", "choices": ["S", "M", "L"]})["id"]
    pk = _asset(api, inventory)["id"]
    base = f"/api/data-center-assets/{pk}/customfields/"
    first = api.post(base, {"custom_field": "docker_version", "value": "1.12"})
    assert first.status_code == 201, first.text
    bad = api.post(base, {"custom_field": size, "value": "XL"})
    assert bad.json == {"__all__": ["Select a valid choice. XL is not one of the available choices."]}
    api.create(f"data-center-assets/{pk}/customfields", {"custom_field": size, "value": "M"})
    dup = api.post(base, {"custom_field": size, "value": "L"})
    assert dup.json == {"__all__": ["Custom field of the same type already exists for this object."]}
    doc = api.get(f"/api/data-center-assets/{pk}/").json
    assert doc["custom_fields"] == {"docker_version": "1.12", "size": "M"}
    assert doc["configuration_variables"] == {"docker_version": "1.12"}
    listing = api.get(base).json
    assert listing["count"] == 2
    item = listing["results"][0]
    assert item == {"id": first.json["id"], "url": f"{H}{base}{first.json['id']}/",
                    "custom_field": {"name": "Docker Version", "attribute_name": "docker_version",
                                     "type": "string", "default_value": "",
                                     "ui_url": f"{H}/custom_fields/customfield/{cf['id']}/change/"},
                    "value": "1.12"}
    assert api.patch(f"{base}{first.json['id']}/", {"value": "1.13"}).status_code == 200
    api.patch(f"/api/custom-fields/{cf['id']}/", {"name": "Engine Version"})
    doc = api.get(f"/api/data-center-assets/{pk}/").json
    assert doc["custom_fields"] == {"engine_version": "1.13", "size": "M"}
    assert api.get(f"/api/racks/{inventory['rack']}/customfields/").status_code == 404
    assert api.get("/api/data-center-assets/99999/customfields/").status_code == 404
    assert api.delete(f"/api/custom-fields/{size}/").status_code == 409
    assert api.delete(f"/api/data-center-assets/{pk}/").status_code == 204
    assert api.delete(f"/api/custom-fields/{size}/").status_code == 204


def test_rack_position_rules(api, inventory):
    rack = api.create("racks", {"name": "Rack B", "server_room": inventory["room"], "max_u_height": 42})["id"]
    body = {"model": inventory["model"], "rack": rack, "sn": "P-1", "property_of": inventory["holder"]}
    assert api.post("/api/data-center-assets/", body).json == {"position": ["Position is required for this rack"]}
    assert api.post("/api/data-center-assets/", {**body, "position": 43}).json == {
        "position": ['Position is higher than "max u height" = 42']}
    assert api.post("/api/data-center-assets/", {**body, "position": 0}).json == {
        "orientation": ["Valid orientations for picked position are: left, right"]}
    assert api.post("/api/data-center-assets/", {**body, "position": 3, "slot_no": "1A"}).json == {
        "slot_no": ["Slot number cannot be filled when asset is not blade"]}
    ok = api.post("/api/data-center-assets/", {**body, "position": 0, "orientation": "left"})
    assert ok.status_code == 201
    moved = api.patch(f"/api/data-center-assets/{ok.json['id']}/", {"position": 5})
    assert moved.json == {"orientation": ["Valid orientations for picked position are: front, back, middle"]}


def test_cluster_needs_name_or_hostname(api):
    kind = api.create("cluster-types", {"name": "k8s"})["id"]
    missing = api.post("/api/clusters/", {"type": kind})
    message = ["At least one of name or hostname is required"]
    assert missing.json == {"name": message, "hostname": message}
    assert api.post("/api/clusters/", {"type": kind, "hostname": "c1.local"}).status_code == 201


def test_networks_and_addresses(api):
    wide = api.create("networks", {"name": "wide", "address": "10.0.0.0/16"})
    stored = api.get(f"/api/networks/{wide['id']}/").json  # the write answer has no range (NetworkSaveSerializer)
    assert (stored["min_ip"], stored["max_ip"]) == ("167772160", "167837695")
    narrow = api.create("networks", {"name": "narrow", "address": "10.0.1.0/24"})["id"]
    ip = api.create("ipaddresses", {"address": "10.0.1.5", "hostname": "h1"})["id"]
    public = api.create("ipaddresses", {"address": "8.8.8.8"})["id"]
    doc = api.get(f"/api/ipaddresses/{ip}/").json
    assert doc["network"]["id"] == narrow and doc["network"]["name"] == "narrow"
    assert doc["is_public"] is False and api.get(f"/api/ipaddresses/{public}/").json["is_public"] is True
    assert api.get(f"/api/ipaddresses/{public}/").json["network"] is None
    assert api.get(f"/api/networks/{narrow}/").json["parent"]["id"] == wide["id"]
    bad = api.post("/api/networks/", {"name": "bad", "address": "10.0.0.0/33"})
    assert bad.status_code == 400 and list(bad.json) == ["address"]
    same_range = api.post("/api/networks/", {"name": "again", "address": "10.0.1.7/24"})
    assert same_range.json == {"address": ["network with this network address already exists."]}  # 10.0.1.0/24
    top = api.create("networks", {"name": "top", "address": "10.0.0.0/8"})["id"]
    assert api.get(f"/api/networks/{wide['id']}/").json["parent"]["id"] == top
    assert [n["name"] for n in api.get("/api/networks/").json["results"]] == ["top", "wide", "narrow"]
    assert api.delete(f"/api/networks/{narrow}/").status_code == 204
    assert api.get(f"/api/ipaddresses/{ip}/").json["network"]["id"] == wide["id"]
    assert api.get("/api/ipaddresses/", params={"network": str(wide["id"])}).json["count"] == 1
    dup = api.post("/api/ipaddresses/", {"address": "10.0.1.5"})
    assert dup.json == {"address": ["IP address with this IP address already exists."]}


def test_ipv6_networks_and_addresses(api):
    """128-bit ranges place addresses on both backends (SQLite has no 128-bit integers)."""
    wide = api.create("networks", {"name": "v6", "address": "2001:db8::/32"})
    stored = api.get(f"/api/networks/{wide['id']}/").json
    assert (stored["min_ip"], stored["max_ip"]) == ("42540766411282592856903984951653826560",
                                                "42540766490510755371168322545197776895")
    narrow = api.create("networks", {"name": "v6-64", "address": "2001:db8:0:1::/64"})["id"]
    ip = api.create("ipaddresses", {"address": "2001:db8:0:1::5"})["id"]
    outside = api.create("ipaddresses", {"address": "2001:db9::1"})["id"]
    assert api.get(f"/api/ipaddresses/{ip}/").json["network"]["id"] == narrow
    assert api.get(f"/api/ipaddresses/{outside}/").json["network"] is None
    assert api.get(f"/api/networks/{narrow}/").json["parent"]["id"] == wide["id"]
    top = stored["max_ip"]  # exact: a float would make it equal to its neighbours
    cases = [("max_ip__lte", top, 2), ("max_ip__lt", top, 1), ("max_ip", top, 1), ("max_ip", str(int(top) - 1), 0),
             ("max_ip__gt", str(int(top) - 1), 1), ("min_ip__gte", "-1", 2), ("min_ip__lt", "0.5", 0),
             ("max_ip__gt", "1e40", 0), ("max_ip__lt", "1e40", 2)]
    assert [api.get("/api/networks/", params={lookup: value}).json["count"] for lookup, value, _ in cases] == [
        count for *_, count in cases]
    assert api.create("manufacturers", {"name": "after v6"})["name"] == "after v6"  # the projection goes on
    assert api.get("/api/manufacturers/", params={"name": "after v6"}).json["count"] == 1


def test_dhcp_exposure_rules(api, inventory):
    pk = _asset(api, inventory)["id"]
    eth = api.create("ethernets", {"base_object": pk, "mac": "aa:bb:cc:dd:ee:ff"})["id"]
    missing = api.post("/api/ipaddresses/", {"address": "10.1.0.1", "dhcp_expose": True})
    assert missing.json == {"dhcp_expose": ["Cannot expose in DHCP without MAC address"],
                            "hostname": ["Cannot expose in DHCP without hostname"]}
    ip = api.create("ipaddresses", {"address": "10.1.0.1", "hostname": "a", "ethernet": eth, "dhcp_expose": True})
    assert api.patch(f"/api/ipaddresses/{ip['id']}/", {"hostname": "b"}).json == {
        "__all__": ["Cannot change hostname when exposing in DHCP"]}
    assert api.patch(f"/api/ipaddresses/{ip['id']}/", {"dhcp_expose": False}).json == {
        "dhcp_expose": ["Cannot remove entry from DHCP. Use transition to do this."]}
    refused = api.delete(f"/api/ipaddresses/{ip['id']}/")
    assert refused.status_code == 400
    assert refused.json == ["Could not delete IPAddress when it is exposed in DHCP"]
    assert api.get(f"/api/ethernets/{eth}/").json["ipaddress"]["address"] == "10.1.0.1"


def test_computed_host_fields(api, inventory):
    host = _asset(api, inventory)["id"]
    child = _asset(api, inventory, sn="SN-2", barcode="BC-2", hostname="blade1", parent=host)["id"]
    vtype = api.create("virtual-server-types", {"name": "kvm"})["id"]
    vm = api.create("virtual-servers", {"hostname": "vm1", "type": vtype, "hypervisor": host,
                                        "service_env": inventory["se_prod"]})["id"]
    eth = api.create("ethernets", {"base_object": host, "mac": "02:00:00:00:00:01"})["id"]
    api.create("ipaddresses", {"address": "10.9.0.1", "ethernet": eth})
    doc = api.get(f"/api/data-center-assets/{host}/").json
    assert doc["ipaddresses"] == ["10.9.0.1"]
    assert doc["related_hosts"] == {
        "virtual_servers": [{"hostname": "vm1", "url": f"{H}/api/virtual-servers/{vm}/",
                             "ui_url": f"{H}/virtual/virtualserver/{vm}/change/"}],
        "physical_servers": [{"hostname": "blade1", "url": f"{H}/api/data-center-assets/{child}/",
                              "ui_url": f"{H}/data_center/datacenterasset/{child}/change/"}],
        "cloud_hosts": []}
    assert [e["mac"] for e in doc["ethernet"]] == ["02:00:00:00:00:01"]
    api.patch(f"/api/virtual-servers/{vm}/", {"hostname": "vm2"})
    assert api.get(f"/api/data-center-assets/{host}/").json["related_hosts"]["virtual_servers"][0]["hostname"] == "vm2"
    api.patch(f"/api/environments/{inventory['prod']}/", {"name": "production"})
    assert api.get(f"/api/virtual-servers/{vm}/").json["service_env"]["environment"] == "production"


def test_deleted_means_deleted(api, rt):
    """A deleted record's id is never reused, its unique values are free again, references to it are refused."""
    first = api.create("manufacturers", {"name": "Dell"})["id"]
    assert api.delete(f"/api/manufacturers/{first}/").status_code == 204
    again = api.create("manufacturers", {"name": "Dell"})["id"]  # the name was released
    assert again == first + 1  # a new id, never the deleted one
    assert api.get(f"/api/manufacturers/{first}/").status_code == 404
    for ref in (first, str(first)):
        refused = api.post("/api/assetmodels/", {"name": "M", "type": "data center", "manufacturer": ref})
        assert (refused.status_code, refused.json) == (
            400, {"manufacturer": [f'Invalid pk "{first}" - object does not exist.']})
    patch = api.patch(f"/api/manufacturers/{first}/", {"name": "ghost"})
    assert patch.status_code == 404
    assert rt.commands.find("manufacturers", "name", "Dell") == again
