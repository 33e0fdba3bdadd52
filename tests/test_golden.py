"""Golden event logs: events stored by earlier releases still project to the same API output.

Each ``tests/golden/v*/`` holds the events a workload stored (``events.jsonl``,
written by ``tests/golden/generate.py`` with that release's code) and every
list the API then answered (``api.json``). A change that misreads old events
fails here. Add a new directory whenever an event shape changes; never edit its events (``api.json`` changes
only with a deliberate change of what the API renders, reviewed line by line).
"""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import pytest
from conftest import SECRET, Api, empty_store
from eventsourcing.persistence import StoredEvent
from falcon.testing import TestClient

from api.app import create_app
from commands.catalog import CATALOG
from commands.passwords import api_token
from projections.generations import rebuild

#: The catalogue version of each log's record events (v2: before any migration; v3: with transition runs, a
#: hostname counter and a conversion; v4: runs named in the object's events, an idempotency key).
STAMPS = {"v2": 0, "v3": 1, "v4": 1}
GOLDEN = sorted(p for p in (Path(__file__).parent / "golden").iterdir() if p.is_dir() and p.name.startswith("v"))


def _stored(line: str) -> StoredEvent:
    event = json.loads(line)
    return StoredEvent(originator_id=UUID(event["originator_id"]), originator_version=event["originator_version"],
                       topic=event["topic"], state=json.dumps(event["state"], separators=(",", ":")).encode())


@pytest.mark.parametrize("log", GOLDEN, ids=[p.name for p in GOLDEN])
def test_a_golden_log_projects_to_its_api_output(rt, log):
    events = [_stored(line) for line in (log / "events.jsonl").read_text().splitlines()]
    if log.name == "v1":  # stored before topics were stable: every name is a module path, and still reads
        assert {e.topic.split(":")[0] for e in events} == {"commands.store"}
    else:  # stable names, record events stamped with the catalogue version they were written under
        assert {e.topic.split(":")[0] for e in events} == {"ralph-es"}
        assert {json.loads(e.state).get("catalogue") for e in events if "Record" in e.topic} == {STAMPS[log.name]}
    empty_store(rt)  # the log is the whole store, restored from its events
    rt.ids.allocate("base_object")  # a counter behind the store (the others are missing altogether)
    rt.store.recorder.insert_events(events)
    assert rt.dispatcher.wait_for(rt.projector.head())
    api = Api(TestClient(create_app(rt)), api_token(SECRET, 1))  # user 1 ("golden") is the log's superuser
    expected = json.loads((log / "api.json").read_text())
    for name, page in expected.items():
        assert api.get(f"/api/{name}/", {"limit": "1000"}).json == page, name
    assert rebuild(rt.projector) == (rt.projector.head(), None)
    assert api.get("/api/data-center-assets/", {"limit": "1000"}).json == expected["data-center-assets"]
    for event in events:  # the write side reads every stored aggregate too
        aggregate = rt.store.repository.get(event.originator_id)
        if event.topic.endswith("Record.Created"):
            assert aggregate.resource in CATALOG
    # the store came without its id counters: new records still get new ids
    highest = max(a["id"] for a in expected["base-objects"]["results"])
    module = expected["configuration-modules"]["results"][0]["id"]
    created = api.create("configuration-classes", {"class_name": "after-restore", "module": module})
    assert created["id"] == highest + 1  # the base-object id space continues after the restored records


def test_events_are_stored_under_stable_names(rt):
    """Topics name the event, not the Python module that happens to hold its class."""
    start = rt.projector.head()  # after the transition models and actions every store starts with
    written = rt.commands.create(CATALOG["manufacturers"], {"name": "A"}, None)
    rt.commands.update(CATALOG["manufacturers"], written.pk, {"name": "B"}, None, partial=True)
    rt.commands.delete(CATALOG["manufacturers"], written.pk, None)
    stored = rt.store.recorder.select_notifications(start=start, limit=100, inclusive_of_start=False)
    assert [n.topic for n in stored] == [
        "ralph-es:Claim.Claimed", "ralph-es:Record.Created",  # the name's claim, then the record
        "ralph-es:Claim.Claimed", "ralph-es:Claim.Released", "ralph-es:Record.Updated",
        "ralph-es:Claim.Released", "ralph-es:Record.Deleted"]
    assert all(b'"originator_topic":"ralph-es:' in n.state for n in stored if n.originator_version == 1)
