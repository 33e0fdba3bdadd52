"""References hold: a write that points at a record and that record's deletion never both succeed.

(On SQLite the commands of a process are serialised, so the race is really run on PostgreSQL.)
"""

from __future__ import annotations

import threading

from payloads import Builder

from commands.catalog import CATALOG

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
