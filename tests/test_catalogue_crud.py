"""Generated round trips: every catalogued resource, on both backends.

For each resource the body comes from its declaration (tests/payloads.py):
create -> detail -> list -> PATCH -> PUT -> DELETE, plus OPTIONS, or Ralph's
405 where Ralph does not allow the method.
"""

from __future__ import annotations

import pytest
from payloads import RULES, Builder, sample

from commands.catalog import RESOURCES, Resource

H = "http://falconframework.org"
ROUTED = [r for r in RESOURCES if not r.internal]
WRITABLE = [r for r in ROUTED if "POST" in r.methods]
READ_ONLY = [r for r in ROUTED if "POST" not in r.methods]
#: Read-only resources whose records every store has from the start (tests/test_transitions.py).
SEEDED = {"transitions-model", "transitions-action"}


def _scalar(res: Resource):
    """A writable scalar field to PATCH (prefer optional ones)."""
    kinds = ("string", "text", "int", "bool", "decimal", "float", "date")
    fields = [f for f in res.writable_fields if f.kind in kinds and not f.unique]
    return next((f for f in fields if not f.required), fields[0] if fields else None)


@pytest.mark.parametrize("res", WRITABLE, ids=lambda r: r.name)
def test_round_trip(api, res):
    builder = Builder(api)
    body = builder.body(res, full=True)
    created = api.post(f"/api/{res.name}/", body)
    assert created.status_code == 201, created.text
    pk = created.json["id"]
    assert list(created.json) == [f.name for f in res.write_fields]
    assert created.json["ui_url" if "ui_url" in created.json else "id"] is not None

    detail = api.get(f"/api/{res.name}/{pk}/")
    assert detail.status_code == 200, detail.text
    doc = detail.json
    assert list(doc) == [f.name for f in res.read_fields]
    assert doc["id"] == pk
    if "url" in doc:
        assert doc["url"] == f"{H}/api/{res.name}/{pk}/"
    for f in res.read_fields:
        if f.kind in ("string", "int", "bool", "float", "ip", "mac") and f.writable and f.name in body:
            sent = body[f.name]
            assert doc[f.name] == (sent.strip() if isinstance(sent, str) else sent) or f.kind == "mac", f.name
        if f.kind == "choice" and f.writable and f.name in body:
            assert doc[f.name] == body[f.name]

    listing = api.get(f"/api/{res.name}/", params={"limit": "1000"}).json
    assert pk in [item["id"] for item in listing["results"]]
    assert listing["count"] == len(listing["results"])

    if "PATCH" not in res.methods:
        for method in ("PATCH", "PUT", "DELETE"):
            result = api.request(method, f"/api/{res.name}/{pk}/", json={})
            assert result.status_code == 405 and result.headers["Allow"] == ", ".join(
                m for m in res.methods if m != "POST")
        return
    field = _scalar(res)
    if field is not None:
        new = sample(field, 999)
        always = RULES[res.name](999, builder) if res.prepare_hooks else {}  # what such a body always needs
        patched = api.patch(f"/api/{res.name}/{pk}/", {**always, field.name: new})
        assert patched.status_code == 200, patched.text
        assert api.get(f"/api/{res.name}/{pk}/").json[field.name] == new

    put = api.put(f"/api/{res.name}/{pk}/", builder.body(res, full=True))
    assert put.status_code == 200, put.text

    assert api.delete(f"/api/{res.name}/{pk}/").status_code == 204
    assert api.get(f"/api/{res.name}/{pk}/").status_code == 404


@pytest.mark.parametrize("res", ROUTED, ids=lambda r: r.name)
def test_options_and_methods(api, res):
    result = api.options(f"/api/{res.name}/")
    if "OPTIONS" not in res.methods:
        assert result.status_code == 405
        return
    assert result.status_code == 200
    meta = result.json
    assert meta["filtering"] == res.filtering
    if "POST" in res.methods:
        assert set(meta["actions"]["POST"]) == {f.name for f in res.write_fields} | {
            f.name for f in res.fields if f.kind == "password"}
    else:
        assert "actions" not in meta
        assert api.post(f"/api/{res.name}/", {}).status_code == 405


@pytest.mark.parametrize("res", [r for r in READ_ONLY if r.name not in SEEDED], ids=lambda r: r.name)
def test_read_only_resources_list(api, res):
    result = api.get(f"/api/{res.name}/")
    assert result.status_code == 200
    assert result.json == {"count": 0, "next": None, "previous": None, "results": []}


def test_root_lists_every_catalogued_resource(api):
    assert sorted(api.get("/api/").json) == sorted(r.name for r in ROUTED)


def test_every_implied_route_is_served(rt):
    """List, detail and history routes for each prefix and alias; custom-field routes where records carry them."""
    from falcon import inspect

    from api.app import create_app

    served = {route.path for route in inspect.inspect_app(create_app(rt)).routes}
    expected = {"/api/", "/api-token-auth/", "/api/health/", "/api/events/", "/api/schema/",
                "/api-auth/login/", "/api-auth/logout/"}
    pk = "int(min=0, max=9223372036854775807)"  # what a 64-bit id holds; any other number: 404
    expected.add(f"/api/users/{{pk:{pk}}}/rotate-token/")  # issue 13
    for res in ROUTED:
        for prefix in (res.name, *res.aliases):
            expected |= {f"/api/{prefix}/", f"/api/{prefix}/{{pk}}/" if res.key else f"/api/{prefix}/{{pk:{pk}}}/"}
            if not res.key:  # a record's history (issue 12)
                expected.add(f"/api/{prefix}/{{pk:{pk}}}/history/")
            if res.has_custom_fields and not res.polymorphic:
                expected |= {f"/api/{prefix}/{{pk:{pk}}}/customfields/",
                             f"/api/{prefix}/{{pk:{pk}}}/customfields/{{item:{pk}}}/"}
        if res.transitions:  # Ralph's transition routes, by content type
            base = f"/api/{res.app_label}/{res.model_name}"
            expected |= {f"{base}/{{pk:{pk}}}/transitions/", f"{base}/{{pk:{pk}}}/transitions/{{key}}/",
                         f"{base}/transitions/{{key}}/"}
    expected |= {f"/api/transition/{{pk:{pk}}}/{{obj_pk}}", f"/api/transitions/{{pk:{pk}}}/{{obj_pk}}",
                 f"/api/transitions-history/{{pk:{pk}}}/attachments/{{item:{pk}}}/"}
    assert served == expected
