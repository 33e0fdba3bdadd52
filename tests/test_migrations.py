"""Catalogue migrations: events stored under an earlier catalogue read as today's, on both sides.

The events below are written as the earlier catalogue of :mod:`migrated`
stored them (its names and values, no catalogue stamp); the write side,
the projection (a real worker on PostgreSQL), the reference index and the
uniqueness claims must all read them in today's terms.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time

import migrated
import msgspec
import pytest
from conftest import REDIS_URL, ROOT, SECRET, Api, service_env
from eventsourcing.persistence import StoredEvent
from falcon.testing import TestClient
from sqlalchemy import text

from api.app import create_app
from commands.catalog import CATALOG, migrations
from commands.catalog.migrations import AddField
from commands.config import Settings
from commands.passwords import api_token
from commands.store import Claim, Record
from projections.generations import rebuild
from workers.runtime import Runtime

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_settings(request, tmp_path):
    """Settings of an empty database of the test's own (projections inline)."""
    if request.param == "sqlite":
        return Settings(database_url=f"sqlite:///{tmp_path}/ralph-es.db", redis_url=None, secret_key=SECRET)
    return dataclasses.replace(request.getfixturevalue("empty_postgres"), redis_url=None)


@pytest.fixture
def history_rt(fresh_settings, monkeypatch):
    """A runtime on an empty store whose catalogue has :data:`migrated.HISTORY` behind it.

    On PostgreSQL a real worker process (under the same history) projects.
    """
    monkeypatch.setattr(migrations, "MIGRATIONS", migrated.HISTORY)
    if fresh_settings.database_url.startswith("sqlite"):
        rt = Runtime(fresh_settings)
        yield rt
        rt.close()
        return
    settings = dataclasses.replace(fresh_settings, redis_url=REDIS_URL)
    rt = Runtime(settings)
    worker = subprocess.Popen([sys.executable, "-c", "import migrated; migrated.main()", "worker", "--interval", "1"],
                              env=service_env(settings) | {"PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"}, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield rt
    finally:
        worker.terminate()
        worker.wait(timeout=10)
        rt.close()


def _as_stored_then(rt, aggregate, resource: str, **state) -> list[StoredEvent]:
    """The aggregate's new events as the earlier catalogue stored them: ``resource`` and ``state`` its own."""
    stored = []
    for event in aggregate.collect_events():
        raw = rt.store.mapper.to_stored_event(event)
        body = json.loads(raw.state)
        body.pop("catalogue", None)  # stored before catalogue stamps
        if "resource" in body:
            body |= {"resource": resource, **state}
        stored.append(StoredEvent(originator_id=raw.originator_id, originator_version=raw.originator_version,
                                  topic=raw.topic, state=json.dumps(body).encode()))
    return stored


def _store_the_past(rt) -> None:
    """A maker and a model of it, created and changed under the earlier catalogue."""
    maker = Record("manufacturers", 1, {}, None)
    maker.update({"country": ["PL", "DE"]}, None)
    model = Record("assetmodels", 2, {}, None)
    values = {f.name: f.default for f in CATALOG["assetmodels"].stored_fields if f.name != "cores_count"}
    events = [
        *_as_stored_then(rt, Claim('makers:title:["Acme"]', "makers:1"), "makers"),
        *_as_stored_then(rt, maker, "makers", values={"title": "Acme", "country": "PL", "manufacturer_kind": None},
                         changes={"country": ["PL", "DE"]}),
        *_as_stored_then(rt, model, "assetmodels", values=values | {"name": "M", "type": 7, "manufacturer": 1}),
    ]
    rt.store.recorder.insert_events(events)


def test_old_events_read_in_todays_catalogue(history_rt):
    rt = history_rt
    _store_the_past(rt)
    assert rt.dispatcher.wait_for(rt.projector.head())
    api = Api(TestClient(create_app(rt)), None)
    api.headers = {"Authorization": f"Token {api_token(SECRET, _superuser(rt))}"}
    # the write side: renamed resource and field, a removed field dropped, a changed choice, an added default
    assert rt.commands.load_values("manufacturers", 1) == {"name": "Acme", "manufacturer_kind": None}
    model = rt.commands.load_values("assetmodels", 2)
    assert (model["name"], model["type"], model["cores_count"], model["manufacturer"]) == ("M", 2, 4, 1)
    # the read side, projected by a worker under the same history
    assert api.get("/api/manufacturers/1/").json["name"] == "Acme"
    shown = api.get("/api/assetmodels/2/").json
    assert (shown["type"], shown["cores_count"], shown["manufacturer"]["name"]) == ("data center", 4, "Acme")
    assert api.get("/api/assetmodels/", {"type": "2"}).json["count"] == 1
    # the old claim still holds the name under its first names, so uniqueness holds across the rename
    duplicate = api.post("/api/manufacturers/", {"name": "Acme"})
    assert duplicate.status_code == 400
    assert duplicate.json == {"name": ["manufacturer with this name already exists."]}
    # references stored under the old names protect and release as today's
    refused = api.delete("/api/manufacturers/1/")
    assert refused.status_code == 409 and refused.json["referenced_by"] == {"assetmodels": [2]}
    # a write now is stamped with today's catalogue and is not migrated again
    assert api.patch("/api/manufacturers/1/", {"name": "Acme Ltd"}).status_code == 200
    assert api.create("manufacturers", {"name": "Acme"})["id"] == 3  # the old claim was released; ids go on
    assert api.patch("/api/assetmodels/2/", {"type": "back office"}).json["type"] == "back office"
    assert rt.commands.load_values("assetmodels", 2)["type"] == 1
    assert rebuild(rt.projector) == (rt.projector.head(), None)
    assert api.get("/api/manufacturers/1/").json["name"] == "Acme Ltd"
    assert api.get("/api/assetmodels/2/").json["cores_count"] == 4


def _superuser(rt) -> int:
    written = rt.commands.create(CATALOG["users"], {"username": "root", "password": "secret", "is_superuser": True,
                                                    "is_staff": True}, None)
    deadline = time.monotonic() + 20
    while not rt.dispatcher.wait_for(written.position) and time.monotonic() < deadline:
        pass
    return written.pk


def test_a_read_model_of_another_catalogue_is_made_anew(fresh_settings, monkeypatch):
    rt = Runtime(fresh_settings)
    assert rt.projector.reset is False  # a new read model
    maker = rt.commands.create(CATALOG["manufacturers"], {"name": "Acme"}, None)
    rt.close()
    monkeypatch.setattr(migrations, "MIGRATIONS", (AddField("assetmodels", "cores_count", 4),))  # a new release
    rt = Runtime(fresh_settings)
    try:
        assert rt.projector.reset is True
        assert rt.projector.position() == rt.projector.head()  # replayed before serving
        assert msgspec.json.decode(rt.reads.detail(CATALOG["manufacturers"], maker.pk))["name"] == "Acme"
        with rt.write_engine.begin() as conn:  # a read model from before fingerprints
            conn.execute(text("DROP TABLE read_catalogue"))
    finally:
        rt.close()
    for reset in (True, False):  # made anew once, then kept
        rt = Runtime(fresh_settings)
        assert rt.projector.reset is reset
        assert rt.reads.detail(CATALOG["manufacturers"], maker.pk) is not None
        rt.close()


def test_a_conversion_reads_through_the_migrations_of_both_resources(monkeypatch):
    monkeypatch.setattr(migrations, "MIGRATIONS", (
        migrations.RenameResource("dc", "data-center-assets"), migrations.RenameField("bo", "name", "hostname"),
        migrations.AddField("bo", "imei", ""), migrations.RenameResource("bo", "back-office-assets")))
    state = {"resource": "dc", "pk": 4, "values": {"hostname": "h"}, "previous": "bo",
             "previous_values": {"name": "h"}}
    migrations.migrate(state)
    assert state == {"resource": "data-center-assets", "pk": 4, "values": {"hostname": "h"},
                     "previous": "back-office-assets", "previous_values": {"hostname": "h", "imei": ""},
                     "catalogue": 4}


def test_a_custom_field_value_that_followed_a_conversion_reads_through_a_rename(monkeypatch):
    monkeypatch.setattr(migrations, "MIGRATIONS", (migrations.RenameResource("bo", "back-office-assets"),))
    state = {"resource": "customfieldvalues", "pk": 2, "changes": {"object_resource": ["data-center-assets", "bo"]}}
    migrations.migrate(state)
    assert state["changes"] == {"object_resource": ["data-center-assets", "back-office-assets"]}
