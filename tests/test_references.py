"""The reference index: who points at whom, kept with the events and rebuilt from them when behind."""

from __future__ import annotations

from payloads import Builder
from sqlalchemy import delete, select, update

from commands.catalog import CATALOG
from commands.references import coverage, references


def _rows(rt) -> set[tuple]:
    with rt.store.references.engine.connect() as conn:
        return set(conn.execute(select(references)).tuples())


def _forget(rt) -> None:
    """Empty the index, as in a store written before it existed."""
    with rt.store.references.engine.begin() as conn:
        conn.execute(delete(references))
        conn.execute(update(coverage).values(position=0))


def test_rows_follow_creates_updates_and_deletes(api, rt):
    first = api.create("manufacturers", {"name": "A"})["id"]
    second = api.create("manufacturers", {"name": "B"})["id"]
    model = api.create("assetmodels", {"name": "M", "type": "data center", "manufacturer": first})["id"]
    assert _rows(rt) == {("manufacturers", first, "assetmodels", model, "manufacturer")}
    assert api.patch(f"/api/assetmodels/{model}/", {"manufacturer": second}).status_code == 200
    assert _rows(rt) == {("manufacturers", second, "assetmodels", model, "manufacturer")}
    assert api.delete(f"/api/manufacturers/{first}/").status_code == 204  # nothing points at it any more
    assert api.delete(f"/api/assetmodels/{model}/").status_code == 204
    assert _rows(rt) == set()


def test_many_to_many_items_and_their_clean_up(api, rt):
    builder = Builder(api)
    zones = [api.create("access-zone", {"name": f"zone-{n}", "parent": None})["id"] for n in range(2)]
    body = builder.body(CATALOG["access-card"], full=False) | {"access_zones": zones, "user": None, "owner": None}
    card = api.create("access-card", body)
    region = card["region"]
    assert _rows(rt) == {("access-zone", zones[0], "access-card", card["id"], "access_zones"),
                         ("access-zone", zones[1], "access-card", card["id"], "access_zones"),
                         ("regions", region, "access-card", card["id"], "region")}
    assert api.delete(f"/api/access-zone/{zones[1]}/").status_code == 204  # taken out of the card's list
    assert api.get(f"/api/access-card/{card['id']}/").json["access_zones"] == [
        {"id": zones[0], "name": "zone-0", "parent": None, "description": None,
         "ui_url": f"http://falconframework.org/access_cards/accesszone/{zones[0]}/change/"}]
    assert _rows(rt) == {("access-zone", zones[0], "access-card", card["id"], "access_zones"),
                         ("regions", region, "access-card", card["id"], "region")}


def test_custom_field_values_are_generic_references(api, rt):
    field = api.create("custom-fields", {"name": "owner", "type": "string", "choices": []})["id"]
    maker = api.create("manufacturers", {"name": "A"})["id"]
    model = api.create("assetmodels", {"name": "M", "type": "data center", "manufacturer": maker})["id"]
    value = api.create(f"assetmodels/{model}/customfields", {"custom_field": field, "value": "ops"})["id"]
    assert ("base_object", model, "customfieldvalues", value, "object_id") not in _rows(rt)
    assert ("assetmodels", model, "customfieldvalues", value, "object_id") in _rows(rt)
    assert ("custom-fields", field, "customfieldvalues", value, "custom_field") in _rows(rt)
    assert api.delete(f"/api/assetmodels/{model}/").status_code == 204  # its value goes with it (cascade)
    assert _rows(rt) == set()


def test_an_index_behind_the_store_catches_up_from_the_events(api, rt):
    """A store from before the index (or restored from its events): DELETE still decides right."""
    maker = api.create("manufacturers", {"name": "A"})["id"]
    models = [api.create("assetmodels", {"name": f"M{n}", "type": "data center", "manufacturer": maker})["id"]
              for n in range(3)]
    assert api.delete(f"/api/assetmodels/{models[2]}/").status_code == 204
    kept = _rows(rt)
    _forget(rt)
    api.create("manufacturers", {"name": "written while behind"})  # leaves the coverage where it is
    assert _rows(rt) == set()
    refused = api.delete(f"/api/manufacturers/{maker}/")
    assert refused.status_code == 409
    assert refused.json["referenced_by"] == {"assetmodels": models[:2]}
    assert _rows(rt) == kept == {("manufacturers", maker, "assetmodels", pk, "manufacturer") for pk in models[:2]}
    with rt.store.references.engine.connect() as conn:
        assert conn.execute(select(coverage.c.position)).scalar() == rt.projector.head()
