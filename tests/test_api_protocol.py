"""Protocol rules of Ralph's API: auth, versions, formats, pages, ordering, OPTIONS."""

from __future__ import annotations

from conftest import SECRET, Api, basic, make_user
from payloads import Builder

from commands.catalog import CATALOG
from commands.passwords import api_token

H = "http://falconframework.org"


def test_token_endpoint(rt, client):
    make_user(rt, "alice", "pw", is_staff=True)
    first = client.simulate_post("/api-token-auth/", json={"username": "alice", "password": "pw"})
    assert first.status_code == 200
    token = first.json["token"]
    assert len(token) == 40 and int(token, 16) >= 0
    again = client.simulate_post("/api-token-auth/", params=None,
                                 body="username=alice&password=pw",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert again.json == {"token": token}
    wrong = client.simulate_post("/api-token-auth/", json={"username": "alice", "password": "nope"})
    assert wrong.status_code == 400
    assert wrong.json == {"non_field_errors": ["Unable to log in with provided credentials."]}
    empty = client.simulate_post("/api-token-auth/", json={})
    assert empty.json == {"username": ["This field is required."], "password": ["This field is required."]}
    get = client.simulate_get("/api-token-auth/")
    assert get.status_code == 405 and get.json == {"detail": 'Method "GET" not allowed.'}


def test_authentication_failures(rt, client):
    make_user(rt, "bob", "pw", ("view_manufacturer",), is_staff=True)
    cases = [
        ({}, "Authentication credentials were not provided."),
        ({"Authorization": "Token " + "0" * 40}, "Invalid token."),
        ({"Authorization": "Token"}, "Invalid token header. No credentials provided."),
        ({"Authorization": "Token a b"}, "Invalid token header. Token string should not contain spaces."),
        (basic("bob", "wrong"), "Invalid username/password."),
    ]
    for headers, message in cases:
        result = client.simulate_get("/api/manufacturers/", headers=headers)
        assert result.status_code == 401, headers
        assert result.json == {"detail": message}
        assert result.headers["WWW-Authenticate"] == "Token"
    assert client.simulate_get("/api/manufacturers/", headers=basic("bob", "pw")).status_code == 200


def test_inactive_and_non_staff_users(rt, client):
    inactive = make_user(rt, "gone", is_staff=True, is_active=False)
    result = client.simulate_get("/api/", headers={"Authorization": f"Token {api_token(SECRET, inactive)}"})
    assert result.status_code == 401 and result.json == {"detail": "User inactive or deleted."}
    plain = make_user(rt, "plain")
    result = client.simulate_get("/api/", headers={"Authorization": f"Token {api_token(SECRET, plain)}"})
    assert result.status_code == 403
    assert result.json == {"detail": "You do not have permission to perform this action."}


def test_versions_and_negotiation(api):
    assert api.get("/api/manufacturers/", headers={"Accept": "application/json; version=v1"}).status_code == 200
    assert api.get("/api/manufacturers/", headers={"Accept": "*/*"}).status_code == 200
    v2 = api.get("/api/manufacturers/", headers={"Accept": "application/json; version=v2"})
    assert v2.status_code == 406 and v2.json == {"detail": 'Invalid version in "Accept" header.'}
    csv = api.get("/api/manufacturers/", headers={"Accept": "text/csv"})
    assert csv.status_code == 406 and csv.json == {"detail": "Could not satisfy the request Accept header."}


def test_bodies_and_methods(api):
    malformed = api.request("POST", "/api/manufacturers/", body="{bad", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400 and malformed.json["detail"].startswith("JSON parse error - ")
    text = api.request("POST", "/api/manufacturers/", body="x", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415 and text.json == {"detail": 'Unsupported media type "text/plain" in request.'}
    form = api.request("POST", "/api/manufacturers/", body="name=Acme",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 201 and form.json["name"] == "Acme"
    put_list = api.put("/api/manufacturers/", {})
    assert put_list.status_code == 405 and put_list.headers["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert api.get("/api/manufacturers/999/").json == {"detail": "Not found."}
    assert api.get("/api/manufacturers/abc/").status_code == 404


def test_root_lists_every_resource_sorted(api):
    root = api.get("/api/").json
    assert list(root) == sorted(root)
    assert root["data-center-assets"] == f"{H}/api/data-center-assets/"
    assert "asset-models" not in root and "assetmodels" in root
    # Ralph's 82 less dc-hosts, graph and the 3 operations ones, plus domain-contracts and the accessory stock (2)
    assert len(root) == 80


def test_pagination_envelope_and_links(api):
    for n in range(7):
        api.create("budget-info", {"name": f"B{n}"})
    page = api.get("/api/budget-info/", params={"limit": "3", "offset": "3", "name__x": "1"}).json
    assert page["count"] == 7
    assert [r["name"] for r in page["results"]] == ["B3", "B4", "B5"]
    assert page["next"] == f"{H}/api/budget-info/?name__x=1&limit=3&offset=6"
    assert page["previous"] == f"{H}/api/budget-info/?name__x=1&limit=3"
    first = api.get("/api/budget-info/", params={"limit": "abc", "offset": "-5"}).json
    assert len(first["results"]) == 7 and first["previous"] is None and first["next"] is None
    last = api.get("/api/budget-info/", params={"limit": "2", "offset": "6"}).json
    assert last["next"] is None and last["previous"] == f"{H}/api/budget-info/?limit=2&offset=4"


def test_pages_read_from_either_end_agree(api):
    """Pages past the middle are read backwards; every page is still a slice of the whole list."""
    kinds = [api.create("manufacturer-kind", {"name": n})["id"] for n in ("x", "y")]
    kind_of = [kinds[1], None, kinds[0], kinds[0], None, kinds[1], None, kinds[0], kinds[1]]
    ids = [api.create("manufacturers", {"name": f"m{n}", "manufacturer_kind": k})["id"] for n, k in enumerate(kind_of)]
    assert api.delete(f"/api/manufacturers/{ids[4]}/").status_code == 204
    kind = dict(zip(ids, kind_of))
    live = [i for i in ids if i != ids[4]]
    last = max(kinds) + 1  # NULLs sort last ascending, as on PostgreSQL (and Ralph there), on both databases
    rank = {i: kind[i] if kind[i] is not None else last for i in live}
    expected = {None: live, "-id": live[::-1], "manufacturer_kind": sorted(live, key=lambda i: (rank[i], i)),
                "-manufacturer_kind": sorted(live, key=lambda i: (-rank[i], i))}
    for ordering, whole in expected.items():
        params = {"ordering": ordering} if ordering else {}
        for limit in (1, 3, 5):
            for offset in range(10):
                page = api.get("/api/manufacturers/", params=params | {"limit": str(limit), "offset": str(offset)}).json
                assert (page["count"], [r["id"] for r in page["results"]]) == (8, whole[offset:offset + limit])


def test_ordering(api):
    for name in ("b", "c", "a"):
        api.create("manufacturers", {"name": name})
        api.create("budget-info", {"name": name})
    assert [r["name"] for r in api.get("/api/manufacturers/").json["results"]] == ["a", "b", "c"]
    assert [r["name"] for r in api.get("/api/budget-info/").json["results"]] == ["b", "c", "a"]
    desc = api.get("/api/budget-info/", params={"ordering": "-name"}).json["results"]
    assert [r["name"] for r in desc] == ["c", "b", "a"]
    bogus = api.get("/api/manufacturers/", params={"ordering": "bogus,-id"}).json["results"]
    assert [r["name"] for r in bogus] == ["a", "c", "b"]


def test_options(api):
    listing = api.options("/api/manufacturers/").json
    assert listing["name"] == "Manufacturer List"
    assert listing["filtering"] == ["manufacturer_kind", "name"]
    post = listing["actions"]["POST"]
    assert post["name"] == {"type": "string", "required": True, "read_only": False, "label": "Name",
                            "max_length": 255}
    assert post["manufacturer_kind"]["url"] == "/api/manufacturer-kind/"
    assert post["id"] == {"type": "integer", "required": False, "read_only": True, "label": "ID"}
    asset = Builder(api).create(CATALOG["data-center-assets"])["id"]
    assert "actions" not in api.options(f"/api/data-center-assets/{asset + 1000}/").json  # DRF: no object, no PUT
    detail = api.options(f"/api/data-center-assets/{asset}/").json
    assert detail["name"] == "Data Center Asset Instance"
    status = detail["actions"]["PUT"]["status"]
    assert status["type"] == "choice" and status["choices"][1] == {"value": 2, "display_name": "in use"}
    assert "env" in detail["filtering"] and "service" in detail["filtering"]


def test_users_write_needs_superuser(rt, client, api):
    staff = make_user(rt, "staff", permissions=("view_ralphuser", "change_ralphuser"), is_staff=True)
    as_staff = Api(client, api_token(SECRET, staff))
    assert as_staff.get("/api/users/").json["count"] == 2
    assert as_staff.patch(f"/api/users/{staff}/", {"first_name": "S"}).status_code == 403
    created = api.post("/api/users/", {"username": "carol", "password": "pw", "is_staff": True})
    assert created.status_code == 201 and "password" not in created.json
    doc = api.get(f"/api/users/{created.json['id']}/").json
    assert "password" not in doc and doc["username"] == "carol"
    assert api.client.simulate_post("/api-token-auth/", json={"username": "carol", "password": "pw"}).status_code == 200


def test_missing_slash_redirects_and_unknown_urls_are_404(api):
    moved = api.get("/api/manufacturers", params={"limit": "1"})
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"{H}/api/manufacturers/?limit=1"
    assert api.post("/api/manufacturers", {"name": "x"}).status_code == 404
    assert api.get("/api/nothing-here/").json == {"detail": "Not found."}


def test_groups_and_permissions(api):
    group = api.post("/api/groups/", {"name": "dc-admins",
                                      "permissions": ["view_datacenterasset", "data_center.change_rack"]})
    assert group.status_code == 201, group.text
    assert group.json["permissions"] == ["change_rack", "view_datacenterasset"]
    gid = group.json["id"]
    assert api.get(f"/api/groups/{gid}/").json == {"id": gid, "url": f"{H}/api/groups/{gid}/", "name": "dc-admins",
                                                   "permissions": ["change_rack", "view_datacenterasset"]}
    bad = api.patch(f"/api/groups/{gid}/", {"permissions": ["fly_rack"]})
    assert bad.json == {"permissions": ["Object with codename=fly_rack does not exist."]}
    user = api.post("/api/users/", {"username": "dave", "password": "pw", "groups": [gid]})
    assert user.status_code == 201
    assert "groups" not in api.get(f"/api/users/{user.json['id']}/").json
    assert [u["username"] for u in api.get("/api/users/", params={"groups": str(gid)}).json["results"]] == ["dave"]
