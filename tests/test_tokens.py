"""API keys: Ralph's /api-token-auth/ contract, revocable per user, never stored (issue 13); both backends."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, SECRET, Api, make_user, service_env
from sqlalchemy import select

from commands.catalog import CATALOG
from commands.passwords import api_token

INVALID = {"detail": "Invalid token."}


def _login(client, username: str, password: str) -> str:
    answer = client.simulate_post("/api-token-auth/", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return answer.json["token"]


def _as(client, token: str) -> Api:
    return Api(client, token)


def test_a_superuser_revokes_a_users_key_at_once(rt, api, client):
    pk = make_user(rt, "dana", "pw-1", ("view_manufacturer",), is_staff=True)
    first = _login(client, "dana", "pw-1")
    assert first == _login(client, "dana", "pw-1") == api_token(SECRET, pk)  # one key per user, the same again
    assert _as(client, first).get("/api/manufacturers/").status_code == 200
    assert _as(client, first).post(f"/api/users/{pk}/rotate-token/").status_code == 403  # superusers only
    rotated = api.post(f"/api/users/{pk}/rotate-token/")
    assert rotated.status_code == 204 and "X-Event-Position" in rotated.headers
    assert _as(client, first).get("/api/manufacturers/").json == INVALID
    second = _login(client, "dana", "pw-1")
    assert second != first and _as(client, second).get("/api/manufacturers/").status_code == 200
    assert api.post("/api/users/999999/rotate-token/").status_code == 404
    assert api.get(f"/api/users/{pk}/history/").json["results"][-1]["changes"] == {}  # the salt is never shown


def test_a_new_password_revokes_the_key(rt, api, client):
    pk = make_user(rt, "erin", "pw-1", ("view_manufacturer",), is_staff=True)
    old = _login(client, "erin", "pw-1")
    assert api.patch(f"/api/users/{pk}/", {"password": "pw-2"}).status_code == 200
    assert _as(client, old).get("/api/manufacturers/").json == INVALID
    assert api.patch(f"/api/users/{pk}/", {"first_name": "Erin"}).status_code == 200  # other changes keep it
    new = _login(client, "erin", "pw-2")
    assert new != old
    assert api.patch(f"/api/users/{pk}/", {"last_name": "E"}).status_code == 200
    assert _as(client, new).get("/api/manufacturers/").status_code == 200


def test_the_command_line_rotates_a_key(rt, client):
    make_user(rt, "fred", "pw", ("view_manufacturer",), is_staff=True)
    old = _login(client, "fred", "pw")
    run = subprocess.run([sys.executable, "-m", "workers.cli", "users", "rotate-token", "fred"],
                         env=service_env(rt.settings), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stdout) == (0, "revoked the API key of 'fred'\n"), run.stderr
    assert _as(client, old).get("/api/manufacturers/").json == INVALID
    missing = subprocess.run([sys.executable, "-m", "workers.cli", "users", "rotate-token", "nobody"],
                             env=service_env(rt.settings), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (missing.returncode, missing.stderr) == (1, "no user 'nobody'\n")


def test_a_copy_of_the_database_cannot_make_a_key(rt, api, client):
    pk = make_user(rt, "gina", "pw", ("view_manufacturer",), is_staff=True)
    api.post(f"/api/users/{pk}/rotate-token/")
    token = _login(client, "gina", "pw")
    events = rt.store.recorder.events_record_cls.__table__
    with rt.write_engine.connect() as conn:
        stored = b"".join(bytes(row.state) for row in conn.execute(select(events.c.state)))
    dump = stored + b"".join(repr(v).encode() for v in rt.reads.state(CATALOG["users"], pk).values())
    assert token.encode() not in dump and token[8:].encode() not in dump
    salt = rt.principals.get(pk).token_salt
    assert salt and salt.encode() in stored  # what the copy holds: the id and the salt, but not the secret key
    for guess in ("", "changeme", salt):
        assert _as(client, api_token(guess, pk, salt)).get("/api/manufacturers/").json == INVALID
