"""Write a golden event log: the events a varied workload stores, and the API output they project to.

    python tests/golden/generate.py tests/golden/v<next number>

Run it once per event shape (a new directory each time); never regenerate a
committed log: ``tests/test_golden.py`` replays every one of them on every
run, so a change that misreads old events fails.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent), str(HERE.parent)]

from falcon.testing import TestClient  # noqa: E402
from payloads import Builder  # noqa: E402

from api.app import create_app  # noqa: E402
from commands.catalog import CATALOG, RESOURCES  # noqa: E402
from commands.config import Settings  # noqa: E402
from commands.passwords import api_token  # noqa: E402
from workers.runtime import Runtime  # noqa: E402

SECRET = "golden"


class Client:
    """Just what :class:`payloads.Builder` needs of an API client."""

    def __init__(self, client: TestClient, token: str):
        self.client, self.headers = client, {"Authorization": f"Token {token}"}

    def request(self, method: str, path: str, **kw):
        return self.client.simulate_request(method, path, headers=self.headers, **kw)

    def post(self, path: str, json=None):
        return self.request("POST", path, json=json)


def workload(api: Client) -> None:
    """Creates of every resource, then updates, M2M and tag changes, custom fields and deletes."""
    builder = Builder(api)
    made = {}
    for res in RESOURCES:
        if "POST" in res.methods and not res.internal:
            made[res.name] = builder.create(res, full=True)["id"]
    api.request("PATCH", f"/api/manufacturers/{made['manufacturers']}/", json={"name": "Renamed"})
    api.request("PATCH", f"/api/data-center-assets/{made['data-center-assets']}/",
                json={"tags": ["golden", "second"], "status": "in use", "hostname": "golden-host"})
    api.request("PATCH", f"/api/services/{made['services']}/", json={"business_owners": [], "active": False})
    field = api.post("/api/custom-fields/", {"name": "owner", "type": "string", "choices": []}).json["id"]
    api.post(f"/api/data-center-assets/{made['data-center-assets']}/customfields/",
             {"custom_field": field, "value": "ops"})
    transitions(api, made)
    keyed = api.client.simulate_request("POST", "/api/manufacturers/", json={"name": "keyed"},
                                        headers={**api.headers, "Idempotency-Key": "golden-1"})
    assert keyed.status_code == 201, keyed.text
    for name in ("vulnerabilities", "ssl-certificates", "access-card", "licence-users"):
        if name in made:
            api.request("DELETE", f"/api/{name}/{made[name]}/")


def transitions(api: Client, made: dict) -> None:
    """A hostname from its counter, then a conversion of the back-office asset into a data-center asset (both
    name their run in the asset's events)."""
    statuses = [name for _value, name in CATALOG["back-office-assets"].get("status").choices]
    asset = made["back-office-assets"]
    model = api.request("GET", f"/api/back-office-assets/{asset}/").json["model"]["id"]
    category = api.post("/api/categories/", {"name": "golden laptops", "code": "GD"}).json["id"]
    api.request("PATCH", f"/api/assetmodels/{model}/", json={"category": category})
    for name, actions, params in (
            ("golden hostname", ["change_hostname"], {"country": 153}),
            ("golden convert", ["convert_to_data_center_asset"], {
                "rack": made["racks"], "position": 1,
                "model": api.post("/api/assetmodels/", {"name": "golden dc", "type": "data center"}).json["id"],
                "service_env": api.request("GET", "/api/services-environments/").json["results"][0]["id"]})):
        created = api.post("/api/transitions/", {"name": name, "model": "back_office.backofficeasset",
                                                  "source": statuses, "target": "0", "actions": actions})
        assert created.status_code == 201, created.text
        ran = api.post(f"/api/back_office/backofficeasset/{asset}/transitions/{name}/", params)
        assert ran.status_code == 201, ran.text


def main(target: Path) -> int:
    target.mkdir(parents=True, exist_ok=False)
    rt = Runtime(Settings(database_url=f"sqlite:///{tempfile.mkdtemp()}/golden.db", redis_url=None,
                          secret_key=SECRET))
    user = rt.commands.create(CATALOG["users"], {"username": "golden", "password": "golden", "is_staff": True,
                                                 "is_superuser": True}, None)
    rt.dispatcher.wait_for(user.position)
    client = TestClient(create_app(rt))
    api = Client(client, api_token(SECRET, user.pk))
    workload(api)
    with open(target / "events.jsonl", "w") as out:
        for n in rt.store.recorder.select_notifications(start=0, limit=1_000_000):
            out.write(json.dumps({"originator_id": str(n.originator_id), "originator_version": n.originator_version,
                                  "topic": n.topic, "state": json.loads(n.state)}) + "\n")
    outputs = {}
    for res in RESOURCES:
        if not res.internal:
            outputs[res.name] = api.request("GET", f"/api/{res.name}/", params={"limit": "1000"}).json
    (target / "api.json").write_text(json.dumps(outputs, indent=1, sort_keys=True) + "\n")
    rt.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
