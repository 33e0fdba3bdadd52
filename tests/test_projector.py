"""The projector: exactly-once application, atomic batches, faithful rebuilds."""

from __future__ import annotations

import re
import subprocess
import sys

import msgspec
import pytest
from conftest import ROOT, service_env, snapshot
from sqlalchemy import event, inspect, select, text

from commands.catalog import CATALOG, RESOURCES
from commands.config import Settings
from projections.generations import rebuild
from projections.projector import Projector
from projections.tables import ReadSchema
from workers.runtime import Runtime


def _seed(rt):
    create = rt.commands.create
    m = create(CATALOG["manufacturers"], {"name": "Dell"}, None).pk
    model = create(CATALOG["assetmodels"], {"name": "R1", "type": 2, "manufacturer": m}, None).pk
    dc = create(CATALOG["data-centers"], {"name": "DC"}, None).pk
    room = create(CATALOG["server-rooms"], {"name": "SR", "data_center": dc}, None).pk
    rack = create(CATALOG["racks"], {"name": "R", "server_room": room, "require_position": False}, None).pk
    holder = create(CATALOG["assetholders"], {"name": "Allegro"}, None).pk
    for n in range(3):
        create(CATALOG["data-center-assets"], {"hostname": f"h{n}", "sn": f"s{n}", "model": model, "rack": rack,
                                              "property_of": holder, "tags": ["t"]}, None)
    last = create(CATALOG["data-center-assets"], {"hostname": "h3", "sn": "s3", "model": model, "rack": rack,
                                                  "property_of": holder}, None).pk
    rt.commands.update(CATALOG["manufacturers"], m, {"name": "Dell EMC"}, None, partial=True)
    return rt.commands.delete(CATALOG["data-center-assets"], last, None)


def test_catch_up_is_idempotent(rt):
    position = _seed(rt)
    assert rt.dispatcher.wait_for(position)
    before = snapshot(rt)
    assert before["position"] == rt.projector.head() == position
    assert rt.projector.catch_up() == position
    assert snapshot(rt) == before


@pytest.fixture
def embedded(tmp_path):
    """An embedded runtime whose projector this test drives by hand."""
    runtime = Runtime(Settings(database_url=f"sqlite:///{tmp_path}/p.db", redis_url=None, secret_key="k"))
    yield runtime
    runtime.close()


def test_a_failing_batch_leaves_nothing_behind(embedded, monkeypatch):
    rt = embedded
    projector = Projector(rt.write_engine, rt.store, rt.schema)
    start = projector.position()  # the transition models and actions every store starts with
    rt.commands.create(CATALOG["manufacturers"], {"name": "A"}, None)

    def boom(*args):
        raise RuntimeError("crash while rendering")

    monkeypatch.setattr(projector, "_render", boom)
    assert projector.catch_up() == start  # stalled before the first new event, which is recorded
    assert projector.position() == start
    assert snapshot(rt)["read_manufacturers"] == []
    assert projector.failure()["error"] == "RuntimeError: crash while rendering"
    monkeypatch.undo()
    fixed = Projector(rt.write_engine, rt.store, rt.schema)  # a new release: no back-off to wait out
    assert fixed.catch_up() == rt.projector.head()
    assert len(snapshot(rt)["read_manufacturers"]) == 1
    assert fixed.failure() is None


def test_counts_follow_creates_and_deletes(rt):
    assert rt.dispatcher.wait_for(_seed(rt))
    counts = rt.schema.counts
    with rt.read_engine.connect() as conn:
        kept = {name: rows for name, rows in conn.execute(select(counts.c.name, counts.c.rows))
                if rows and name not in ("transitions-model", "transitions-action")}  # every store has those
    assert kept == {"manufacturers": 1, "assetmodels": 1, "data-centers": 1, "server-rooms": 1, "racks": 1,
                    "assetholders": 1, "data-center-assets": 3, "base-objects": 3}


def test_a_missing_count_is_taken_from_the_table(rt, api):
    """A read model from before counts existed: lists count rows, the next batch stores every count."""
    assert rt.dispatcher.wait_for(_seed(rt))
    counts = rt.schema.counts
    with rt.write_engine.begin() as conn:
        conn.execute(counts.delete())
    assert api.get("/api/data-center-assets/").json["count"] == 3
    holder = api.get("/api/assetholders/").json["results"][0]["id"]
    api.create("data-center-assets", {"hostname": "h9", "sn": "s9", "model": 1, "rack": 1, "property_of": holder})
    with rt.read_engine.connect() as conn:
        kept = dict(conn.execute(select(counts.c.name, counts.c.rows)).all())
    assert len(kept) == len([r for r in RESOURCES if not r.polymorphic]) + 1  # and "base-objects"
    assert (kept["data-center-assets"], kept["base-objects"], kept["manufacturers"], kept["racks"]) == (4, 4, 1, 1)
    assert api.get("/api/base-objects/").json["count"] == 4


def test_position_moves_only_by_compare_and_set(rt):
    rt.commands.create(CATALOG["manufacturers"], {"name": "A"}, None)
    head = rt.projector.catch_up()
    assert rt.dispatcher.wait_for(head)
    with pytest.raises(RuntimeError), rt.write_engine.begin() as conn:
        rt.projector._advance(conn, head - 1, head + 5)
    assert rt.projector.position() == head


def test_rebuild_reproduces_the_live_read_model(rt):
    assert rt.dispatcher.wait_for(_seed(rt))
    live = snapshot(rt)
    rebuild(rt.projector)
    assert snapshot(rt) == live


def test_cli_rebuild_and_status(rt, api):
    assert rt.dispatcher.wait_for(_seed(rt))
    paths = ["/api/data-center-assets/", "/api/data-center-assets/1/", "/api/base-objects/",
             "/api/manufacturers/1/", "/api/racks/", "/api/users/"]
    before = {p: api.get(p).json for p in paths}
    env = service_env(rt.settings)
    run = subprocess.run([sys.executable, "-m", "workers.cli", "projections", "rebuild", "--quiet"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    head = rt.projector.head()
    assert f"rebuilt read model up to event {head}" in run.stdout
    assert {p: api.get(p).json for p in paths} == before
    status = subprocess.run([sys.executable, "-m", "workers.cli", "projections", "status"],
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    redis = "" if rt.settings.embedded else "redis: reachable\n"
    assert re.fullmatch(rf"database: reachable\n{redis}projection main: generation 2 \(live since [-\d]+ [:\d]+ UTC\), "
                        rf"position {head}, head {head}, lag 0, renders pending 0\n", status.stdout), status.stdout
    assert status.returncode == 0


def _graph(rt) -> None:
    """Parents and their children, appended in one transaction (so projected in one batch)."""
    create = rt.commands.create
    with rt.commands.deferred():
        m = create(CATALOG["manufacturers"], {"name": "Dell"}, None).pk
        model = create(CATALOG["assetmodels"], {"name": "R1", "type": 2, "manufacturer": m}, None).pk
        dc = create(CATALOG["data-centers"], {"name": "DC"}, None).pk
        room = create(CATALOG["server-rooms"], {"name": "SR", "data_center": dc}, None).pk
        rack = create(CATALOG["racks"], {"name": "R", "server_room": room, "require_position": False}, None).pk
        holder = create(CATALOG["assetholders"], {"name": "Allegro"}, None).pk
        chassis = create(CATALOG["data-center-assets"], {"hostname": "chassis", "sn": "c", "model": model,
                                                          "rack": rack, "property_of": holder, "tags": ["a", "b"]},
                         None).pk
        create(CATALOG["data-center-assets"], {"hostname": "blade", "sn": "b", "model": model, "rack": rack,
                                               "property_of": holder, "parent": chassis}, None)
        eth = create(CATALOG["ethernets"], {"base_object": chassis, "mac": "00:11:22:33:44:55"}, None).pk
        create(CATALOG["networks"], {"name": "net", "address": "10.0.0.0/24"}, None)
        create(CATALOG["ipaddresses"], {"ethernet": eth, "address": "10.0.0.7", "hostname": "chassis"}, None)
        rt.commands.flush()


def _rows(engine, schema) -> dict:
    with engine.connect() as conn:
        return {t.name.removeprefix(schema.prefix): sorted(tuple(r) for r in conn.execute(select(t)))
                for t in schema.all_tables if not t.name.endswith("read_positions")}


def test_one_batch_projects_like_one_event_at_a_time(rt, monkeypatch):
    """Children created in the batch of their parent are found in the batch; new rows get their documents on insert."""
    _graph(rt)
    whole = Projector(rt.write_engine, rt.store, ReadSchema(prefix="whole_"), name="whole")
    single = Projector(rt.write_engine, rt.store, ReadSchema(prefix="single_"), name="single")
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    try:
        event.listen(rt.write_engine, "before_cursor_execute", record)
        whole.catch_up()
        event.remove(rt.write_engine, "before_cursor_execute", record)
        monkeypatch.setattr("projections.projector.BATCH", 1)
        single.catch_up()
        rows = _rows(rt.write_engine, whole.schema)
        assert rows == _rows(rt.write_engine, single.schema)
        doc = [c.name for c in whole.schema.table(CATALOG["data-center-assets"]).columns].index("doc")
        docs = {r[0]: msgspec.json.decode(r[doc]) for r in rows["read_data_center_assets"]}
        chassis, blade = sorted(docs)
        assert [(e["mac"], e["ipaddress"]["address"]) for e in docs[chassis]["ethernet"]] == [
            ("00:11:22:33:44:55", "10.0.0.7")]
        assert docs[chassis]["ipaddresses"] == ["10.0.0.7"]
        assert (docs[chassis]["tags"], docs[blade]["parent"]["id"]) == (["a", "b"], chassis)
        updated = {s.split()[1].removeprefix("whole_") for s in statements if s.startswith("UPDATE")}
        # counts and rows hooks place (the id counters are ahead already: only read)
        assert updated == {"read_counts", "read_networks", "read_ipaddresses"}
    finally:
        for projector in (whole, single):
            projector.schema.metadata.drop_all(rt.write_engine)


def test_indexes_an_older_read_model_lacks_are_added_at_start(rt):
    wanted = {"read_tags": "ix_read_tags_by_name"}
    if not rt.settings.embedded:
        wanted["read_data_center_assets"] = "ix_read_data_center_assets_hostname_iprefix"
    with rt.write_engine.begin() as conn:
        for name in wanted.values():
            conn.execute(text(f"DROP INDEX {name}"))
    assert not {n for t, n in wanted.items() if n in {i["name"] for i in inspect(rt.write_engine).get_indexes(t)}}
    rt.schema.create(rt.write_engine)
    for table, name in wanted.items():
        assert name in {i["name"] for i in inspect(rt.write_engine).get_indexes(table)}


def test_a_batch_reads_what_the_batch_before_it_changed(rt, api, dc):
    """The values one batch hands to the next (Projector._carried) are the ones it wrote: a rack renamed, then an
    asset created in it, and a second projector moving the position in between (the first one's are dropped)."""
    first = api.create("data-center-assets", {**dc, "sn": "S1"})["id"]
    api.patch(f"/api/racks/{dc['rack']}/", {"name": "renamed"})
    second = api.create("data-center-assets", {**dc, "sn": "S2"})["id"]
    for pk in (first, second):
        assert api.get(f"/api/data-center-assets/{pk}/").json["rack"]["name"] == "renamed"
    other = Projector(rt.write_engine, rt.store, rt.schema)  # another process's projector
    rt.commands.update(CATALOG["racks"], dc["rack"], {"name": "again"}, None, True)
    other.catch_up()
    third = api.create("data-center-assets", {**dc, "sn": "S3"})["id"]
    assert rt.settle()
    assert {api.get(f"/api/data-center-assets/{pk}/").json["rack"]["name"] for pk in (first, second, third)} == {
        "again"}
    live = snapshot(rt)
    rebuild(rt.projector)
    assert snapshot(rt) == live
