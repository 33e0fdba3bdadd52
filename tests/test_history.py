"""A record's history from its event stream (issue 12): both backends, also after the record was deleted."""

from __future__ import annotations

from payloads import Builder

from commands.catalog import CATALOG, RESOURCES

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


def test_a_history_page_reads_only_its_events(api, rt, monkeypatch):
    pk = api.create("manufacturers", {"name": "v1"})["id"]
    for n in range(2, 31):
        api.patch(f"/api/manufacturers/{pk}/", {"name": f"v{n}"})
    read = []
    decode = rt.store.mapper.to_domain_event
    monkeypatch.setattr(rt.store.mapper, "to_domain_event", lambda stored: read.append(stored) or decode(stored))
    page = api.get(f"/api/manufacturers/{pk}/history/", {"limit": "5", "offset": "10"}).json
    assert page["count"] == 30 and [e["version"] for e in page["results"]] == [11, 12, 13, 14, 15]
    assert page["results"][0]["changes"] == {"name": {"old": "v10", "new": "v11"}}
    assert len(read) == 1 + 5 + 1  # its creation (what it is), the page, the acting user's name
    newest = api.get(f"/api/manufacturers/{pk}/history/", {"limit": "2", "ordering": "-position"}).json
    assert [e["version"] for e in newest["results"]] == [30, 29]


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


def test_the_event_feed_in_store_order_resumable_and_filtered(api):
    start = api.get("/api/events/", {"after": "0", "limit": "1000"}).json["last"]
    dell = api.create("manufacturers", {"name": "Dell"})["id"]
    hp = api.create("manufacturers", {"name": "HP"})["id"]
    api.create("budget-info", {"name": "B1"})
    api.patch(f"/api/manufacturers/{dell}/", {"name": "Dell Inc."})
    page = api.get("/api/events/", {"after": str(start)}).json
    assert [(e["resource"], e["id"], e["kind"]) for e in page["results"]] == [
        ("manufacturers", dell, "created"), ("manufacturers", hp, "created"), ("budget-info", 1, "created"),
        ("manufacturers", dell, "changed")]
    positions = [e["position"] for e in page["results"]]
    assert positions == sorted(positions) and page["last"] == positions[-1]
    assert page["results"][-1]["changes"] == {"name": {"old": "Dell", "new": "Dell Inc."}}
    assert page["next"] == f"{H}/api/events/?after={page['last']}"
    first = api.get("/api/events/", {"after": str(start), "limit": "1"}).json
    resumed = api.get("/api/events/", {"after": str(first["last"]), "limit": "1"}).json
    assert [e["position"] for e in first["results"] + resumed["results"]] == positions[:2]
    mine = api.get("/api/events/", {"after": str(start), "resource": "manufacturers", "id": str(dell)}).json
    assert [e["kind"] for e in mine["results"]] == ["created", "changed"]
    makers = api.get("/api/events/", {"after": str(start), "resource": "manufacturers"}).json
    assert [e["id"] for e in makers["results"]] == [dell, hp, dell]
    assert api.get("/api/events/", {"after": str(page["last"])}).json == {
        "results": [], "last": page["last"], "next": f"{H}/api/events/?after={page['last']}"}
    for params, error in (({"after": "x"}, {"after": ["A valid non-negative number is required."]}),
                          ({"resource": "nothing"}, {"resource": ['"nothing" is not a resource.']}),
                          ({"id": "1"}, {"id": ["An id needs its resource (resource=<prefix>)."]}),
                          ({"wait": "-1"}, {"wait": ["A valid non-negative number is required."]}),
                          ({"after": str(2**63)}, {"after": ["A valid non-negative number is required."]}),
                          ({"resource": "manufacturers", "id": "²"}, {"id": ["A valid integer is required."]})):
        bad = api.get("/api/events/", params)
        assert (bad.status_code, bad.json) == (400, error)


def test_the_event_feed_waits_for_a_change(rt, api):
    import threading
    import time

    head = api.get("/api/events/", {"after": "0", "limit": "1000"}).json["last"]
    started = time.monotonic()
    assert api.get("/api/events/", {"after": str(head), "wait": "0.5"}).json["results"] == []
    assert time.monotonic() - started >= 0.5  # nothing new: answered when the wait is over
    timer = threading.Timer(0.3, lambda: rt.commands.create(CATALOG["manufacturers"], {"name": "Late"}, None))
    timer.start()
    started = time.monotonic()
    waited = api.get("/api/events/", {"after": str(head), "wait": "20"}).json
    timer.join()
    assert [(e["resource"], e["kind"]) for e in waited["results"]] == [("manufacturers", "created")]
    assert time.monotonic() - started < 10  # answered when the change came, not at the end of the wait


def test_the_command_line_shows_a_history_and_a_past_state(rt, api):
    import json
    import subprocess
    import sys

    from conftest import ROOT, service_env

    pk = api.create("manufacturers", {"name": "Dell"})["id"]
    api.patch(f"/api/manufacturers/{pk}/", {"name": "Dell Inc."})
    created = api.get(f"/api/manufacturers/{pk}/history/").json["results"][0]

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "workers.cli", "history", *args], env=service_env(rt.settings),
                              cwd=ROOT, capture_output=True, text=True, timeout=120)

    table = cli("manufacturers", str(pk))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "position" in lines[1] and "changes" in lines[1]
    assert any("created" in line and "name: None → 'Dell'" in line and "root" in line for line in lines)
    assert any("changed" in line and "name: 'Dell' → 'Dell Inc.'" in line for line in lines)
    as_json = cli("manufacturers", str(pk), "--json")
    assert json.loads(as_json.stdout) == api.get(f"/api/manufacturers/{pk}/history/").json["results"]
    then = cli("manufacturers", str(pk), "--as-of", created["timestamp"])
    assert json.loads(then.stdout) == {**api.get(f"/api/manufacturers/{pk}/").json, "name": "Dell",
                                       "url": f"/api/manufacturers/{pk}/", "ui_url": f"/assets/manufacturer/{pk}/change/",
                                       "modified": created["timestamp"]}  # host-relative URLs
    missing = cli("manufacturers", "999")
    assert (missing.returncode, missing.stderr) == (1, "no manufacturers 999\n")
