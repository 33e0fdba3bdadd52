"""References hold: a write that points at a record and that record's deletion never both succeed.

The appends decide (commands/references.py), so this holds across processes on both backends.
"""

from __future__ import annotations

import threading

import pytest
from payloads import Builder

from commands.catalog import CATALOG
from commands.handlers import Conflict
from workers.runtime import Runtime

ROUNDS = 50


def _together(*calls):
    """Run the calls in threads released at the same moment; their results in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(n, call):
        barrier.wait()
        results[n] = call()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_a_create_racing_the_delete_of_its_target(api, rt):
    builder = Builder(api)
    for n in range(ROUNDS):
        body = builder.body(CATALOG["data-center-assets"]) | {"slot_no": None}  # a fresh model is no blade
        model = api.create("assetmodels", {"name": f"race-{n}", "type": "data center"})["id"]
        created, deleted = _together(lambda: api.post("/api/data-center-assets/", body | {"model": model}),
                                     lambda: api.delete(f"/api/assetmodels/{model}/"))
        if created.status_code == 201:
            assert deleted.status_code == 409, (n, deleted.text)
            assert deleted.json["referenced_by"] == {"data-center-assets": [created.json["id"]]}
            assert rt.commands.exists("assetmodels", model)
        else:
            assert (created.status_code, deleted.status_code) == (400, 204), (n, created.text, deleted.text)
            assert created.json == {"model": [f'Invalid pk "{model}" - object does not exist.']}
    for asset in api.get("/api/data-center-assets/", {"limit": "1000"}).json["results"]:
        assert rt.commands.exists("assetmodels", asset["model"]["id"])  # no asset outlives its model


@pytest.fixture
def other(backend, rt):
    """A second runtime on the same database: to the store, another process."""
    second = Runtime(backend)
    yield second
    second.close()


def _model(api) -> int:
    return api.create("assetmodels", {"name": "M", "type": "data center"})["id"]


def test_a_target_deleted_between_validation_and_append_fails_the_append(api, rt, other, monkeypatch):
    model = _model(api)
    body = Builder(api).body(CATALOG["data-center-assets"]) | {"slot_no": None, "model": model}
    checked, head = rt.commands.exists, None

    def exists_then_deleted_elsewhere(resource, pk):
        nonlocal head
        found = checked(resource, pk)
        if (resource, pk, head) == ("assetmodels", model, None):
            head = other.commands.delete(CATALOG["assetmodels"], model, None)  # after the check, before the append
        return found

    monkeypatch.setattr(rt.commands, "exists", exists_then_deleted_elsewhere)
    created = api.post("/api/data-center-assets/", body)
    assert created.status_code == 400  # the append found the deletion; the command ran again and saw it
    assert created.json == {"model": [f'Invalid pk "{model}" - object does not exist.']}
    assert rt.projector.head() == head  # nothing of the refused create was stored


def test_a_referrer_appended_between_planning_and_append_fails_the_delete(api, rt, other, monkeypatch):
    model = _model(api)
    body = Builder(api).body(CATALOG["data-center-assets"]) | {"slot_no": None, "model": model}
    read, asset = other.store.references.referrers, None

    def referrers_then_referenced_elsewhere(family, pk):
        nonlocal asset
        found = read(family, pk)
        if asset is None:
            asset = api.create("data-center-assets", body)["id"]  # after the referrers were read
        return found

    monkeypatch.setattr(other.store.references, "referrers", referrers_then_referenced_elsewhere)
    with pytest.raises(Conflict) as refused:
        other.commands.delete(CATALOG["assetmodels"], model, None)
    assert refused.value.referenced_by == {"data-center-assets": [asset]}
    assert rt.commands.exists("assetmodels", model)


def test_ids_go_on_after_the_counter_of_an_earlier_release(rt, api):
    """Ids never repeat: PostgreSQL's sequence per id space starts after the counter row that releases before it
    advanced (commands/ids.py), and a record created after the projector saw a higher id gets a higher one."""
    from commands.ids import counters

    with rt.write_engine.begin() as conn:
        conn.execute(counters.insert().values(family="zz-family", last_id=100))
    assert rt.ids.allocate("zz-family", 3) == [101, 102, 103]
    assert rt.ids.allocate("zz-family") == [104]
    first = api.create("manufacturers", {"name": "A"})["id"]
    assert api.create("manufacturers", {"name": "B"})["id"] == first + 1
