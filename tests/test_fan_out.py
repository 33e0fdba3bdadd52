"""A rename that many records show: the batch renders what it can at once, the rest follows a chunk at a time
between later batches (projections/projector.py ``_defer``/``render_pending``), so no other write waits for it.

The test settings defer beyond :data:`FAN_OUT` nesting records (``RALPH_ES_FAN_OUT``, also for the worker).
"""

import time

import pytest

from commands.catalog import CATALOG
from projections.generations import generations
from projections.projector import Projector
from conftest import FAN_OUT

RACKED = FAN_OUT + 5


def _rack(api) -> dict:
    dc = api.create("data-centers", {"name": "DC-old"})["id"]
    room = api.create("server-rooms", {"name": "room", "data_center": dc})["id"]
    rack = api.create("racks", {"name": "rack", "server_room": room})["id"]
    maker = api.create("manufacturers", {"name": "Dell"})["id"]
    model = api.create("assetmodels", {"name": "R640", "type": "data center", "manufacturer": maker})["id"]
    holder = api.create("assetholders", {"name": "Allegro"})["id"]
    assets = [api.create("data-center-assets", {"hostname": f"h{i}", "sn": f"SN-{i}", "rack": rack, "position": i + 1,
                                                "model": model, "property_of": holder})["id"] for i in range(RACKED)]
    return {"dc": dc, "room": room, "rack": rack, "assets": assets}


def pending(rt) -> int:
    """What ``projections status`` shows as pending renders."""
    return generations(rt.projector)[0].pending


def _shown(api) -> list[str]:
    page = api.get("/api/data-center-assets/", params={"limit": "1000"}).json
    return sorted({a["rack"]["server_room"]["data_center"]["name"] for a in page["results"]})


def test_a_rename_reaches_every_record_that_shows_it(rt, api):
    placed = _rack(api)
    assert api.patch(f"/api/data-centers/{placed['dc']}/", {"name": "DC-new"}).status_code == 200
    assert api.get(f"/api/data-centers/{placed['dc']}/").json["name"] == "DC-new"  # the record itself: at once
    assert api.get(f"/api/server-rooms/{placed['room']}/").json["data_center"]["name"] == "DC-new"
    deadline = time.monotonic() + 20  # embedded: the writer rendered them before answering; else the worker
    while _shown(api) != ["DC-new"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _shown(api) == ["DC-new"]
    assert pending(rt) == 0
    assert api.get("/api/data-center-assets/", params={"rack__server_room__data_center__name": "DC-new"}
                   ).json["count"] == RACKED


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the projector in hand: no worker runs
def test_deferred_records_are_queued_with_the_batch_and_rendered_in_chunks(rt, api):
    placed = _rack(api)
    first = placed["assets"][0]
    api.create("ethernets", {"base_object": first, "mac": "02:00:00:00:00:01"})
    dcs = CATALOG["data-centers"]
    rt.commands.atomic(lambda batch: rt.commands.change(dcs, rt.commands.load(dcs, placed["dc"]), {"name": "DC-new"},
                                                        None, batch))
    rt.projector.catch_up()  # the batch alone: the assets wait
    assert pending(rt) == RACKED
    assert _shown(api) == ["DC-old"]
    assert api.get(f"/api/racks/{placed['rack']}/").json["server_room"]["data_center"]["name"] == "DC-new"
    assert rt.projector.render_pending(limit=RACKED - 2) == RACKED - 2
    assert pending(rt) == 2 and _shown(api) == ["DC-new", "DC-old"]
    assert rt.projector.render_pending() == 2 and rt.projector.render_pending() == 0
    assert _shown(api) == ["DC-new"]
    shown = api.get(f"/api/data-center-assets/{first}/").json  # rendered again with what it lists
    assert [e["mac"] for e in shown["ethernet"]] == ["02:00:00:00:00:01"] and shown["disk"] == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # two projectors in hand: no worker runs
def test_a_chunk_reuses_what_the_one_before_read_only_while_nothing_was_projected(rt, api):
    """Chunks reuse the nested records' values the chunk before read; another projector moving the position in
    between (here: the room renamed) makes the next chunk read them again."""
    placed = _rack(api)
    dcs, rooms = CATALOG["data-centers"], CATALOG["server-rooms"]
    rt.commands.atomic(lambda batch: rt.commands.change(dcs, rt.commands.load(dcs, placed["dc"]), {"name": "DC-new"},
                                                        None, batch))
    rt.projector.catch_up()
    assert rt.projector.render_pending(limit=2) == 2
    rt.commands.atomic(lambda batch: rt.commands.change(rooms, rt.commands.load(rooms, placed["room"]),
                                                        {"name": "room-new"}, None, batch))
    other = Projector(rt.write_engine, rt.store)
    other.catch_up()  # the rename's batch, by another projector of the same read model
    while rt.projector.render_pending():
        pass
    page = api.get("/api/data-center-assets/", params={"limit": "1000"}).json["results"]
    assert {(a["rack"]["server_room"]["name"], a["rack"]["server_room"]["data_center"]["name"]) for a in page} == {
        ("room-new", "DC-new")}
