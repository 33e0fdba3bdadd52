"""Transitions (spec/transitions.md; Ralph's src/ralph/lib/transitions/): configured, listed, described, run.

Every test runs on both backends (a real worker projects on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import time

import pytest
from conftest import ROOT, Api, make_user, service_env
from payloads import Builder

from commands.catalog import CATALOG
from commands.passwords import api_token
from commands.reports import Reports
from commands.transitions import Options, execute, mark, run
from workers import runtime

H = "http://falconframework.org"
BO = "/api/back_office/backofficeasset"


@pytest.fixture
def asset(api) -> dict:
    """A new back-office asset."""
    return Builder(api).create(CATALOG["back-office-assets"])


def _transition(api, name="release", model="back_office.backofficeasset", source=("new",), target="in use",
                actions=("assign_user",), **extra) -> dict:
    result = api.post("/api/transitions/", {"name": name, "model": model, "source": list(source), "target": target,
                                            "actions": list(actions), **extra})
    assert result.status_code == 201, result.text
    return result.json


def _history(api) -> list[dict]:
    return api.get("/api/transitions-history/", {"limit": "100"}).json["results"]


def _last(api) -> dict:
    """The newest history entry."""
    return max(_history(api), key=lambda e: e["id"])


def test_the_models_and_actions_ralph_makes(api):
    models = api.get("/api/transitions-model/").json
    assert models["count"] == 7
    assert [(m["id"], m["model"], m["field_name"]) for m in models["results"]] == [
        (1, "datacenterasset", "status"), (2, "cluster", "status"), (3, "backofficeasset", "status"),
        (4, "accesscard", "status"), (5, "simcard", "status"), (6, "virtualserver", "status"),
        (7, "accessory", "status")]
    assert models["results"][0] == {"id": 1, "url": f"{H}/api/transitions-model/1/", "model": "datacenterasset",
                                    "ui_url": f"{H}/transitions/transitionmodel/1/change/", "field_name": "status"}
    actions = api.get("/api/transitions-action/", {"limit": "100"}).json
    names = [a["name"] for a in actions["results"]]
    assert names == sorted(names)  # Ralph orders actions by name
    assert {"assign_user", "unassign_owner", "change_rack", "clear_access_zones", "assign_licence"} <= set(names)
    assert actions["results"][0] == {"id": 1, "url": f"{H}/api/transitions-action/1/",
                                     "name": "accept_asset_release_agreement"}
    assert api.post("/api/transitions-model/", {"field_name": "x"}).status_code == 405
    listed = api.get("/api/").json
    assert {"transitions", "transitions-model", "transitions-action", "transitions-history"} <= set(listed)


def test_configuring_a_transition(api):
    created = _transition(api, source=["new", 4], actions=["assign_user", "accept_asset_release_agreement"])
    shown = api.get(f"/api/transitions/{created['id']}/").json
    action_ids = {a["name"]: a["id"] for a in api.get("/api/transitions-action/", {"limit": "100"}).json["results"]}
    assert shown == {
        "id": created["id"], "url": f"{H}/api/transitions/{created['id']}/", "source": ["new", "in use"],
        "name": "release", "run_asynchronously": False, "async_service_name": "ASYNC_TRANSITIONS",
        "target": "in use", "template_name": "", "success_url": None,
        "model": f"{H}/api/transitions-model/3/",
        "actions": [f"{H}/api/transitions-action/{action_ids['accept_asset_release_agreement']}/",
                    f"{H}/api/transitions-action/{action_ids['assign_user']}/"]}  # by name, as Ralph orders them
    kept = _transition(api, name="keep", target="0", actions=["add_remarks"])
    assert api.get(f"/api/transitions/{kept['id']}/").json["target"] == "Keep orginal status"


def test_a_transition_must_fit_its_model(api):
    result = api.post("/api/transitions/", {"name": "x", "model": "back_office.backofficeasset",
                                            "source": ["new", "broken"], "target": "lost",
                                            "actions": ["assign_user", "change_rack"]})
    assert result.status_code == 400
    assert result.json == {"source": ['"broken" is not a valid choice.'], "target": ['"lost" is not a valid choice.'],
                           "actions": ['"change_rack" is not an action of back_office.backofficeasset.']}
    unknown = api.post("/api/transitions/", {"name": "x", "model": "nothing.here", "source": ["new"],
                                             "target": "new", "actions": ["assign_user"]})
    assert unknown.json == {"model": ['Invalid pk "nothing.here" - object does not exist.']}
    _transition(api)
    twice = api.post("/api/transitions/", {"name": "release", "model": "back_office.backofficeasset",
                                           "source": ["new"], "target": "new", "actions": ["assign_user"]})
    assert twice.status_code == 400
    assert twice.json == {"non_field_errors": ["The fields name, model must make a unique set."]}


def test_only_superusers_configure_transitions(rt, api, client):
    staff = Api(client, api_token("test-secret-key", make_user(rt, "staff", permissions=("add_transition",), is_staff=True)))
    result = staff.post("/api/transitions/", {"name": "x", "model": "back_office.backofficeasset",
                                              "source": ["new"], "target": "new", "actions": ["assign_user"]})
    assert result.status_code == 403
    assert result.json == {"detail": "You do not have permission to perform this action."}


def test_a_models_transitions_are_listed_on_its_objects(api, asset):
    mine = _transition(api)
    other = _transition(api, name="rack", model="data_center.datacenterasset", source=["new"], target="0",
                        actions=["change_rack"])
    listed = api.get(f"{BO}/{asset['id']}/transitions/").json
    assert listed["count"] == 1 and listed["results"][0]["id"] == mine["id"]
    assert api.get(f"{BO}/{asset['id']}/transitions/{mine['id']}/").json["name"] == "release"
    assert api.get(f"{BO}/{asset['id']}/transitions/{other['id']}/").status_code == 404
    by_name = api.get(f"{BO}/{asset['id']}/transitions/release/")
    assert by_name.status_code == 405
    assert by_name.json == {"detail": 'Method "GET" not allowed.'}


def test_options_describe_the_parameters(api, asset):
    _transition(api, actions=["assign_user", "add_remarks", "accept_asset_release_agreement", "assign_loan_end_date",
                              "assign_task_url"])
    body = api.options(f"{BO}/{asset['id']}/transitions/release/").json
    assert body["name"] == "Transition"
    assert body["description"].startswith("Transition API endpoint for selected model.")
    assert "filtering" not in body
    assert body["actions"] == {"POST": {
        "user": {"type": "string", "required": True, "read_only": False, "label": "User"},
        "remarks": {"type": "string", "required": True, "read_only": False, "label": "Remarks"},
        "accept": {"type": "boolean", "required": True, "read_only": False,
                   "label": "I have read and fully understand and accept the agreement."},
        "loan_end_date": {"type": "date", "required": True, "read_only": False, "label": "Loan end date"},
        "task_url": {"type": "url", "required": True, "read_only": False, "label": "task URL"},
    }}


def test_a_parameter_shown_only_when_its_condition_holds(api, asset, rt):
    _transition(api, actions=["change_user_and_owner"])
    assert set(api.options(f"{BO}/{asset['id']}/transitions/release/").json["actions"]["POST"]) == {"user"}
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    api.patch(f"/api/back-office-assets/{asset['id']}/", {"owner": root})
    assert set(api.options(f"{BO}/{asset['id']}/transitions/release/").json["actions"]["POST"]) == {"user", "owner"}


def test_a_run_changes_the_object_and_writes_its_history(api, asset):
    _transition(api, actions=["assign_user", "add_remarks", "accept_asset_release_agreement"])
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    ran = api.post(f"{BO}/{asset['id']}/transitions/release/", {"user": str(root), "remarks": "given to root",
                                                                "accept": True, "unknown": "ignored"})
    assert ran.status_code == 201
    assert ran.json == {}
    shown = api.get(f"/api/back-office-assets/{asset['id']}/").json
    assert (shown["status"], shown["user"]["username"], shown["remarks"]) == ("in use", "root", "\ngiven to root")
    [entry] = _history(api)
    assert entry == {
        "id": entry["id"], "url": f"{H}/api/transitions-history/{entry['id']}/", "created": entry["created"],
        "modified": entry["created"], "transition_name": "release", "source": "new", "target": "used",
        "object_id": asset["id"],
        "kwargs": json.dumps({"I have read and fully understand and accept the agreement.": True,
                              "remarks": "given to root", "user": "root"}),
        "actions": json.dumps(["Accept asset release agreement", "Add remarks", "Assign user"]),
        "logged_user": f"{H}/api/users/{root}/", "attachments": []}  # the last: Ralph-ES download links
    assert api.get("/api/transitions-history/", {"object_id": str(asset["id"]), "target": "used"}).json["count"] == 1
    assert api.get("/api/transitions-history/", {"transition_name": "other"}).json["count"] == 0
    run_entry = api.get(f"/api/back-office-assets/{asset['id']}/history/", {"ordering": "-position"}).json
    [newest, *_] = run_entry["results"]  # the object's own history names the run (issue 12)
    release = api.get("/api/transitions/", {"name": "release"}).json["results"][0]["id"]
    assert (newest["kind"], newest["user"]["id"], newest["transition"]) == ("transition", root, {
        "id": release, "name": "release", "parameters": {"user": root, "remarks": "given to root", "accept": True}})
    assert newest["changes"] == {"status": {"old": "new", "new": "in use"}, "user": {"old": None, "new": root},
                                 "remarks": {"old": "", "new": "\ngiven to root"}}


def test_runs_refused_as_ralph_refuses_them(api, asset):
    _transition(api, source=["in use"], actions=["assign_user"])
    base = f"{BO}/{asset['id']}/transitions"
    missing = api.post(f"{base}/release/", {})
    assert (missing.status_code, missing.json) == (400, {"user": ["This field is required."]})
    wrong = api.post(f"{base}/release/", {"user": 1})
    assert (wrong.status_code, wrong.json) == (400, {"non_field_errors": ["wrong source status"]})
    nobody = api.post(f"{base}/release/", {"user": 999})
    assert (nobody.status_code, nobody.json) == (400, {"user": ['Invalid pk "999" - object does not exist.']})
    unknown = api.post(f"{base}/nothing/", {})
    assert (unknown.status_code, unknown.json) == (404, {"detail": "Transition not found!"})
    assert api.options(f"{base}/nothing/").json == {"detail": "Transition not found!"}
    assert api.post(f"{base}/12345/", {}).json == {"detail": "Transition not found!"}
    gone = api.post(f"{BO}/{asset['id'] + 1000}/transitions/release/", {"user": 1})
    assert (gone.status_code, gone.json) == (404, {"detail": "Not found."})
    assert api.get(f"/api/back-office-assets/{asset['id']}/").json["status"] == "new"
    assert _history(api) == []


def test_a_run_by_id_and_through_the_deprecated_urls(api, asset):
    transition = _transition(api, source=["new", "in use"], target="0", actions=["add_remarks"])
    assert api.post(f"{BO}/{asset['id']}/transitions/{transition['id']}/", {"remarks": "a"}).status_code == 201
    assert api.post(f"/api/transition/{transition['id']}/{asset['id']}", {"remarks": "b"}).status_code == 201
    assert api.post(f"/api/transitions/{transition['id']}/{asset['id']}", {"remarks": "c"}).status_code == 201
    shown = api.get(f"/api/back-office-assets/{asset['id']}/").json
    assert (shown["status"], shown["remarks"]) == ("new", "\na\nb\nc")  # the status kept
    assert [(h["source"], h["target"]) for h in _history(api)] == [("new", None)] * 3


def test_unassigning_records_who_was_assigned(api, asset):
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    api.patch(f"/api/back-office-assets/{asset['id']}/", {"user": root, "owner": root})
    _transition(api, target="0", actions=["unassign_user", "unassign_owner", "hardware_replacement",
                                          "last_status"])
    assert api.post(f"{BO}/{asset['id']}/transitions/release/", {}).status_code == 201
    shown = api.get(f"/api/back-office-assets/{asset['id']}/").json
    today = dt.date.today()
    assert (shown["user"], shown["owner"]) == (None, None)
    assert shown["loan_end_date"] == (today + dt.timedelta(days=10)).isoformat()
    assert shown["last_status_change"] == today.isoformat()
    assert json.loads(_history(api)[0]["kwargs"]) == {"affected_user": "root", "affected_owner": "root"}


def test_preconditions_name_the_requester(api, asset):
    _transition(api, actions=["must_be_owner_of_asset", "must_be_user_of_asset"])
    refused = api.post(f"{BO}/{asset['id']}/transitions/release/", {})
    assert refused.status_code == 400
    assert refused.json == {"non_field_errors": ["requester is not an owner of the asset",
                                                 "requester is not an user of the asset"]}


def test_a_failing_action_applies_nothing(api):
    """A rack that requires a position: the change is refused by the asset's own rules, nothing is stored."""
    builder = Builder(api)
    asset = builder.create(CATALOG["data-center-assets"])
    room = builder.target_id("server-rooms")
    lax, strict = (api.create("racks", {"name": name, "server_room": room, "require_position": name == "strict"})["id"]
                   for name in ("lax", "strict"))
    assert api.patch(f"/api/data-center-assets/{asset['id']}/", {"rack": lax, "position": None}).status_code == 200
    _transition(api, model="data_center.datacenterasset", source=["new"], target="in use", actions=["change_rack"])
    before = api.get(f"/api/data-center-assets/{asset['id']}/").json
    refused = api.post(f"/api/data_center/datacenterasset/{asset['id']}/transitions/release/", {"rack": strict})
    assert refused.status_code == 400
    assert refused.json == {"position": ["Position is required for this rack"]}
    assert api.get(f"/api/data-center-assets/{asset['id']}/").json == before
    assert _history(api) == []


def test_data_center_actions_and_their_history(api):
    builder = Builder(api)
    asset = builder.create(CATALOG["data-center-assets"])
    room = builder.target_id("server-rooms")
    rack = api.create("racks", {"name": "R2", "server_room": room, "require_position": False})["id"]
    _transition(api, model="data_center.datacenterasset", source=["new"], target="to deploy",
                actions=["change_rack", "cleanup_security_scans"])
    assert api.post(f"/api/data_center/datacenterasset/{asset['id']}/transitions/release/",
                    {"rack": rack}).status_code == 201
    shown = api.get(f"/api/data-center-assets/{asset['id']}/").json
    assert (shown["status"], shown["rack"]["id"]) == ("to deploy", rack)
    [entry] = _history(api)
    assert (entry["source"], entry["target"], json.loads(entry["kwargs"])) == ("new", "to_deploy", {"rack": "R2"})


def test_access_card_actions(api):
    builder = Builder(api)
    card = builder.create(CATALOG["access-card"])
    zone = api.create("access-zone", {"name": "hall", "parent": None})["id"]
    api.patch(f"/api/access-card/{card['id']}/", {"access_zones": [zone], "notes": "old"})
    _transition(api, model="access_cards.accesscard", source=["new"], target="in use",
                actions=["add_notes", "clear_access_zones"])
    assert api.post(f"/api/access_cards/accesscard/{card['id']}/transitions/release/",
                    {"notes": "zones cleared"}).status_code == 201
    shown = api.get(f"/api/access-card/{card['id']}/").json
    assert (shown["status"], shown["access_zones"], shown["notes"]) == ("in use", [], "old\nzones cleared")
    assert _history(api)[0]["target"] == "used"


def test_licences_assigned_and_unassigned(api, asset):
    builder = Builder(api)
    licence = builder.create(CATALOG["licences"])
    _transition(api, source=["new"], target="0", actions=["assign_licence"])
    _transition(api, name="return", source=["new"], target="0", actions=["unassign_licences"])
    base = f"{BO}/{asset['id']}/transitions"
    options = api.options(f"{base}/release/").json["actions"]["POST"]["licences"]
    assert options["type"] == "multiple choice" and options["required"] is False
    assert [c["value"] for c in options["choices"]] == [licence["id"]]
    assert api.post(f"{base}/release/", {"licences": [licence["id"]]}).status_code == 201
    assert api.post(f"{base}/release/", {"licences": [licence["id"]]}).status_code == 201  # already there: kept once
    links = api.get("/api/base-objects-licences/", {"base_object": str(asset["id"])}).json
    assert [(link["licence"], link["quantity"]) for link in links["results"]] == [
        (f"{H}/api/licences/{licence['id']}/", 1)]
    assert api.post(f"{base}/return/", {}).status_code == 201
    assert api.get("/api/base-objects-licences/", {"base_object": str(asset["id"])}).json["count"] == 0


def test_one_run_over_several_objects_is_all_or_nothing(api):
    builder = Builder(api)
    first, second = (builder.create(CATALOG["back-office-assets"]) for _ in range(2))
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    _transition(api, actions=["assign_user"])
    api.patch(f"/api/back-office-assets/{second['id']}/", {"status": "damaged"})
    refused = api.post(f"{BO}/transitions/release/", {"ids": [first["id"], second["id"]], "user": root})
    assert (refused.status_code, refused.json) == (400, {"non_field_errors": ["wrong source status"]})
    assert api.get(f"/api/back-office-assets/{first['id']}/").json["status"] == "new"
    api.patch(f"/api/back-office-assets/{second['id']}/", {"status": "new"})
    ran = api.post(f"{BO}/transitions/release/", {"ids": [first["id"], second["id"]], "user": root})
    assert (ran.status_code, ran.json) == (201, {})
    assert [api.get(f"/api/back-office-assets/{a['id']}/").json["status"] for a in (first, second)] == ["in use"] * 2
    assert sorted(h["object_id"] for h in _history(api)) == sorted([first["id"], second["id"]])
    bad = api.post(f"{BO}/transitions/release/", {"ids": "all"})
    assert (bad.status_code, bad.json) == (400, {"ids": ["Expected a non-empty list of object ids."]})


def _poll(api, path: str) -> dict:
    """The job once it has ended (a worker runs it on PostgreSQL; embedded, it ran before the answer)."""
    deadline = time.monotonic() + 30
    while True:
        job = api.get(path).json
        if job["status"] in ("finished", "failed", "killed") or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def test_an_asynchronous_run_is_a_job_to_poll(api, asset):
    transition = _transition(api, actions=["add_remarks"], run_asynchronously=True)
    ran = api.post(f"{BO}/{asset['id']}/transitions/release/", {"remarks": "later"})
    assert ran.status_code == 202
    [path] = ran.json["job_ids"]
    assert re.fullmatch(r"/api/transitions-job/[0-9a-f]{32}/", path)
    job = _poll(api, path)
    key = path.split("/")[-2]
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    assert job == {"id": key, "url": f"{H}{path}", "created": job["created"], "modified": job["modified"],
                   "username": "root", "service_name": "ASYNC_TRANSITIONS",
                   "_dumped_params": json.dumps({"remarks": "later"}), "status": "finished",
                   "object_id": str(asset["id"]), "transition": f"{H}/api/transitions/{transition['id']}/"}
    shown = api.get(f"/api/back-office-assets/{asset['id']}/").json
    assert (shown["status"], shown["remarks"]) == ("in use", "\nlater")
    assert [(h["transition_name"], h["logged_user"]) for h in _history(api)] == [
        ("release", f"{H}/api/users/{root}/")]
    assert api.get("/api/transitions-job/").json["count"] == 1
    assert api.get("/api/transitions-job/0123/").status_code == 404


def test_one_job_at_a_time_per_object(rt, api, asset):
    _transition(api, source=["new"], target="0", actions=["add_remarks"], run_asynchronously=True)
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    queued = run(rt.commands, CATALOG["back-office-assets"], [asset["id"]], "release", {"remarks": "x"}, root)
    assert rt.dispatcher.wait_for(queued.position)  # stored, and handed to nobody yet
    again = api.post(f"{BO}/{asset['id']}/transitions/release/", {"remarks": "y"})
    assert (again.status_code, again.json) == (
        400, {"non_field_errors": ["Another async transition for this object is already started"]})
    [job] = queued.jobs
    assert execute(rt.commands, job) == 2  # finished: the object is free again
    assert api.post(f"{BO}/{asset['id']}/transitions/release/", {"remarks": "y"}).status_code == 202


def test_jobs_left_behind_are_run_or_killed(rt, api, asset, monkeypatch):
    _transition(api, source=["new"], target="0", actions=["add_remarks"], run_asynchronously=True)
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    lost = run(rt.commands, CATALOG["back-office-assets"], [asset["id"]], "release", {"remarks": "lost"}, root)
    assert rt.dispatcher.wait_for(lost.position)
    monkeypatch.setattr(runtime, "JOB_PICKUP", 0)
    rt.sweep_jobs()  # a queued job nobody picked up runs
    assert rt.dispatcher.wait_for(rt.projector.head())
    assert api.get(f"/api/transitions-job/{lost.jobs[0]}/").json["status"] == "finished"
    dead = run(rt.commands, CATALOG["back-office-assets"], [asset["id"]], "release", {"remarks": "dead"}, root)
    mark(rt.commands, rt.commands.find("transitions-job", "uuid", dead.jobs[0]), 4)  # started by a worker that died
    assert rt.dispatcher.wait_for(rt.projector.head())
    monkeypatch.setattr(runtime, "JOB_LEASE", 0)
    rt.sweep_jobs()
    assert rt.dispatcher.wait_for(rt.projector.head())
    assert api.get(f"/api/transitions-job/{dead.jobs[0]}/").json["status"] == "killed"
    assert api.get(f"/api/back-office-assets/{asset['id']}/").json["remarks"] == "\nlost"  # the dead one: nothing
    assert api.post(f"{BO}/{asset['id']}/transitions/release/", {"remarks": "free"}).status_code == 202


def test_a_job_refused_when_it_runs_fails_and_changes_nothing(rt, api, asset):
    _transition(api, source=["new"], target="in use", actions=["add_remarks"], run_asynchronously=True)
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    queued = run(rt.commands, CATALOG["back-office-assets"], [asset["id"]], "release", {"remarks": "x"}, root)
    api.patch(f"/api/back-office-assets/{asset['id']}/", {"status": "damaged"})  # no longer in a source status
    assert execute(rt.commands, queued.jobs[0]) == 3
    assert rt.dispatcher.wait_for(rt.projector.head())
    assert api.get(f"/api/transitions-job/{queued.jobs[0]}/").json["status"] == "failed"
    shown = api.get(f"/api/back-office-assets/{asset['id']}/").json
    assert (shown["status"], shown["remarks"]) == ("damaged", asset["remarks"])
    assert _history(api) == []


def test_the_command_line_runs_a_transition(rt, api, asset):
    _transition(api, actions=["assign_user", "add_remarks"])
    env = service_env(rt.settings)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "workers.cli", "transitions", "run", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    refused = cli("back-office-assets", str(asset["id"]), "release", "--param", "remarks=x")
    assert (refused.returncode, refused.stderr) == (1, 'refused: {"user": ["This field is required."]}\n')
    assert cli("back-office-assets", str(asset["id"]), "nothing").stderr == (
        "no transition 'nothing' for back_office.backofficeasset\n")
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    ran = cli("back_office.backofficeasset", str(asset["id"]), "release", "--param", f"user={root}",
              "--param", "remarks=by the operator", "--user", "root")
    assert (ran.returncode, ran.stdout) == (0, f"ran 'release' on back-office-assets {asset['id']}\n"), ran.stderr
    assert rt.dispatcher.wait_for(rt.projector.head())
    shown = api.get(f"/api/back-office-assets/{asset['id']}/").json
    assert (shown["status"], shown["user"]["username"], shown["remarks"]) == ("in use", "root", "\nby the operator")
    assert _history(api)[0]["logged_user"].endswith(f"/api/users/{shown['user']['id']}/")
    table = subprocess.run([sys.executable, "-m", "workers.cli", "history", "back-office-assets", str(asset["id"])],
                           env=env, cwd=ROOT, capture_output=True, text=True, timeout=120).stdout
    assert "transition 'release'" in table, table


def test_integration_actions_are_recorded_no_ops_and_make_a_run_asynchronous(api):
    builder = Builder(api)
    asset = builder.create(CATALOG["data-center-assets"])
    rack = api.create("racks", {"name": "R3", "server_room": builder.target_id("server-rooms"),
                                "require_position": False})["id"]
    _transition(api, model="data_center.datacenterasset", source=["new"], target="to deploy",
                actions=["clean_dns", "change_rack", "deploy"])
    base = f"/api/data_center/datacenterasset/{asset['id']}/transitions/release/"
    assert api.options(base).json["actions"]["POST"] == {
        "rack": {"type": "string", "required": True, "read_only": False, "label": "Rack"}}
    ran = api.post(base, {"rack": rack, "preboot": 1})
    assert ran.status_code == 202  # clean_dns and deploy are asynchronous actions
    assert _poll(api, ran.json["job_ids"][0])["status"] == "finished"
    shown = api.get(f"/api/data-center-assets/{asset['id']}/").json
    assert (shown["status"], shown["rack"]["id"]) == ("to deploy", rack)
    assert json.loads(_history(api)[0]["actions"]) == ["Change rack", "Clean DNS entries", "Apply preboot"]


def test_a_status_only_transition(api):
    cluster = Builder(api).create(CATALOG["clusters"])
    _transition(api, model="data_center.cluster", source=["in use"], target="for deploy", actions=[])
    assert api.post(f"/api/data_center/cluster/{cluster['id']}/transitions/release/", {}).status_code == 201
    assert api.get(f"/api/clusters/{cluster['id']}/").json["status"] == "for deploy"
    [entry] = _history(api)
    assert (entry["source"], entry["target"], entry["kwargs"], entry["actions"]) == ("in_use", "for_deploy", "{}",
                                                                                      "[]")
    _transition(api, name="touch", model="data_center.cluster", source=["for deploy"], target="0", actions=[])
    assert api.post(f"/api/data_center/cluster/{cluster['id']}/transitions/touch/", {}).status_code == 201
    runs = api.get(f"/api/clusters/{cluster['id']}/history/").json["results"]
    assert [(e["kind"], e["transition"]["name"], e["changes"]) for e in runs[1:]] == [
        ("transition", "release", {"status": {"old": "in use", "new": "for deploy"}}),
        ("transition", "touch", {})]  # a run that changes nothing is in the history too
    assert [e["version"] for e in runs] == [1, 2, 3]


def test_a_release_report_is_generated_stored_and_downloadable(api, asset):
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    _transition(api, actions=["assign_user", "release_report", "send_attachments_to_user"])
    base = f"{BO}/{asset['id']}/transitions/release/"
    options = api.options(base).json["actions"]["POST"]
    assert options["report_language"] == {"type": "choice", "required": True, "read_only": False,
                                          "label": "Report language", "choices": [{"value": 1, "display_name": "en"}]}
    assert api.post(base, {"user": root, "report_language": 7}).json == {
        "report_language": ['"7" is not a valid choice.']}
    assert api.post(base, {"user": root, "report_language": 1}).status_code == 201
    [entry] = _history(api)
    assert json.loads(entry["kwargs"]) == {"user": "root"}  # the language is not history, as in Ralph
    [link] = entry["attachments"]
    assert re.fullmatch(rf"{H}/api/transitions-history/{entry['id']}/attachments/\d+/", link)
    document = api.get(link.removeprefix(H))
    assert document.status_code == 200
    assert document.headers["content-type"] == "text/html; charset=utf-8"
    today = dt.date.today().isoformat()
    assert document.headers["content-disposition"] == (
        f'attachment; filename="release_report_{asset["id"]}_{today}.html"')
    assert "<h1>Release report</h1>" in document.text and "<tr><th>User</th><td>root</td></tr>" in document.text
    assert f"Transition <strong>release</strong>, {today}, requested by root." in document.text
    assert api.get(f"/api/transitions-history/{entry['id']}/attachments/999/").status_code == 404


def test_a_report_template_can_be_replaced(rt, api, asset, tmp_path):
    (tmp_path / "return_report.html").write_text("Returned {{ object.str }} by {{ user }}")
    rt.transition_options = Options(Reports(str(tmp_path)))
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    _transition(api, target="0", actions=["return_report"])
    base = f"{BO}/{asset['id']}/transitions/release/"
    assert api.post(base, {"report_language": "en"}).json == {"non_field_errors": ["user not assigned"]}
    api.patch(f"/api/back-office-assets/{asset['id']}/", {"user": root})
    assert api.post(base, {"report_language": "en"}).status_code == 201
    [link] = _history(api)[0]["attachments"]
    shown = api.get(f"/api/back-office-assets/{asset['id']}/").json["__str__"]
    assert api.get(link.removeprefix(H)).text == f"Returned {shown.removeprefix('Back Office Asset: ')} by root"


def _laptops(api, code="LP") -> int:
    """An asset model whose category has a hostname code."""
    category = api.create("categories", {"name": f"laptops {code}", "code": code})["id"]
    return api.create("assetmodels", {"name": f"T{code}", "type": "back office", "category": category})["id"]


def _service_env(api) -> int:
    """A service environment (made by giving a service an environment)."""
    api.create("environments", {"name": "prod"})
    api.create("services", {"name": "web", "uid": "sc-1", "environments": ["prod"], "business_owners": [],
                            "technical_owners": []})
    return api.get("/api/services-environments/").json["results"][0]["id"]


def test_change_hostname_counts_per_prefix(api):
    builder = Builder(api)
    model = _laptops(api)
    first, second = (builder.create(CATALOG["back-office-assets"]) for _ in range(2))
    for asset in (first, second):
        api.patch(f"/api/back-office-assets/{asset['id']}/", {"model": model, "hostname": "old"})
    _transition(api, name="rename", source=["new"], target="0", actions=["change_hostname"])
    country = api.options(f"{BO}/{first['id']}/transitions/rename/").json["actions"]["POST"]["country"]
    assert (country["type"], country["label"], len(country["choices"])) == ("choice", "Country", 235)
    assert country["choices"][152] == {"value": 153, "display_name": "Poland"}

    def hostname(asset):
        return api.get(f"/api/back-office-assets/{asset['id']}/").json["hostname"]

    assert api.post(f"{BO}/{first['id']}/transitions/rename/", {"country": 153}).status_code == 201
    assert api.post(f"{BO}/{second['id']}/transitions/rename/", {"country": "153"}).status_code == 201
    assert (hostname(first), hostname(second)) == ("POLLP00001", "POLLP00002")
    assert api.post(f"{BO}/{first['id']}/transitions/rename/", {"country": 73}).status_code == 201
    assert hostname(first) == "DEULP00001"  # Germany's own counter
    assert json.loads(_last(api)["kwargs"]) == {"Country": "Germany"}
    both = api.post(f"{BO}/transitions/rename/", {"ids": [first["id"], second["id"]], "country": 153})
    assert both.status_code == 201  # one command: the counter raised once per asset
    assert (hostname(first), hostname(second)) == ("POLLP00003", "POLLP00004")
    england = api.post(f"{BO}/{first['id']}/transitions/rename/", {"country": 301})
    assert england.status_code == 400
    assert england.json == {"country": ["England has no ISO 3166 code to begin a hostname with."]}
    assert api.post(f"{BO}/{first['id']}/transitions/rename/", {"country": 999}).json == {
        "country": ['"999" is not a valid choice.']}
    api.patch(f"/api/back-office-assets/{second['id']}/", {"model": _laptops(api, code="")})
    assert api.post(f"{BO}/{second['id']}/transitions/rename/", {"country": 153}).status_code == 201
    assert hostname(second) == "POLLP00004"  # no category code: Ralph leaves the hostname


def test_hostnames_assigned_when_empty_or_of_another_country_if_configured(rt, api):
    builder = Builder(api)
    model = _laptops(api)
    assets = [builder.create(CATALOG["back-office-assets"]) for _ in range(3)]
    for asset, name in zip(assets, ("", "DEULP00007", "POLLP00042")):
        api.patch(f"/api/back-office-assets/{asset['id']}/", {"model": model, "hostname": name,
                                                              "region": api.create("regions", {"name": name or "-",
                                                                                               "country": 153})["id"]})
    _transition(api, name="auto", source=["new"], target="0",
                actions=["assign_hostname_if_empty_or_country_not_match"])

    def run_all():
        for asset in assets:
            assert api.post(f"{BO}/{asset['id']}/transitions/auto/", {}).status_code == 201
        return [api.get(f"/api/back-office-assets/{a['id']}/").json["hostname"] for a in assets]

    assert run_all() == [None, "DEULP00007", "POLLP00042"]  # Ralph's default: off ('' is stored as null)
    rt.transition_options = Options(auto_hostname=True)
    assert run_all() == ["POLLP00001", "POLLP00002", "POLLP00042"]


def test_card_number_to_notes_keeps_the_old_number(rt, api):
    builder = Builder(api)
    card = builder.create(CATALOG["sim-card"])
    other = builder.create(CATALOG["sim-card"])
    _transition(api, name="new card", model="sim_cards.simcard", source=["new"], target="0",
                actions=["card_number_to_notes", "change_pin_and_puk"])
    path = f"/api/sim_cards/simcard/{card['id']}/transitions/new card/"
    too_long = api.post(path, {"card number": "1" * 23, "pin1": "123456789", "puk1": "1"})
    assert too_long.status_code == 400
    assert too_long.json == {"card number": ["Ensure this field has no more than 22 characters."],
                             "pin1": ["Ensure this field has no more than 8 characters."]}
    taken = api.post(path, {"card number": other["card_number"], "pin1": "1", "puk1": "1"})
    assert taken.status_code == 400 and list(taken.json) == ["card_number"]
    assert api.post(path, {"card number": "8948", "pin1": "1234", "puk1": "5678"}).status_code == 201
    shown = api.get(f"/api/sim-card/{card['id']}/").json
    assert (shown["card_number"], shown["pin1"], shown["puk1"]) == ("8948", "1234", "5678")
    assert "remarks" not in shown  # Ralph's API does not show a SIM card's remarks
    assert rt.commands.load_values("sim-card", card["id"])["remarks"] == f"\n{card['card_number']}"
    assert json.loads(_last(api)["kwargs"]) == {"card number": "8948", "pin1": "1234", "puk1": "5678"}


def test_conversions_keep_the_base_object_id(api, asset):
    builder = Builder(api)
    pk = asset["id"]
    api.patch(f"/api/back-office-assets/{pk}/", {"hostname": "bo-1", "barcode": "bc-1", "sn": "sn-1"})
    licence = api.create("licences", builder.body(CATALOG["licences"], full=False) | {"region": asset["region"]})
    api.create("base-objects-licences", {"licence": licence["id"], "base_object": pk})
    alone = api.post("/api/transitions/", {"name": "x", "model": "back_office.backofficeasset", "source": ["new"],
                                           "target": "0", "actions": ["convert_to_data_center_asset", "assign_user"]})
    assert alone.status_code == 400
    assert alone.json == {"actions": [
        "You have chosen action: Convert to DataCenter Asset can only be selected for transition"]}
    _transition(api, name="to dc", source=["new"], target="in use", actions=["convert_to_data_center_asset"])
    rack = api.create("racks", {"name": "R9", "server_room": builder.target_id("server-rooms"),
                                "require_position": False})["id"]
    model = api.create("assetmodels", {"name": "S1", "type": "data center"})["id"]
    env = _service_env(api)
    params = api.options(f"{BO}/{pk}/transitions/to dc/").json["actions"]["POST"]
    assert {name: p["label"] for name, p in params.items()} == {
        "rack": "Rack", "position": "Position", "model": "Model", "service_env": "Service env"}
    bo_count = api.get("/api/back-office-assets/").json["count"]
    assert api.post(f"{BO}/{pk}/transitions/to dc/", {"rack": rack, "position": 3, "model": model,
                                                      "service_env": env}).status_code == 201
    assert api.get(f"/api/back-office-assets/{pk}/").status_code == 404
    assert api.get("/api/back-office-assets/").json["count"] == bo_count - 1
    dc = api.get(f"/api/data-center-assets/{pk}/").json
    assert (dc["hostname"], dc["barcode"], dc["sn"], dc["status"], dc["rack"]["id"], dc["position"],
            dc["model"]["id"], dc["service_env"]["id"]) == ("bo-1", "bc-1", "sn-1", "in use", rack, 3, model, env)
    assert dc["created"] == asset["created"]
    assert [link["base_object"] for link in api.get("/api/base-objects-licences/").json["results"]] == [
        f"{H}/api/base-objects/{pk}/"]  # what pointed at the asset points at it still (Ralph's baseobject-detail)
    assert api.get(f"/api/base-objects/{pk}/").json["url"] == f"{H}/api/data-center-assets/{pk}/"
    entry = _last(api)
    assert (entry["object_id"], entry["source"], entry["target"], json.loads(entry["kwargs"])) == (
        pk, "new", "used", {"rack": "R9", "position": 3, "model": "S1", "service env": "web - prod"})
    history = api.get(f"/api/data-center-assets/{pk}/history/", {"limit": "100"}).json["results"]
    assert [e["kind"] for e in history] == ["created", "changed", "converted"]  # one stream, whatever the kind
    assert (history[-1]["resource"], history[-1]["previous_resource"]) == ("data-center-assets",
                                                                           "back-office-assets")
    assert history[-1]["changes"]["status"] == {"old": "new", "new": "in use"}
    assert history[-1]["changes"]["rack"] == {"old": None, "new": rack}
    assert history[-1]["transition"]["name"] == "to dc" and history[-1]["transition"]["parameters"] == {
        "rack": rack, "position": 3, "model": model, "service_env": env}
    assert api.get(f"/api/back-office-assets/{pk}/history/").json["count"] == 3
    # and back, keeping the status (Ralph maps it by name: "in use" is "used" in both)
    _transition(api, name="to bo", model="data_center.datacenterasset", source=["in use"], target="0",
                actions=["convert_to_backoffice_asset"])
    warehouse, region = builder.target_id("warehouses"), builder.target_id("regions")
    assert api.post(f"/api/data_center/datacenterasset/{pk}/transitions/to bo/",
                    {"warehouse": warehouse, "region": region}).status_code == 201
    assert api.get(f"/api/data-center-assets/{pk}/").status_code == 404
    bo = api.get(f"/api/back-office-assets/{pk}/").json
    assert (bo["hostname"], bo["barcode"], bo["status"], bo["warehouse"]["id"], bo["region"]["id"]) == (
        "bo-1", "bc-1", "in use", warehouse, region)
    assert api.patch(f"/api/back-office-assets/{pk}/", {"barcode": "bc-2"}).status_code == 200
    again = builder.create(CATALOG["back-office-assets"])  # the old barcode is free again; the new one is held
    assert api.patch(f"/api/back-office-assets/{again['id']}/", {"barcode": "bc-1"}).status_code == 200
    assert api.patch(f"/api/back-office-assets/{again['id']}/", {"barcode": "bc-2"}).status_code == 400


def test_service_env_and_configuration_path_actions(api):
    builder = Builder(api)
    asset = builder.create(CATALOG["data-center-assets"])
    env = _service_env(api)
    path = builder.target_id("configuration-classes")
    _transition(api, model="data_center.datacenterasset", source=["new"], target="0",
                actions=["assign_service_env", "assign_configuration_path"])
    assert api.post(f"/api/data_center/datacenterasset/{asset['id']}/transitions/release/",
                    {"service_env": env, "configuration_path": path}).status_code == 201
    shown = api.get(f"/api/data-center-assets/{asset['id']}/").json
    assert (shown["service_env"]["id"], shown["configuration_path"]["id"]) == (env, path)


def test_a_conversion_takes_custom_fields_along_and_refuses_what_only_the_old_kind_may_have(api):
    builder = Builder(api)
    asset = builder.create(CATALOG["data-center-assets"])
    field = api.create("custom-fields", {"name": "owner", "type": "string", "choices": []})["id"]
    assert api.post(f"/api/data-center-assets/{asset['id']}/customfields/",
                    {"custom_field": field, "value": "ops"}).status_code == 201
    host = builder.create(CATALOG["cloud-hosts"])
    api.patch(f"/api/cloud-hosts/{host['id']}/", {"hypervisor": asset["id"]})
    _transition(api, name="to bo", model="data_center.datacenterasset", source=["new"], target="0",
                actions=["convert_to_backoffice_asset"])
    path = f"/api/data_center/datacenterasset/{asset['id']}/transitions/to bo/"
    params = {"warehouse": builder.target_id("warehouses"), "region": builder.target_id("regions")}
    refused = api.post(path, params)
    assert refused.status_code == 409
    assert refused.json == {"detail": f"Cannot convert data center asset {asset['id']}: it is referenced by "
                                      f"Cloud host [{host['id']}].", "referenced_by": {"cloud-hosts": [host["id"]]}}
    assert api.get(f"/api/data-center-assets/{asset['id']}/").status_code == 200 and _history(api) == []
    api.patch(f"/api/cloud-hosts/{host['id']}/", {"hypervisor": None})
    assert api.post(path, params).status_code == 201
    shown = api.get(f"/api/back-office-assets/{asset['id']}/").json
    assert (shown["custom_fields"], shown["status"]) == ({"owner": "ops"}, "new")
    values = api.get(f"/api/back-office-assets/{asset['id']}/customfields/").json["results"]
    assert [(v["value"], v["url"].split("/api/")[1]) for v in values] == [
        ("ops", f"back-office-assets/{asset['id']}/customfields/{values[0]['id']}/")]


def test_accessory_stock_restocked_sent_and_released(api):
    builder = Builder(api)
    stock = api.create("accessory-stock", {
        "accessory_name": "USB-C charger", "product_number": "PN-1", "number_bought": 10,
        "warehouse": builder.target_id("warehouses"), "region": builder.target_id("regions")})
    shown = api.get(f"/api/accessory-stock/{stock['id']}/").json
    assert (shown["status"], shown["number_bought"], shown["owner"]) == ("new", 10, None)
    _transition(api, name="stock", model="accessories.accessory", source=["new"], target="0",
                actions=["restock", "accessory_send"])
    _transition(api, name="release", model="accessories.accessory", source=["new"], target="in use",
                actions=["release_accessories"])
    path = f"/api/accessories/accessory/{stock['id']}/transitions"
    assert api.post(f"{path}/stock/", {"restock": 5, "accessory_send": 2}).status_code == 201
    assert api.get(f"/api/accessory-stock/{stock['id']}/").json["number_bought"] == 13
    assert json.loads(_last(api)["kwargs"]) == {"accessory_send": 2, "restock": 5}
    overflow = api.post(f"{path}/stock/", {"restock": 2**31, "accessory_send": 0})
    assert overflow.status_code == 400
    assert overflow.json == {"restock": [
        "Number of purchased items would be 2147483661; it must stay between -2147483648 and 2147483647."]}
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    assert api.post(f"{path}/release/", {"user": root, "quantity": 2}).status_code == 201
    api.patch(f"/api/accessory-stock/{stock['id']}/", {"status": "new"})
    assert api.post(f"{path}/release/", {"user": root, "quantity": 3}).status_code == 201
    [given] = api.get("/api/accessory-stock-users/", {"accessory": str(stock["id"])}).json["results"]
    assert (given["user"], given["quantity"]) == (f"{H}/api/users/{root}/", 5)
    assert api.get(f"/api/accessory-stock/{stock['id']}/").json["status"] == "in use"
    back = api.post(f"{path}/release/", {"user": root, "quantity": -6})
    assert (back.status_code, back.json) == (400, {"non_field_errors": ["wrong source status"]})
    api.patch(f"/api/accessory-stock/{stock['id']}/", {"status": "new"})
    negative = api.post(f"{path}/release/", {"user": root, "quantity": -6})
    assert negative.json == {"quantity": ["Quantity would be -1; it must stay between 0 and 2147483647."]}


def test_runs_racing_for_a_hostname_get_a_number_each(api, rt, backend, monkeypatch):
    builder = Builder(api)
    model = _laptops(api)
    assets = [builder.create(CATALOG["back-office-assets"]) for _ in range(4)]
    for asset in assets:
        api.patch(f"/api/back-office-assets/{asset['id']}/", {"model": model})
    _transition(api, name="rename", source=["new"], target="0", actions=["change_hostname"])
    other = runtime.Runtime(backend)  # another process, to the store
    looked_up, loaded, racing = rt.commands.find_together, rt.commands.load, []

    def the_other_process_runs():
        other.run_transition(CATALOG["back-office-assets"], [racing.pop()["id"]], "rename", {"country": 153}, None)

    def found_none_then_the_other_makes_it(resource, values):
        found = looked_up(resource, values)
        if resource == "asset-last-hostnames" and found is None and racing:
            the_other_process_runs()  # after this run found no counter, before it appends its own
        return found

    def loaded_then_the_other_raises_it(res, pk):
        record = loaded(res, pk)
        if res.name == "asset-last-hostnames" and racing:
            the_other_process_runs()  # after this run read the counter, before it appends its raise
        return record

    monkeypatch.setattr(rt.commands, "find_together", found_none_then_the_other_makes_it)
    monkeypatch.setattr(rt.commands, "load", loaded_then_the_other_raises_it)
    try:
        for mine, theirs in ((assets[0], assets[1]), (assets[2], assets[3])):  # the counter made, then raised
            racing.append(theirs)
            assert api.post(f"{BO}/{mine['id']}/transitions/rename/", {"country": 153}).status_code == 201
    finally:
        other.close()
    names = [api.get(f"/api/back-office-assets/{a['id']}/").json["hostname"] for a in assets]
    assert names == ["POLLP00002", "POLLP00001", "POLLP00004", "POLLP00003"]


def _dc_to_bo(api, builder) -> tuple[dict, dict, dict]:
    """A data-center asset, a cloud host not pointing at it, and the parameters of a "to bo" conversion."""
    asset = builder.create(CATALOG["data-center-assets"])
    host = builder.create(CATALOG["cloud-hosts"])
    api.patch(f"/api/cloud-hosts/{host['id']}/", {"hypervisor": None})
    _transition(api, name="to bo", model="data_center.datacenterasset", source=["new"], target="0",
                actions=["convert_to_backoffice_asset"])
    return asset, host, {"warehouse": builder.target_id("warehouses"), "region": builder.target_id("regions")}


def test_a_hypervisor_set_while_a_conversion_is_planned_fails_the_conversion(api, rt, backend, monkeypatch):
    asset, host, params = _dc_to_bo(api, Builder(api))
    other, planned = runtime.Runtime(backend), rt.commands.convert

    def then_the_other_process_points_at_it(*args):
        planned(*args)
        if other is not None and not getattr(other, "done", False):
            other.done = True  # after the check of what points at the asset, before the append
            other.commands.update(CATALOG["cloud-hosts"], host["id"], {"hypervisor": asset["id"]}, None, True)

    monkeypatch.setattr(rt.commands, "convert", then_the_other_process_points_at_it)
    try:
        refused = api.post(f"/api/data_center/datacenterasset/{asset['id']}/transitions/to bo/", params)
    finally:
        other.close()
    assert refused.status_code == 409  # the append found the hypervisor; the run ran again and saw it
    assert refused.json["referenced_by"] == {"cloud-hosts": [host["id"]]}
    assert api.get(f"/api/data-center-assets/{asset['id']}/").status_code == 200


def test_a_conversion_between_validation_and_append_fails_a_hypervisor_write(api, rt, backend, monkeypatch):
    asset, host, params = _dc_to_bo(api, Builder(api))
    other, checked = runtime.Runtime(backend), rt.commands.exists

    def exists_then_converted_elsewhere(resource, pk):
        found = checked(resource, pk)
        if (resource, pk) == ("data-center-assets", asset["id"]) and not getattr(other, "done", False):
            other.done = True
            other.run_transition(CATALOG["data-center-assets"], [asset["id"]], "to bo", params, None)
        return found

    monkeypatch.setattr(rt.commands, "exists", exists_then_converted_elsewhere)
    try:
        written = api.patch(f"/api/cloud-hosts/{host['id']}/", {"hypervisor": asset["id"]})
    finally:
        other.close()
    assert written.status_code == 400  # the append found the conversion; the write ran again and saw it
    assert written.json == {"hypervisor": [f'Invalid pk "{asset["id"]}" - object does not exist.']}
    assert rt.dispatcher.wait_for(rt.projector.head())  # the other process wrote without waiting for it
    assert api.get(f"/api/back-office-assets/{asset['id']}/").status_code == 200
