"""Events and invariants on the write side (embedded store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.persistence import RecordConflictError

from commands.catalog import CATALOG
from commands.config import Settings
from commands.store import Claim, Record
from commands.validation import ValidationFailed
from workers.runtime import Runtime


@pytest.fixture
def rt(tmp_path):
    runtime = Runtime(Settings(database_url=f"sqlite:///{tmp_path}/s.db", redis_url=None, secret_key="k"))
    yield runtime
    runtime.close()


def _events(rt):
    return [rt.store.mapper.to_domain_event(n) for n in rt.store.recorder.select_notifications(start=None, limit=1000)]


def test_events_carry_actor_and_changes(rt):
    man = CATALOG["manufacturers"]
    pk = rt.commands.create(man, {"name": "Dell"}, actor=7).pk
    rt.commands.update(man, pk, {"name": "Dell EMC"}, actor=8, partial=True)
    rt.commands.update(man, pk, {"name": "Dell EMC"}, actor=8, partial=True)  # no change, no event
    rt.commands.delete(man, pk, actor=9)
    records = [e for e in _events(rt) if isinstance(e, (Record.Created, Record.Updated, Record.Deleted))
               and e.resource == "manufacturers"]
    assert [type(e).__name__ for e in records] == ["Created", "Updated", "Deleted"]
    created, updated, deleted = records
    assert (created.resource, created.pk, created.actor) == ("manufacturers", pk, 7)
    assert created.values == {"name": "Dell", "manufacturer_kind": None}
    assert (updated.changes, updated.actor) == ({"name": ["Dell", "Dell EMC"]}, 8)
    assert (deleted.values, deleted.actor) == ({"name": "Dell EMC", "manufacturer_kind": None}, 9)
    assert all(e.timestamp.tzinfo is not None for e in records)


def test_ids_are_shared_by_base_objects_and_separate_elsewhere(rt):
    assert rt.ids.allocate("base_object", 3) == [1, 2, 3]
    assert rt.ids.allocate("base_object") == [4]
    assert rt.ids.allocate("manufacturers") == [1]


def test_a_concurrent_claim_loses_atomically(rt):
    """Two writers check the same free value; the second append fails as a whole."""
    man = CATALOG["manufacturers"]
    key = "manufacturers:name:[\"Dell\"]"
    rt.store.save(Record("manufacturers", 100, {"name": "Dell"}, None), Claim(key, "manufacturers:100"))
    with pytest.raises(RecordConflictError):
        rt.store.save(Record("manufacturers", 101, {"name": "Dell"}, None), Claim(key, "manufacturers:101"))
    assert not rt.commands.exists("manufacturers", 101)
    with pytest.raises(ValidationFailed) as err:
        rt.commands.create(man, {"name": "Dell"}, None)
    assert err.value.errors == {"name": ["manufacturer with this name already exists."]}


def test_foreign_keys_must_point_at_live_records(rt):
    dc = rt.commands.create(CATALOG["data-centers"], {"name": "DC"}, None).pk
    rt.commands.delete(CATALOG["data-centers"], dc, None)
    with pytest.raises(ValidationFailed) as err:
        rt.commands.create(CATALOG["server-rooms"], {"name": "SR", "data_center": dc}, None)
    assert err.value.errors == {"data_center": [f'Invalid pk "{dc}" - object does not exist.']}


def test_dependencies_point_one_way():
    """commands imports neither projections nor api; no Falcon in commands or projections."""
    root = Path(__file__).resolve().parent.parent
    for package, banned in (("commands", ("projections", "api", "workers", "falcon")),
                            ("projections", ("api", "workers", "falcon"))):
        for path in (root / package).rglob("*.py"):
            source = path.read_text()
            for name in banned:
                assert f"import {name}" not in source and f"from {name}" not in source, (path, name)

