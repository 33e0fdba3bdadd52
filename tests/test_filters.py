"""Ralph's filter language on both backends, with exact result sets."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from projections import filters as filters_module


@pytest.fixture
def fleet(api):
    """Four data-center assets with varied names, dates, positions, tags and places."""
    ids = {}
    dell = api.create("manufacturers", {"name": "Dell"})["id"]
    hp = api.create("manufacturers", {"name": "HP"})["id"]
    ids["r640"] = api.create("assetmodels", {"name": "R640", "type": "data center", "manufacturer": dell})["id"]
    ids["dl380"] = api.create("assetmodels", {"name": "DL380", "type": "data center", "manufacturer": hp})["id"]
    dcs = [api.create("data-centers", {"name": n})["id"] for n in ("DC1", "DC2")]
    ids["dc1"], ids["dc2"] = dcs
    rooms = [api.create("server-rooms", {"name": f"room{i}", "data_center": dc})["id"] for i, dc in enumerate(dcs)]
    ids["rack1"], ids["rack2"] = [api.create("racks", {"name": f"rack{i}", "server_room": r})["id"]
                                  for i, r in enumerate(rooms)]
    api.create("environments", {"name": "prod"})
    api.create("environments", {"name": "dev"})
    api.create("services", {"name": "web", "uid": "sc-web", "environments": ["prod", "dev"],
                            "business_owners": [], "technical_owners": []})
    envs = api.get("/api/services-environments/").json["results"]
    se = {e["environment"]["name"]: e["id"] for e in envs}
    specs = [
        ("Srv-Alpha", "SN-A", ids["rack1"], 5, "2023-03-01", 2, ids["r640"], se["prod"], ["a", "b"]),
        ("srv-beta", "SN-B", ids["rack1"], 10, "2023-07-15", 1, ids["r640"], se["dev"], ["a"]),
        ("db-gamma", "SN-C", ids["rack2"], 20, "2024-01-10", 2, ids["dl380"], None, ["b"]),
        ("DB-delta", "SN-D", ids["rack2"], 30, None, 3, ids["dl380"], se["prod"], []),
    ]
    ids["assets"] = {}
    holder = api.create("assetholders", {"name": "Allegro"})["id"]
    for host, sn, rack, pos, invoice, status, model, env, tags in specs:
        ids["assets"][host] = api.create("data-center-assets", {
            "hostname": host, "sn": sn, "rack": rack, "position": pos, "invoice_date": invoice, "status": status,
            "model": model, "service_env": env, "tags": tags, "property_of": holder})["id"]
    return ids


def hosts(api, path="/api/data-center-assets/", **params):
    result = api.get(path, params={"limit": "100", **params})
    assert result.status_code == 200, result.text
    return sorted(item.get("hostname") for item in result.json["results"])


ALL = ["DB-delta", "Srv-Alpha", "db-gamma", "srv-beta"]


@pytest.mark.parametrize("params, expected", [
    ({"hostname": "srv-beta"}, ["srv-beta"]),
    ({"status": "2"}, ["Srv-Alpha", "db-gamma"]),
    ({"model__name": "DL380"}, ["DB-delta", "db-gamma"]),
    ({"hostname__startswith": "srv"}, ["srv-beta"]),
    ({"hostname__istartswith": "srv"}, ["Srv-Alpha", "srv-beta"]),
    ({"hostname__istartswith": "SRV-A"}, ["Srv-Alpha"]),
    ({"hostname__istartswith": "s_v"}, []),  # wildcards are literal
    ({"hostname__istartswith": "%"}, []),
    ({"hostname__endswith": "ta"}, ["DB-delta", "srv-beta"]),
    ({"hostname__iendswith": "A"}, ["DB-delta", "Srv-Alpha", "db-gamma", "srv-beta"]),
    ({"hostname__contains": "DB"}, ["DB-delta"]),
    ({"hostname__icontains": "db"}, ["DB-delta", "db-gamma"]),
    ({"hostname__contains": "%"}, []),
    ({"hostname__regex": "^[a-z]+-"}, ["db-gamma", "srv-beta"]),
    ({"hostname__iregex": "^srv"}, ["Srv-Alpha", "srv-beta"]),
    ({"hostname__in": "srv-beta,DB-delta"}, ["DB-delta", "srv-beta"]),
    ({"position__gte": "10"}, ["DB-delta", "db-gamma", "srv-beta"]),
    ({"position__lt": "10"}, ["Srv-Alpha"]),
    ({"position__range": "6,25"}, ["db-gamma", "srv-beta"]),
    ({"status__in": "1,3"}, ["DB-delta", "srv-beta"]),
    ({"invoice_date__year": "2023"}, ["Srv-Alpha", "srv-beta"]),
    ({"invoice_date__month": "7"}, ["srv-beta"]),
    ({"invoice_date__lte": "2023-12-31"}, ["Srv-Alpha", "srv-beta"]),
    ({"invoice_date__isnull": "true"}, ["DB-delta"]),
    ({"invoice_date__isnull": "maybe"}, ALL),
    ({"service_env__isnull": "1"}, ALL),  # foreign keys have no lookups in Ralph
    ({"service_env__service__name": "web"}, ["DB-delta", "Srv-Alpha", "srv-beta"]),
    ({"service_env__environment__name": "dev"}, ["srv-beta"]),
    ({"service": "sc-web"}, ["DB-delta", "Srv-Alpha", "srv-beta"]),
    ({"service__startswith": "we"}, ["DB-delta", "Srv-Alpha", "srv-beta"]),
    ({"env": "prod"}, ["DB-delta", "Srv-Alpha"]),
    ({"tag": "a"}, ["Srv-Alpha", "srv-beta"]),
    ({"tag": ["a", "b"]}, ["Srv-Alpha"]),
    ({"hostname__gte": "a"}, ALL),
    ({"remarks__icontains": "x"}, ALL),
    ({"hostname__exact": "srv-beta"}, ALL),
])
def test_asset_filters(api, fleet, params, expected):
    assert hosts(api, **params) == expected


def test_relation_path_to_data_center(api, fleet):
    assert hosts(api, rack__server_room__data_center=str(fleet["dc2"])) == ["DB-delta", "db-gamma"]
    assert hosts(api, model__manufacturer__name="Dell") == ALL  # not a filter field of assets
    result = api.get("/api/data-center-assets/", params={"model__manufacturer__name": "Dell"})
    assert result.headers["X-Ignored-Filters"] == "model__manufacturer__name"


@pytest.mark.parametrize("candidates", [filters_module.CANDIDATES, 1], ids=["ids-first", "subquery"])
def test_paths_through_two_relations(api, fleet, monkeypatch, candidates):
    monkeypatch.setattr(filters_module, "CANDIDATES", candidates)  # 1: the related ids are never read first
    assert hosts(api, rack__server_room__data_center=str(fleet["dc2"])) == ["DB-delta", "db-gamma"]
    assert hosts(api, rack__server_room__data_center=str(fleet["dc1"])) == ["Srv-Alpha", "srv-beta"]
    assert hosts(api, rack__server_room__data_center="999999") == []
    assert hosts(api, service_env__service__name="web") == ["DB-delta", "Srv-Alpha", "srv-beta"]
    assert hosts(api, service_env__service__name="nothing") == []


def test_ignored_lookups_are_named(api, fleet):
    result = api.get("/api/data-center-assets/", params={"hostname__gte": "a", "position__gte": "10"})
    assert result.json["count"] == 3
    assert result.headers["X-Ignored-Filters"] == "hostname__gte"


@pytest.mark.parametrize("name, value", [
    ("position__gte", "abc"), ("position__range", "1"), ("invoice_date__lte", "soon"),
    ("hostname__regex", "("), ("status__in", "1,x"), ("invoice_date__year", "twenty"),
])
def test_bad_lookup_values_are_400(api, fleet, name, value):
    result = api.get("/api/data-center-assets/", params={name: value})
    assert result.status_code == 400
    assert list(result.json) == [name] and len(result.json[name]) == 1


def test_exact_filter_with_a_wrong_type_is_empty(api, fleet):
    assert api.get("/api/data-center-assets/", params={"position": "abc"}).json["count"] == 0


def test_ordering_with_lookups_and_exact_counts(api, fleet):
    page = api.get("/api/data-center-assets/", params={"invoice_date__lte": "2030-01-01",
                                                       "ordering": "-invoice_date", "limit": "2"}).json
    assert page["count"] == 3
    assert [r["hostname"] for r in page["results"]] == ["db-gamma", "srv-beta"]


def test_custom_field_filters(api, fleet):
    api.create("custom-fields", {"name": "size", "type": "string", "choices": []})
    for host, size in (("Srv-Alpha", "S"), ("srv-beta", "M"), ("db-gamma", "L")):
        api.create(f"data-center-assets/{fleet['assets'][host]}/customfields", {"custom_field": "size", "value": size})
    assert hosts(api, customfield__size=["S", "L"]) == ["Srv-Alpha", "db-gamma"]
    assert hosts(api, customfield__size="M", tag="a") == ["srv-beta"]


def test_base_objects_filters(api, fleet):
    path = "/api/base-objects/"
    assert hosts(api, path, name="srv-beta") == ["srv-beta"]
    assert hosts(api, path, name__startswith="srv") == ["srv-beta"]
    assert hosts(api, path, name__istartswith="SRV") == ["Srv-Alpha", "srv-beta"]
    assert hosts(api, path, sn="SN-C") == ["db-gamma"]
    assert hosts(api, path, hostname__icontains="delta") == ["DB-delta"]
    # parameters of the concrete types' own filters (PolymorphicDescendantsFilterBackend)
    assert hosts(api, path, rack=str(fleet["rack1"])) == ["Srv-Alpha", "srv-beta"]
    assert hosts(api, path, position__gte="20") == ["DB-delta", "db-gamma"]
    services = api.get(path, params={"name": "web"}).json["results"]
    assert sorted(r["__str__"] for r in services) == ["service environment: web - dev",
                                                      "service environment: web - prod"]


def test_ip_and_active_filters(api, fleet):
    eth = api.create("ethernets", {"base_object": fleet["assets"]["db-gamma"], "mac": "02:00:00:00:00:09"})["id"]
    api.create("ipaddresses", {"address": "10.20.0.9", "ethernet": eth})
    assert hosts(api, ip="10.20.0.9") == ["db-gamma"]
    assert hosts(api, ethernet_set__ipaddress__address="10.20.0.9") == ["db-gamma"]
    api.create("services", {"name": "old", "active": False, "environments": [], "business_owners": [],
                            "technical_owners": []})
    names = lambda **p: sorted(s["name"] for s in api.get("/api/services/", params=p).json["results"])  # noqa: E731
    assert names(active="no") == ["old"]
    assert names(active="yes") == ["web"]
    assert names(active="perhaps") == ["old", "web"]


def test_a_filtered_page_is_two_statements(rt, api, fleet):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(rt.read_engine, "before_cursor_execute", count)
    try:
        params = {"hostname__icontains": "a", "tag": ["a", "b"], "service": "web", "position__gte": "1",
                  "rack__server_room__data_center": str(fleet["dc1"]), "ordering": "-position"}
        assert api.get("/api/data-center-assets/", params=params).json["count"] == 1
        list_statements = [s for s in statements if "read_data_center_assets" in s]
        assert len(list_statements) == 2
    finally:
        event.remove(rt.read_engine, "before_cursor_execute", count)


def test_a_first_page_is_read_with_its_count_in_one_statement(rt, api, fleet):
    """A first page reads what its count comes from (the projector's count, or the position that a kept count is
    dated by) in its own statement; a later page reads its count first, to choose the direction."""
    statements = []

    def record(conn, cursor, statement, *args):
        if any(name in statement for name in ("read_data_center_assets", "read_positions", "read_counts")):
            statements.append(statement)

    def listed(**params) -> tuple[int, list[str], int]:
        statements.clear()
        page = api.get("/api/data-center-assets/", params={"ordering": "sn", **params}).json
        return page["count"], [a["hostname"] for a in page["results"]], len(statements)

    event.listen(rt.read_engine, "before_cursor_execute", record)
    try:
        assert listed(limit="2") == (4, ["Srv-Alpha", "srv-beta"], 1)
        assert listed(limit="2", offset="2") == (4, ["db-gamma", "DB-delta"], 2)
        assert listed(hostname__icontains="db", limit="1") == (2, ["db-gamma"], 2)  # counted
        assert listed(hostname__icontains="db", limit="1") == (2, ["db-gamma"], 1)  # the count kept
        assert listed(hostname__icontains="db", limit="1", offset="1") == (2, ["DB-delta"], 2)
        assert listed(hostname__icontains="zq") == (0, [], 3)  # an empty page, then the position and the count
    finally:
        event.remove(rt.read_engine, "before_cursor_execute", record)


def test_a_filtered_count_is_kept_until_the_projection_moves(rt, api, fleet):
    counts = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT COUNT("):
            counts.append(statement)

    def count(**params):
        return api.get("/api/data-center-assets/", params={"limit": "1", **params}).json["count"]

    event.listen(rt.read_engine, "before_cursor_execute", record)
    try:
        assert count(hostname__icontains="db") == 2 and len(counts) == 1
        assert count(hostname__icontains="db", offset="1") == 2 and len(counts) == 1  # kept: paging is not filtering
        assert count(hostname__icontains="b") == 3 and len(counts) == 2  # another filter is counted
        beta = fleet["assets"]["srv-beta"]
        assert api.patch(f"/api/data-center-assets/{beta}/", {"hostname": "db-beta"}).status_code == 200
        assert count(hostname__icontains="db") == 3 and len(counts) == 3  # the projection moved: counted again
        assert api.delete(f"/api/data-center-assets/{fleet['assets']['DB-delta']}/").status_code == 204
        assert count(hostname__icontains="db") == 2 and count(tag="b") == 2 and len(counts) == 5
        assert count(hostname__icontains="db") == 2 and count(tag="b") == 2 and len(counts) == 5
    finally:
        event.remove(rt.read_engine, "before_cursor_execute", record)
