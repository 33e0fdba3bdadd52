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
from commands.transitions import execute, mark, run
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


def test_the_models_and_actions_ralph_makes(api):
    models = api.get("/api/transitions-model/").json
    assert models["count"] == 6
    assert [(m["id"], m["model"], m["field_name"]) for m in models["results"]] == [
        (1, "datacenterasset", "status"), (2, "cluster", "status"), (3, "backofficeasset", "status"),
        (4, "accesscard", "status"), (5, "simcard", "status"), (6, "virtualserver", "status")]
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
    staff = Api(client, api_token("test-secret-key", make_user(rt, "staff", is_staff=True)))
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
    rt.reports = Reports(str(tmp_path))
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    _transition(api, target="0", actions=["return_report"])
    base = f"{BO}/{asset['id']}/transitions/release/"
    assert api.post(base, {"report_language": "en"}).json == {"non_field_errors": ["user not assigned"]}
    api.patch(f"/api/back-office-assets/{asset['id']}/", {"user": root})
    assert api.post(base, {"report_language": "en"}).status_code == 201
    [link] = _history(api)[0]["attachments"]
    shown = api.get(f"/api/back-office-assets/{asset['id']}/").json["__str__"]
    assert api.get(link.removeprefix(H)).text == f"Returned {shown.removeprefix('Back Office Asset: ')} by root"
