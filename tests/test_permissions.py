"""Ralph's permission model (spec API.md §8; Ralph's ``ralph.lib.permissions.api.RalphPermission``), issue 13.

Permissions are read from the write side, so a change counts from the next request: the tests change a
group's permissions through the command layer (nothing projected) and ask at once. Both backends.
"""

from __future__ import annotations

import statistics
import time

import pytest
from conftest import SECRET, Api, basic, make_user
from payloads import Builder

from commands.catalog import CATALOG, RESOURCES
from commands.passwords import api_token

DENIED = {"detail": "You do not have permission to perform this action."}
#: The permission a method needs (any of view/add/change/delete grants the reading ones).
NEEDS = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PUT": "change", "PATCH": "change",
         "DELETE": "delete"}
SERVED = [r for r in RESOURCES if not r.internal]


class Grants:
    """A staff user in a group of its own whose permissions a test sets (appended only, never projected)."""

    def __init__(self, rt, client):
        self.rt = rt
        self.user = make_user(rt, "limited", permissions=("view_region",), is_staff=True)
        self.group = rt.commands.load_values("users", self.user)["groups"][0]
        self.api = Api(client, api_token(SECRET, self.user))

    def set(self, *codenames: str) -> None:
        self.rt.commands.update(CATALOG["groups"], self.group, {"permissions": list(codenames)}, None, partial=True)

    def see_regions(self, api: Api) -> None:
        """Give the user every region there is (records outside them are missing for it: tests/test_regions.py)."""
        regions = [r["id"] for r in api.get("/api/regions/", {"limit": "1000"}).json["results"]]
        self.rt.commands.update(CATALOG["users"], self.user, {"regions": regions}, None, partial=True)


@pytest.fixture
def grants(rt, client) -> Grants:
    return Grants(rt, client)


def _other(res) -> str:
    """A model that is not ``res``'s."""
    return "region" if res.model_name != "region" else "team"


def _request(api: Api, method: str, path: str):
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return api.request(method, path, json=body)


def _paths(api, builder, res) -> dict[str, str]:
    """The URL of each method to try on ``res`` (detail methods only when a record is there)."""
    made = builder.create(res)["id"] if "POST" in res.methods else None
    if made is None:  # read-only: any record there is
        found = api.get(f"/api/{res.name}/", {"limit": "1"}).json["results"]
        made = found[0]["id"] if found and not res.key else None
    listed = {m: f"/api/{res.name}/" for m in ("GET", "HEAD", "OPTIONS", "POST")}
    return listed | ({m: f"/api/{res.name}/{made}/" for m in ("PUT", "PATCH", "DELETE")} if made else {})


@pytest.mark.slow
def test_every_resource_and_method_needs_its_model_permission(rt, api, client, grants):
    builder, anonymous, checked = Builder(api), Api(client, None), 0
    for res in SERVED:
        paths = _paths(api, builder, res)
        if res.region_column:
            grants.see_regions(api)
        grants.set(*(f"{action}_{_other(res)}" for action in ("view", "add", "change", "delete")))
        for method, path in paths.items():
            assert _request(anonymous, method, path).status_code == 401, (res.name, method)
            denied = _request(grants.api, method, path)
            assert (denied.status_code, denied.json if method != "HEAD" else DENIED) == (403, DENIED), (
                res.name, method)
        for action in ("view", "add", "change", "delete"):
            grants.set(f"{action}_{res.model_name}")
            for method in [m for m, needed in NEEDS.items() if needed == action and m in paths]:
                allowed = _request(grants.api, method, paths[method])
                if res.superuser_writes and method in ("POST", "PUT", "PATCH", "DELETE"):
                    assert allowed.status_code == 403, (res.name, method)  # users, transitions: superusers only
                elif method not in res.methods:
                    assert allowed.status_code == 405, (res.name, method, allowed.text)  # then, and only then, 405
                else:  # the permission let it through: what is left is the request itself
                    assert allowed.status_code in (200, 201, 204, 400, 409), (res.name, method, allowed.text)
                checked += 1
    assert checked > 300


def test_any_model_permission_grants_reading(grants):
    for action in ("view", "add", "change", "delete"):
        grants.set(f"{action}_manufacturer")
        assert grants.api.get("/api/manufacturers/").status_code == 200, action
    grants.set("add_manufacturer")
    assert grants.api.patch("/api/manufacturers/1/", {}).status_code == 403


def test_a_change_of_permissions_or_activity_counts_at_the_next_request(rt, grants):
    grants.set("view_manufacturer")
    assert grants.api.get("/api/manufacturers/").status_code == 200
    grants.set()  # appended, not projected: the read model still says it may
    assert grants.api.get("/api/manufacturers/").json == DENIED
    grants.set("view_manufacturer")
    assert grants.api.get("/api/manufacturers/").status_code == 200
    rt.commands.update(CATALOG["users"], grants.user, {"is_active": False}, None, partial=True)
    assert grants.api.get("/api/manufacturers/").json == {"detail": "User inactive or deleted."}
    rt.commands.update(CATALOG["users"], grants.user, {"is_active": True, "is_staff": False}, None, partial=True)
    assert grants.api.get("/api/manufacturers/").json == DENIED


def test_the_api_root_lists_what_the_user_may_view(grants, api):
    grants.set()
    assert grants.api.get("/api/").json == {}  # Ralph: a staff user without permissions gets {}
    grants.set("view_manufacturer", "change_datacenterasset")
    assert set(grants.api.get("/api/").json) == {"manufacturers", "data-center-assets"}
    assert len(api.get("/api/").json) == len(SERVED)


def test_options_show_only_the_actions_the_user_may_take(api, grants):
    pk = api.create("manufacturers", {"name": "Dell"})["id"]
    grants.set("view_manufacturer")
    assert "actions" not in grants.api.options("/api/manufacturers/").json
    grants.set("add_manufacturer")
    assert set(grants.api.options("/api/manufacturers/").json["actions"]["POST"]) >= {"name"}
    assert "actions" not in grants.api.options(f"/api/manufacturers/{pk}/").json
    grants.set("change_manufacturer")
    assert "PUT" in grants.api.options(f"/api/manufacturers/{pk}/").json["actions"]
    assert "actions" not in grants.api.options(f"/api/manufacturers/{pk + 1}/").json  # no record, no PUT (DRF)


def test_history_and_the_feed_follow_view_permissions(api, grants):
    maker = api.create("manufacturers", {"name": "Dell"})["id"]
    api.create("budget-info", {"name": "B1"})
    grants.set("view_budgetinfo")
    assert grants.api.get(f"/api/manufacturers/{maker}/history/").json == DENIED
    assert grants.api.get("/api/events/", {"resource": "manufacturers"}).json == DENIED
    feed = grants.api.get("/api/events/", {"limit": "1000"}).json["results"]
    assert {e["resource"] for e in feed} == {"budget-info"}
    grants.set("view_manufacturer")
    assert grants.api.get(f"/api/manufacturers/{maker}/history/").json["count"] == 1


def test_a_transition_run_needs_the_change_permission_on_the_model(api, grants):
    asset = Builder(api).create(CATALOG["back-office-assets"])["id"]
    made = api.post("/api/transitions/", {"name": "lose", "model": "back_office.backofficeasset",
                                          "source": ["new"], "target": "damaged", "actions": []})
    assert made.status_code == 201, made.text
    run = f"/api/back_office/backofficeasset/{asset}/transitions/lose/"
    grants.set("view_backofficeasset", "view_transition")
    assert grants.api.post(run, {}).json == DENIED
    assert grants.api.post("/api/back_office/backofficeasset/transitions/lose/", {"ids": [asset]}).json == DENIED
    assert api.get(f"/api/back-office-assets/{asset}/").json["status"] == "new"
    grants.set("change_backofficeasset")
    assert grants.api.post(run, {}).status_code == 201
    assert api.get(f"/api/back-office-assets/{asset}/").json["status"] == "damaged"


def test_a_login_costs_the_same_for_an_unknown_username(rt, client):
    make_user(rt, "known", "right", is_staff=True)

    def timed(username: str) -> float:
        started = time.perf_counter()
        answer = client.simulate_get("/api/", headers=basic(username, "wrong"))
        assert answer.status_code == 401
        return time.perf_counter() - started

    for name in ("known", "nobody"):  # warm both paths
        timed(name)
    known = statistics.median(timed("known") for _ in range(7))
    unknown = statistics.median(timed("nobody") for _ in range(7))
    assert unknown > 0.5 * known, (known, unknown)  # a password hash either way (without: 100x faster)
