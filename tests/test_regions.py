"""Ralph's region-restricted visibility (spec API.md §8 item 5; Ralph's ``PermissionsForObjectFilter``,
``ObjectPermissionsMixin`` and ``RelatedObjectsPermissionsSerializerMixin`` over ``accounts.Region`` and the
Regionalizable models). Both backends.

A staff user in region A sees A's back-office assets and licences and region A itself, nothing of region B: left
out of lists, 404 on its own, ``Invalid pk`` when a write names it. Access cards also have a region but are not
restricted; superusers see everything.
"""

from __future__ import annotations

import itertools

import pytest
from conftest import SECRET, Api, make_user
from payloads import Builder
from sqlalchemy import event

from commands.catalog import CATALOG
from commands.passwords import api_token

NOT_FOUND = {"detail": "Not found."}
DENIED = {"detail": "You do not have permission to perform this action."}
MODELS = ("backofficeasset", "licence", "region", "accesscard", "baseobjectlicence", "customfieldvalue",
          "baseobject")
UNIQUE = {"licences": "niw"}  # a unique field that the builder leaves at its default
_numbers = itertools.count(1)
GRANTS = tuple(f"{action}_{model}" for model in MODELS for action in ("view", "add", "change", "delete"))


def invalid(pk) -> list[str]:
    return [f'Invalid pk "{pk}" - object does not exist.']


class World:
    """Regions A and B; back-office assets (A: 2, B: 1), licences (A: 1, B: 2) and access cards (one each), made
    by the superuser ``root``; ``alice`` (staff, regions [A]) and ``bob`` (staff, no regions) hold every
    permission on these models."""

    def __init__(self, rt, client, root: Api):
        self.rt, self.root = rt, root
        self.a = root.create("regions", {"name": "A"})["id"]
        self.b = root.create("regions", {"name": "B"})["id"]
        self.builder = Builder(root)
        self.builder.made["regions"] = self.a  # what the builder's bodies name unless told otherwise
        self.assets = {region: [self.make("back-office-assets", region)["id"] for _ in range(n)]
                       for region, n in ((self.a, 2), (self.b, 1))}
        self.licences = {region: [self.make("licences", region)["id"] for _ in range(n)]
                         for region, n in ((self.a, 1), (self.b, 2))}
        self.cards = {region: self.make("access-card", region)["id"] for region in (self.a, self.b)}
        self.alice_id = make_user(rt, "alice", permissions=GRANTS, is_staff=True, regions=[self.a])
        self.alice = Api(client, api_token(SECRET, self.alice_id))
        self.bob = Api(client, api_token(SECRET, make_user(rt, "bob", permissions=GRANTS, is_staff=True)))

    def body(self, resource: str, region: int) -> dict:
        unique = {UNIQUE[resource]: f"unique-{next(_numbers)}"} if resource in UNIQUE else {}
        return self.builder.body(CATALOG[resource], full=False) | unique | {"region": region}

    def make(self, resource: str, region: int) -> dict:
        return self.root.create(resource, self.body(resource, region))


@pytest.fixture
def world(rt, client, api) -> World:
    return World(rt, client, api)


def ids(api: Api, prefix: str, **params) -> tuple[int, list[int]]:
    """(count, ids of the page) of a list."""
    found = api.get(f"/api/{prefix}/", params={"limit": "100", **params})
    assert found.status_code == 200, found.text
    return found.json["count"], [r["id"] for r in found.json["results"]]


def test_lists_hold_only_the_users_regions_and_superusers_see_all(world):
    a, b = world.a, world.b
    assert ids(world.alice, "back-office-assets") == (2, world.assets[a])
    assert ids(world.alice, "licences") == (1, world.licences[a])
    assert ids(world.alice, "regions") == (1, [a])
    assert ids(world.alice, "back-office-assets", region=str(b)) == (0, [])  # a filter cannot reach around it
    assert ids(world.alice, "licences", ordering="-id", offset="0") == (1, world.licences[a])
    assert ids(world.root, "back-office-assets") == (3, world.assets[a] + world.assets[b])
    assert ids(world.root, "licences") == (3, world.licences[a] + world.licences[b])
    assert ids(world.root, "regions") == (2, [a, b])


def test_a_user_without_regions_sees_none(world):
    for prefix in ("back-office-assets", "licences", "regions"):
        assert ids(world.bob, prefix) == (0, []), prefix
    assert world.bob.get(f"/api/back-office-assets/{world.assets[world.a][0]}/").json == NOT_FOUND
    assert world.bob.get(f"/api/regions/{world.a}/").json == NOT_FOUND


def test_another_regions_record_is_missing_for_the_user(world):
    a, b = world.a, world.b
    hidden = [f"/api/back-office-assets/{world.assets[b][0]}/", f"/api/licences/{world.licences[b][0]}/",
              f"/api/regions/{b}/"]
    shown = [f"/api/back-office-assets/{world.assets[a][0]}/", f"/api/licences/{world.licences[a][0]}/",
             f"/api/regions/{a}/"]
    for path in hidden:
        before = world.root.get(path).json
        answers = [world.alice.get(path), world.alice.get(path, params={"as_of": "2100-01-01T00:00:00Z"}),
                   world.alice.get(f"{path}history/"), world.alice.put(path, before),
                   world.alice.patch(path, {"remarks": "mine", "name": "mine"}), world.alice.delete(path)]
        assert [(r.status_code, r.json) for r in answers] == [(404, NOT_FOUND)] * 6, path
        assert world.alice.request("HEAD", path).status_code == 404
        assert world.root.get(path).json == before  # nothing written
    for path in shown:
        assert world.alice.get(path).status_code == 200, path
        assert world.alice.get(f"{path}history/").json["count"] == 1, path
    assert world.alice.patch(shown[0], {"remarks": "mine"}).json["remarks"] == "mine"


def test_custom_fields_of_another_regions_record_are_missing(world):
    world.root.create("custom-fields", {"name": "size", "type": "string", "choices": []})
    mine, theirs = world.assets[world.a][0], world.assets[world.b][0]
    for pk in (mine, theirs):
        world.root.create(f"back-office-assets/{pk}/customfields", {"custom_field": "size", "value": str(pk)})
    value = world.root.get(f"/api/back-office-assets/{theirs}/customfields/").json["results"][0]["id"]
    base = f"/api/back-office-assets/{theirs}/customfields/"
    answers = [world.alice.get(base), world.alice.post(base, {"custom_field": "size", "value": "x"}),
               world.alice.get(f"{base}{value}/"), world.alice.patch(f"{base}{value}/", {"value": "x"}),
               world.alice.delete(f"{base}{value}/")]
    assert [(r.status_code, r.json) for r in answers] == [(404, NOT_FOUND)] * 5
    assert world.alice.get(f"/api/back-office-assets/{mine}/customfields/").json["count"] == 1
    assert world.root.get(f"/api/back-office-assets/{theirs}/").json["custom_fields"] == {"size": str(theirs)}


def test_writes_may_not_name_another_regions_records(world):
    a, b = world.a, world.b
    before = ids(world.root, "back-office-assets")
    made = world.alice.post("/api/back-office-assets/", world.body("back-office-assets", b))
    assert (made.status_code, made.json) == (400, {"region": invalid(b)})
    assert ids(world.root, "back-office-assets") == before
    mine = world.assets[a][0]
    moved = world.alice.patch(f"/api/back-office-assets/{mine}/", {"region": str(b)})
    assert (moved.status_code, moved.json) == (400, {"region": invalid(str(b))})
    licence = world.alice.post("/api/licences/", world.body("licences", b))
    assert (licence.status_code, licence.json) == (400, {"region": invalid(b)})
    card = world.alice.post("/api/access-card/", world.body("access-card", b))  # a region it names: restricted
    assert (card.status_code, card.json) == (400, {"region": invalid(b)})
    link = {"licence": world.licences[b][0], "base_object": mine}
    linked = world.alice.post("/api/base-objects-licences/", link)
    assert (linked.status_code, linked.json) == (400, {"licence": invalid(world.licences[b][0])})
    assert world.alice.post("/api/back-office-assets/", world.body("back-office-assets", a)).status_code == 201
    assert world.alice.post("/api/base-objects-licences/", link | {"licence": world.licences[a][0]}).status_code == 201
    assert world.root.post("/api/back-office-assets/", world.body("back-office-assets", b)).status_code == 201
    assert world.root.post("/api/base-objects-licences/", link).json == {  # not restricted; BaseObjectLicence.clean
        "non_field_errors": ["Asset region is in a different region than licence."]}
    theirs = {"licence": world.licences[b][0], "base_object": world.assets[b][0]}
    assert world.root.post("/api/base-objects-licences/", theirs).status_code == 201
    assert ids(world.root, "back-office-assets")[0] == 5


def test_access_cards_are_not_restricted(world):
    a, b = world.a, world.b
    count, listed = ids(world.alice, "access-card")
    assert (count, sorted(listed)) == (2, [world.cards[a], world.cards[b]])
    assert ids(world.bob, "access-card")[0] == 2
    card = world.alice.get(f"/api/access-card/{world.cards[b]}/")
    assert (card.status_code, card.json["region"]["id"]) == (200, b)
    assert world.alice.patch(f"/api/access-card/{world.cards[b]}/", {"notes": "seen"}).status_code == 200
    assert world.alice.get(f"/api/back-office-assets/{world.assets[b][0]}/").json == NOT_FOUND  # same region


def test_base_objects_list_everything_but_refuse_another_regions_object(world):
    a, b = world.a, world.b
    listed = set(ids(world.alice, "base-objects")[1])  # Ralph's BaseObject queryset is not filtered
    assert set(world.assets[b] + world.licences[b] + world.assets[a]) <= listed
    theirs = world.alice.get(f"/api/base-objects/{world.assets[b][0]}/")
    assert (theirs.status_code, theirs.json) == (403, DENIED)  # the object check refuses it
    assert world.alice.get(f"/api/base-objects/{world.licences[b][0]}/").json == DENIED
    assert world.alice.get(f"/api/base-objects/{world.assets[a][0]}/").status_code == 200
    assert world.root.get(f"/api/base-objects/{world.assets[b][0]}/").status_code == 200


def test_a_change_of_the_users_regions_counts_at_the_next_request(world):
    path = f"/api/licences/{world.licences[world.b][0]}/"
    assert world.alice.get(path).json == NOT_FOUND
    world.rt.commands.update(CATALOG["users"], world.alice_id, {"regions": [world.a, world.b]}, None, partial=True)
    assert world.alice.get(path).status_code == 200  # appended, not projected: users are read from the store
    assert ids(world.alice, "licences")[0] == 3
    world.rt.commands.update(CATALOG["users"], world.alice_id, {"regions": []}, None, partial=True)
    assert ids(world.alice, "licences") == (0, [])


def test_a_restricted_page_of_100_is_two_statements(rt, world):
    with rt.commands.deferred():
        for _ in range(110):
            rt.commands.create(CATALOG["back-office-assets"], world.body("back-office-assets", world.a), None)
        position = rt.commands.flush()
    assert rt.dispatcher.wait_for(position)
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(rt.read_engine, "before_cursor_execute", record)
    try:
        count, page = ids(world.alice, "back-office-assets")
    finally:
        event.remove(rt.read_engine, "before_cursor_execute", record)
    assert (count, len(page)) == (112, 100)
    assert world.assets[world.b][0] not in page
    assert len([s for s in statements if "read_back_office_assets" in s]) == 2


def test_the_event_feed_leaves_out_records_the_user_may_not_see(world):
    feed = world.alice.get("/api/events/", params={"limit": "1000"}).json["results"]
    seen = {(e["resource"], e["id"]) for e in feed if e["resource"] in ("back-office-assets", "licences", "regions")}
    a = world.a
    assert seen == {("regions", a)} | {("back-office-assets", pk) for pk in world.assets[a]} | {
        ("licences", pk) for pk in world.licences[a]}
    hidden = world.assets[world.b][0]
    scoped = world.alice.get("/api/events/", params={"resource": "back-office-assets", "id": str(hidden)})
    assert scoped.json["results"] == []
    assert len(world.root.get("/api/events/", params={"resource": "back-office-assets", "id": str(hidden)})
               .json["results"]) == 1


def test_options_offer_put_only_for_a_record_the_user_can_get(world):
    mine, other = world.assets[world.a][0], world.assets[world.b][0]
    assert "actions" in world.alice.options(f"/api/back-office-assets/{mine}/").json
    hidden = world.alice.options(f"/api/back-office-assets/{other}/")
    assert hidden.status_code == 200 and "actions" not in hidden.json  # DRF: get_object() failed, no PUT
    assert "actions" not in world.root.options("/api/back-office-assets/999999/").json
