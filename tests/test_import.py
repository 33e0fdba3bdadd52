"""``ralph-es import``: JSON Lines validated like the API, appended in batches."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, service_env

LINES = [
    {"resource": "manufacturers", "key": "dell", "body": {"name": "Dell"}},
    {"resource": "asset-models", "key": "r640",
     "body": {"name": "R640", "type": "data center", "manufacturer": {"key": "dell"}}},
    {"resource": "data-centers", "key": "dc", "body": {"name": "DC1"}},
    {"resource": "server-rooms", "key": "room", "body": {"name": "Room", "data_center": {"key": "dc"}}},
    {"resource": "racks", "key": "rack", "body": {"name": "R1", "server_room": {"key": "room"}}},
    {"resource": "environments", "key": "prod", "body": {"name": "prod"}},
    {"resource": "services", "body": {"name": "web", "environments": [{"key": "prod"}],
                                      "business_owners": [], "technical_owners": []}},
    {"resource": "assetholders", "key": "owner", "body": {"name": "Allegro"}},
] + [
    {"resource": "data-center-assets", "body": {"hostname": f"h{n}", "sn": f"S{n}", "model": {"key": "r640"},
                                                "rack": {"key": "rack"}, "position": n % 40 + 1, "tags": ["imported"],
                                                "property_of": {"key": "owner"}}}
    for n in range(25)
] + [
    {"resource": "data-center-assets", "body": {"hostname": "dup", "sn": "S3", "model": {"key": "r640"},
                                                "rack": {"key": "rack"}, "position": 1,
                                                "property_of": {"key": "owner"}}},
    {"resource": "data-center-assets", "body": {"hostname": "x", "model": {"key": "nope"}, "rack": 1}},
    {"resource": "base-objects", "body": {}},
    "not json",
]


def test_import_file(rt, api, tmp_path):
    path = tmp_path / "inventory.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in LINES) + "\n")
    run = subprocess.run([sys.executable, "-m", "workers.cli", "import", str(path), "--quiet", "--batch", "10"],
                         env=service_env(rt.settings), cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == 1, run.stderr
    assert "imported 33 records" in run.stdout and "4 invalid lines" in run.stdout
    assert "line 34: {'sn': ['asset with this SN already exists.']}" in run.stderr
    assert 'line 35: {\'non_field_errors\': [\'Unknown key "nope" (line 35).\']}' in run.stderr
    assert "line 36: {'resource': ['\"base-objects\" cannot be imported.']}" in run.stderr
    assert rt.dispatcher.wait_for(rt.projector.head())
    assets = api.get("/api/data-center-assets/", params={"limit": "100", "tag": "imported"}).json
    assert assets["count"] == 25
    assert sorted(a["hostname"] for a in assets["results"]) == sorted(f"h{n}" for n in range(25))
    first = assets["results"][0]
    assert first["model"]["manufacturer"]["name"] == "Dell"
    assert first["rack"]["server_room"]["data_center"]["name"] == "DC1"
    service = api.get("/api/services/").json["results"][0]
    assert [e["name"] for e in service["environments"]] == ["prod"]
    assert api.get("/api/services-environments/").json["count"] == 1


def test_a_conflicting_batch_is_replayed_line_by_line(rt, api):
    """A value already stored is only found at append; the batch then reports it on its line."""
    from commands.importer import run_import

    api.create("manufacturers", {"name": "Dell"})
    lines = [json.dumps({"resource": "manufacturers", "body": {"name": name}}) for name in ("HP", "Dell", "IBM")]
    report = run_import(rt.commands, lines, None, batch=10)
    assert report.created == 2
    assert report.errors == [(2, {"name": ["manufacturer with this name already exists."]})]
    assert rt.dispatcher.wait_for(report.position)
    names = sorted(m["name"] for m in api.get("/api/manufacturers/").json["results"])
    assert names == ["Dell", "HP", "IBM"]
