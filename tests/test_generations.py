"""Rebuilds into a fresh generation beside the live one, switched over atomically (issue 12); both backends."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from conftest import ROOT, service_env, snapshot
from sqlalchemy import inspect, text

from projections import generations as generations_module
from projections import projector as projector_module
from projections.generations import NEXT, Rebuild, generations, next_schema, rebuild
from projections.tables import default_schema
from workers.runtime import Runtime


def _indexes(rt) -> set[str]:
    """Names of every index on a read table."""
    with rt.read_engine.connect() as conn:
        found = inspect(conn)
        return {i["name"] for t in found.get_table_names() if t.startswith(("read_", NEXT))
                for i in found.get_indexes(t)}


def _fill(rt) -> dict[str, list[str] | None]:
    """PostgreSQL: the storage parameters of a few live read tables (resource tables leave room for HOT
    updates)."""
    with rt.read_engine.connect() as conn:
        return dict(conn.execute(text("SELECT relname, reloptions FROM pg_class WHERE relname IN "
                                      "('read_data_center_assets', 'read_manufacturers', 'read_tags')")).all())


def _manufacturers(api, n: int, prefix: str = "m") -> dict[int, str]:
    return {api.create("manufacturers", {"name": f"{prefix}{i}"})["id"]: f"{prefix}{i}" for i in range(n)}


def test_a_rebuild_switches_to_a_new_generation_with_the_same_rows_tables_and_indexes(rt, api):
    _manufacturers(api, 3)
    assert rt.dispatcher.wait_for(rt.projector.head())
    live, indexes = snapshot(rt), _indexes(rt)
    [before] = generations(rt.projector)
    assert rebuild(rt.projector) == (rt.projector.head(), None)
    [after] = generations(rt.projector)
    assert (after.number, after.live, after.position) == (before.number + 1, True, rt.projector.head())
    assert after.live_since >= after.started
    assert snapshot(rt) == live
    assert _indexes(rt) == indexes  # every index back under its live name, none left over
    with rt.read_engine.connect() as conn:
        assert not [t for t in inspect(conn).get_table_names() if t.startswith(NEXT)]
    assert rebuild(rt.projector)[0] == rt.projector.head()
    assert generations(rt.projector)[0].number == before.number + 2
    if rt.settings.is_postgres:  # the new generation's tables were made with the same storage parameters
        assert _fill(rt) == {"read_data_center_assets": ["fillfactor=70"], "read_manufacturers": ["fillfactor=70"],
                             "read_tags": None}
    rt.projector.schema.create(rt.write_engine)  # a restart finds what it expects: nothing made again
    assert _indexes(rt) == indexes


def test_a_switch_over_cut_short_before_its_tidying_is_finished_by_the_next_start(rt, api, monkeypatch):
    _manufacturers(api, 2)
    assert rt.dispatcher.wait_for(rt.projector.head())
    live, indexes = snapshot(rt), _indexes(rt)
    monkeypatch.setattr(generations_module, "tidy", lambda engine: None)  # the process dies right after the switch
    assert rebuild(rt.projector)[1] is None
    assert snapshot(rt) == live  # served from the new generation already
    monkeypatch.undo()
    Runtime(rt.settings).close()
    assert _indexes(rt) == indexes  # old tables gone, index names the live ones, none made twice
    with rt.read_engine.connect() as conn:
        assert [t for t in inspect(conn).get_table_names() if t.startswith(("old_", NEXT))] == []


def test_generation_table_and_index_names_fit_postgresql():
    tables = [t.name for t in next_schema().all_tables]
    indexes = list(next_schema().dialect_indexes) + [
        str(i.name) for t in next_schema().all_tables for i in t.indexes]
    assert max(len(n) + len("_pkey") for n in tables) <= 63 and max(map(len, indexes)) <= 63  # else truncated
    live = {t.name for t in default_schema().all_tables}
    assert {t.name.removeprefix(NEXT) for t in next_schema().all_tables} == live


def test_an_interrupted_rebuild_is_shown_and_resumed(rt, api, monkeypatch):
    monkeypatch.setattr(projector_module, "BATCH", 10)
    made = _manufacturers(api, 25)
    assert rt.dispatcher.wait_for(rt.projector.head())
    live = snapshot(rt)
    job = Rebuild(rt.projector)

    def interrupt(position):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        job.build(progress=interrupt)
    stopped = job.next.position()
    assert 0 < stopped < rt.projector.head()
    current, building = generations(rt.projector)
    assert (current.live, current.position) == (True, rt.projector.head())
    assert (building.live, building.number, building.position, building.live_since) == (
        False, current.number + 1, stopped, None)
    assert api.get("/api/manufacturers/").json["count"] == len(made)  # the live one serves meanwhile
    env = service_env(rt.settings)
    status = subprocess.run([sys.executable, "-m", "workers.cli", "projections", "status"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60).stdout
    assert (f"projection next: generation {building.number} (being built since "
            f"{building.started:%Y-%m-%d %H:%M:%S} UTC), position {stopped}, head {rt.projector.head()}, "
            f"lag {rt.projector.head() - stopped}, renders pending 0\n") in status, status
    resumed = Rebuild(rt.projector)
    assert (resumed.number, resumed.next.position()) == (building.number, stopped)  # goes on, not over
    seen = []
    resumed.build(progress=seen.append)
    assert seen[0] > stopped
    resumed.switch()
    assert snapshot(rt) == live
    assert [g.number for g in generations(rt.projector)] == [building.number]


def test_restart_drops_a_half_built_generation(rt, api, monkeypatch):
    monkeypatch.setattr(projector_module, "BATCH", 10)
    _manufacturers(api, 15)
    job = Rebuild(rt.projector)
    with pytest.raises(KeyboardInterrupt):
        job.build(progress=lambda _position: (_ for _ in ()).throw(KeyboardInterrupt))
    assert Rebuild(rt.projector, restart=True).next.position() == 0


def test_the_command_line_rebuilds_into_a_new_generation(rt, api):
    made = _manufacturers(api, 3)
    number = generations(rt.projector)[0].number
    run = subprocess.run([sys.executable, "-m", "workers.cli", "projections", "rebuild", "--quiet"],
                         env=service_env(rt.settings), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stdout) == (
        0, f"rebuilt read model up to event {rt.projector.head()}: generation {number + 1} is live\n"), run.stderr
    assert {r["id"]: r["name"] for r in api.get("/api/manufacturers/").json["results"]} == made


def test_a_rebuild_under_reads_and_writes_serves_no_error_and_loses_no_write(rt, api, monkeypatch):
    monkeypatch.setattr(projector_module, "BATCH", 20)  # many batches: the build interleaves with the traffic
    seeded = _manufacturers(api, 40, "seed")
    dc = api.create("data-centers", {"name": "DC1"})["id"]
    stop, errors, written = threading.Event(), [], dict(seeded)

    def writer():
        n = 0
        while not stop.is_set() and not errors:
            made = api.post("/api/manufacturers/", {"name": f"w{n}"})
            if made.status_code != 201 or "X-Read-Model-Behind" in made.headers:
                errors.append(("POST", made.status_code, made.text))
                continue
            written[made.json["id"]] = f"w{n}"
            shown = api.get(f"/api/manufacturers/{made.json['id']}/")  # read-your-writes across the switch
            if shown.status_code != 200 or shown.json["name"] != f"w{n}":
                errors.append(("GET", shown.status_code, shown.text))
            n += 1

    def reader():
        last = 0
        while not stop.is_set() and not errors:
            for path in ("/api/manufacturers/", f"/api/data-centers/{dc}/", "/api/base-objects/"):
                answer = api.get(path, {"limit": "5"} if path.endswith("s/") else None)
                if answer.status_code != 200:
                    errors.append((path, answer.status_code, answer.text))
            count = api.get("/api/manufacturers/", {"limit": "1"}).json["count"]
            if count < last:  # a reader never sees the model go back
                errors.append(("count", last, count))
            last = count

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(3):
            position, failure = rebuild(rt.projector)
            assert failure is None and position > 0
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert len(written) > len(seeded)  # writes went on during the rebuilds
    assert rt.dispatcher.wait_for(rt.projector.head())
    listed = api.get("/api/manufacturers/", {"limit": "1000"}).json
    assert {r["id"]: r["name"] for r in listed["results"]} == written and listed["count"] == len(written)
    live = snapshot(rt)
    assert rebuild(rt.projector)[1] is None
    assert snapshot(rt) == live
    with rt.read_engine.connect() as conn:  # the position every projector reads moved with the tables
        assert conn.execute(text("SELECT position FROM read_positions")).scalar() == rt.projector.head()
