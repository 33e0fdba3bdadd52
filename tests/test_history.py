"""A record's history from its event stream (issue 12): both backends, also after the record was deleted."""

from __future__ import annotations

from payloads import Builder

from commands.catalog import RESOURCES

H = "http://falconframework.org"


def test_a_records_history_oldest_first_and_after_its_deletion(api):
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    made = api.create("manufacturers", {"name": "Dell"})
    pk = made["id"]
    api.patch(f"/api/manufacturers/{pk}/", {"name": "Dell Inc."})
    api.patch(f"/api/manufacturers/{pk}/", {"name": "Dell Inc."})  # no change: no event
    page = api.get(f"/api/manufacturers/{pk}/history/").json
    assert page["count"] == 2 and page["next"] is None and page["previous"] is None
    created, changed = page["results"]
    assert created == {"position": created["position"], "version": 1, "timestamp": created["timestamp"],
                       "user": {"id": root, "username": "root"}, "kind": "created", "resource": "manufacturers",
                       "changes": {"name": {"old": None, "new": "Dell"}}}
    assert (changed["version"], changed["kind"], changed["changes"]) == (
        2, "changed", {"name": {"old": "Dell", "new": "Dell Inc."}})
    assert changed["position"] > created["position"] and changed["timestamp"] >= created["timestamp"]
    assert api.delete(f"/api/manufacturers/{pk}/").status_code == 204
    assert api.get(f"/api/manufacturers/{pk}/").status_code == 404
    newest = api.get(f"/api/manufacturers/{pk}/history/", {"ordering": "-position", "limit": "1"}).json
    assert newest["count"] == 3
    assert newest["next"] == f"{H}/api/manufacturers/{pk}/history/?ordering=-position&limit=1&offset=1"
    [deleted] = newest["results"]
    assert (deleted["version"], deleted["kind"], deleted["changes"]) == (
        3, "deleted", {"name": {"old": "Dell Inc.", "new": None}})


def test_history_shows_choices_by_name_references_by_id_and_no_secrets(api):
    budget = api.create("budget-info", {"name": "B1"})["id"]
    asset = api.create("assetmodels", {"name": "M1", "type": "data center"})["id"]
    api.patch(f"/api/assetmodels/{asset}/", {"type": "back office"})
    [_, changed] = api.get(f"/api/assetmodels/{asset}/history/").json["results"]
    assert changed["changes"] == {"type": {"old": "data center", "new": "back office"}}
    user = api.create("users", {"username": "eve", "password": "secret-1"})["id"]
    [created] = api.get(f"/api/users/{user}/history/").json["results"]
    assert "password" not in created["changes"] and created["changes"]["username"] == {"old": None, "new": "eve"}
    assert api.get(f"/api/budget-info/{budget}/history/").json["count"] == 1


def test_history_of_an_unknown_record_or_of_another_resource_is_404(api):
    model = api.create("assetmodels", {"name": "M1", "type": "data center"})["id"]
    assert api.get("/api/manufacturers/999/history/").status_code == 404
    assert api.get(f"/api/manufacturers/{model}/history/").json == {"detail": "Not found."}
    assert api.post(f"/api/assetmodels/{model}/history/", {}).status_code == 405


def test_a_record_as_it_was_at_an_instant(api):
    made = api.create("manufacturers", {"name": "Dell"})
    pk = made["id"]
    model = api.create("assetmodels", {"name": "R640", "type": "data center", "manufacturer": pk})["id"]
    first = api.get(f"/api/assetmodels/{model}/history/").json["results"][0]["timestamp"]
    api.patch(f"/api/manufacturers/{pk}/", {"name": "Dell Inc."})
    api.patch(f"/api/assetmodels/{model}/", {"name": "R650"})
    then = api.get(f"/api/assetmodels/{model}/", {"as_of": first}).json
    now = api.get(f"/api/assetmodels/{model}/").json
    assert then["name"] == "R640" and now["name"] == "R650"
    assert then["manufacturer"]["name"] == "Dell" and now["manufacturer"]["name"] == "Dell Inc."  # nested, then
    assert set(then) == set(now) and then["created"] == now["created"] and then["modified"] == first
    assert api.get(f"/api/assetmodels/{model}/", {"as_of": first + "Z"}).json == then
    assert api.get(f"/api/assetmodels/{model}/", {"as_of": "2000-01-01T00:00:00"}).json == {"detail": "Not found."}
    bad = api.get(f"/api/assetmodels/{model}/", {"as_of": "yesterday"})
    assert (bad.status_code, bad.json) == (400, {"as_of": ["Enter an ISO 8601 instant, e.g. 2026-12-02T17:00:00Z."]})
    api.delete(f"/api/assetmodels/{model}/")
    assert api.get(f"/api/assetmodels/{model}/").status_code == 404
    assert api.get(f"/api/assetmodels/{model}/", {"as_of": first}).json["name"] == "R640"  # after its deletion
    latest = api.get(f"/api/assetmodels/{model}/history/", {"ordering": "-position"}).json["results"][0]
    assert api.get(f"/api/assetmodels/{model}/", {"as_of": latest["timestamp"]}).status_code == 404


def test_as_of_now_is_the_detail_for_every_resource_but_what_the_read_side_computes(api):
    """Trees' nested-set numbers and what a category inherits from its parents are computed by the projection,
    not stored in events: as_of renders them empty (docs/api.md)."""
    builder, made = Builder(api), {}
    for res in RESOURCES:
        if "POST" in res.methods and not res.internal:
            made[res.name] = builder.create(res, full=True)["id"]
    differing = {}
    for name, pk in made.items():
        now = api.get(f"/api/{name}/{pk}/").json
        then = api.get(f"/api/{name}/{pk}/", {"as_of": "2100-01-01T00:00:00"}).json
        if then != now:
            differing[name] = {k for k in set(now) | set(then) if now.get(k) != then.get(k)}
    tree = {"lft", "rght", "tree_id", "level"}
    assert differing == {"categories": tree | {"depreciation_rate"}, "access-zone": tree, "networks": tree,
                         "assetmodels": {"category"}}
