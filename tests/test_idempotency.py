"""The ``Idempotency-Key`` header of writes and transition runs (issue 12); both backends."""

from __future__ import annotations

import datetime as dt
import threading

from conftest import SECRET, Api, make_user
from falcon.testing import TestClient
from payloads import Builder

from api.app import create_app
from commands import idempotency
from commands.catalog import CATALOG
from commands.idempotency import Receipt, fingerprint
from commands.passwords import api_token
from workers.runtime import Runtime

KEY = {"Idempotency-Key": "order-1"}
BO = "/api/back_office/backofficeasset"
REUSED = {"detail": "This Idempotency-Key was used with another request."}


def _count(api, prefix: str) -> int:
    return api.get(f"/api/{prefix}/").json["count"]


def _replayed(first, again) -> None:
    """``again`` is ``first`` answered again."""
    assert (again.status_code, again.text) == (first.status_code, first.text)
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert again.headers["x-event-position"] == first.headers["x-event-position"]


def test_a_post_sent_again_is_answered_again_and_stored_once(api, rt):
    first = api.post("/api/manufacturers/", {"name": "Dell", "manufacturer_kind": None}, headers=KEY)
    assert first.status_code == 201
    head = rt.projector.head()
    again = api.request("POST", "/api/manufacturers/", headers={**KEY, "Content-Type": "application/json"},
                        body='{ "manufacturer_kind" : null,\n "name":"Dell" }')  # other spacing, other key order
    _replayed(first, again)
    assert (rt.projector.head(), _count(api, "manufacturers")) == (head, 1)
    other = api.post("/api/manufacturers/", {"name": "HP"}, headers=KEY)
    assert (other.status_code, other.json) == (422, REUSED)
    elsewhere = api.post("/api/manufacturers/?x=1", {"name": "Dell", "manufacturer_kind": None}, headers=KEY)
    assert (elsewhere.status_code, elsewhere.json) == (422, REUSED)  # the query string counts
    assert (rt.projector.head(), _count(api, "manufacturers")) == (head, 1)


def test_keys_are_per_user(api, rt, client):
    api.create("assetholders", {"name": "root's"})
    first = api.post("/api/assetholders/", {"name": "mine"}, headers=KEY)
    other = Api(client, api_token(SECRET, make_user(rt, "other", permissions=("add_assetholder",), is_staff=True)))
    theirs = other.post("/api/assetholders/", {"name": "theirs"}, headers=KEY)
    assert (theirs.status_code, "idempotent-replayed" in theirs.headers) == (201, False)
    assert theirs.json["id"] != first.json["id"]
    same = other.post("/api/assetholders/", {"name": "mine"}, headers=KEY)
    assert (same.status_code, same.json) == (422, REUSED)
    _replayed(first, api.post("/api/assetholders/", {"name": "mine"}, headers=KEY))
    assert _count(api, "assetholders") == 3


def test_patch_put_and_delete_are_replayed(api, rt):
    pk = api.create("manufacturers", {"name": "Dell"})["id"]
    url = f"/api/manufacturers/{pk}/"
    patched = api.patch(url, {"name": "A"}, headers={"Idempotency-Key": "p"})
    assert (patched.status_code, patched.json["name"]) == (200, "A")
    api.patch(url, {"name": "B"})
    head = rt.projector.head()
    _replayed(patched, api.patch(url, {"name": "A"}, headers={"Idempotency-Key": "p"}))
    put = api.put(url, {"name": "B"}, headers={"Idempotency-Key": "u"})  # changes nothing: the key is stored
    assert (put.status_code, put.json["name"], rt.projector.head()) == (200, "B", head + 1)
    _replayed(put, api.put(url, {"name": "B"}, headers={"Idempotency-Key": "u"}))
    assert api.patch(url, {"name": "B"}, headers={"Idempotency-Key": "u"}).json == REUSED  # PUT is not PATCH
    deleted = api.delete(url, headers={"Idempotency-Key": "d"})
    assert deleted.status_code == 204
    head = rt.projector.head()
    _replayed(deleted, api.delete(url, headers={"Idempotency-Key": "d"}))
    assert (api.get(url).status_code, rt.projector.head()) == (404, head)
    history = api.get(f"{url}history/").json["results"]
    assert [e["kind"] for e in history] == ["created", "changed", "changed", "deleted"]


def test_a_transition_run_is_replayed(api, rt):
    asset = Builder(api).create(CATALOG["back-office-assets"])["id"]
    made = api.post("/api/transitions/", {"name": "remark", "model": "back_office.backofficeasset",
                                          "source": ["new"], "target": "0", "actions": ["add_remarks"]})
    assert made.status_code == 201
    ran = api.post(f"{BO}/{asset}/transitions/remark/", {"remarks": "once"}, headers=KEY)
    assert (ran.status_code, ran.json) == (201, {})
    remarks, head = api.get(f"/api/back-office-assets/{asset}/").json["remarks"], rt.projector.head()
    _replayed(ran, api.post(f"{BO}/{asset}/transitions/remark/", {"remarks": "once"}, headers=KEY))
    assert api.get(f"/api/back-office-assets/{asset}/").json["remarks"] == remarks == "\nonce"
    assert rt.projector.head() == head


def test_a_refused_write_records_no_key(api, rt):
    refused = api.post("/api/manufacturers/", {"name": ""}, headers=KEY)
    assert (refused.status_code, refused.json) == (400, {"name": ["This field may not be blank."]})
    corrected = api.post("/api/manufacturers/", {"name": "Dell"}, headers=KEY)
    assert (corrected.status_code, "idempotent-replayed" in corrected.headers) == (201, False)
    _replayed(corrected, api.post("/api/manufacturers/", {"name": "Dell"}, headers=KEY))


def test_a_malformed_key_is_400_naming_the_header(api, rt):
    head = rt.projector.head()
    for bad in ("x" * 256, "clé", "two words", ""):
        result = api.post("/api/manufacturers/", {"name": "Dell"}, headers={"Idempotency-Key": bad})
        assert (result.status_code, result.json) == (
            400, {"Idempotency-Key": ["Ensure this header has 1 to 255 visible ASCII characters."]}), bad
    assert (rt.projector.head(), _count(api, "manufacturers")) == (head, 0)
    longest = {"Idempotency-Key": "~" * 255}
    first = api.post("/api/manufacturers/", {"name": "Dell"}, headers=longest)
    _replayed(first, api.post("/api/manufacturers/", {"name": "Dell"}, headers=longest))


def test_a_key_used_over_a_day_ago_runs_again(api, rt, monkeypatch):
    api.post("/api/manufacturers/", {"name": "Dell"}, headers=KEY)
    monkeypatch.setattr(idempotency, "WINDOW", dt.timedelta(0))
    second = api.post("/api/manufacturers/", {"name": "HP"}, headers=KEY)
    assert (second.status_code, "idempotent-replayed" in second.headers) == (201, False)
    monkeypatch.setattr(idempotency, "WINDOW", dt.timedelta(hours=24))
    _replayed(second, api.post("/api/manufacturers/", {"name": "HP"}, headers=KEY))
    assert api.post("/api/manufacturers/", {"name": "Dell"}, headers=KEY).json == REUSED
    assert _count(api, "manufacturers") == 2


def test_keys_survive_a_restart(api, rt):
    first = api.post("/api/manufacturers/", {"name": "Dell"}, headers=KEY)
    rt.close()
    restarted = Runtime(rt.settings)
    try:
        again = Api(TestClient(create_app(restarted)), None)
        again.headers = api.headers
        _replayed(first, again.post("/api/manufacturers/", {"name": "Dell"}, headers=KEY))
        assert _count(again, "manufacturers") == 1
    finally:
        restarted.close()


def test_a_duplicate_while_the_first_is_processed_is_409(api, rt, monkeypatch):
    started, answered, add, results = threading.Event(), threading.Event(), rt.commands.add, {}

    def add_once_the_duplicate_is_answered(*args):
        if not started.is_set():  # the first request only
            started.set()
            assert answered.wait(60)
        return add(*args)

    monkeypatch.setattr(rt.commands, "add", add_once_the_duplicate_is_answered)
    first = threading.Thread(target=lambda: results.update(first=api.post("/api/manufacturers/", {"name": "Dell"},
                                                                          headers=KEY)))
    first.start()
    try:
        assert started.wait(60)
        busy = api.post("/api/manufacturers/", {"name": "Dell"}, headers=KEY)
    finally:
        answered.set()
        first.join(60)
    assert (busy.status_code, busy.json) == (
        409, {"detail": "A request with this Idempotency-Key is still being processed."})
    assert results["first"].status_code == 201
    _replayed(results["first"], api.post("/api/manufacturers/", {"name": "Dell"}, headers=KEY))


def test_a_first_use_racing_another_process_ends_with_one_write(api, rt, backend, monkeypatch):
    body, root = {"name": "Holder"}, api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    receipt = Receipt(root, KEY["Idempotency-Key"], fingerprint("POST", "/api/assetholders/", "", body),
                      lambda _written: (201, b'{"by":"the other process"}'))
    other, add, raced = Runtime(backend), rt.commands.add, []

    def add_then_the_other_process_writes(*args):
        record = add(*args)
        if not raced:  # after this write found the key unused, before it appends
            raced.append(other.commands.create(CATALOG["assetholders"], body, root, receipt=receipt))
        return record

    monkeypatch.setattr(rt.commands, "add", add_then_the_other_process_writes)
    try:
        result = api.post("/api/assetholders/", body, headers=KEY)
    finally:
        other.close()
    assert (result.status_code, result.json, result.headers["idempotent-replayed"]) == (
        201, {"by": "the other process"}, "true")
    assert result.headers["x-event-position"] == str(raced[0].position)
    assert [r["id"] for r in api.get("/api/assetholders/").json["results"]] == [raced[0].pk]
