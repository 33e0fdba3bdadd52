"""Passwords: Argon2id at today's strength, Ralph's PBKDF2 hashes accepted and upgraded at login (issue 13)."""

from __future__ import annotations

import base64
import hashlib
import json
import statistics
import time

from conftest import SECRET, Api, basic, make_user

from commands.catalog import CATALOG
from commands.importer import run_import
from commands.passwords import api_token, check_password, hash_password, is_password_hash, needs_rehash

#: Django's own known answer (django/tests/auth_tests/test_hashers.py, Django 3.2): make_password("lètmein",
#: "seasalt", "pbkdf2_sha256") — what a Ralph database holds.
RALPH_HASH = "pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo="


def _stored(rt, pk: int) -> str:
    return rt.commands.load(CATALOG["users"], pk).values["password"]


def test_new_hashes_are_argon2id_at_the_recommended_strength():
    encoded = hash_password("s3cret!")
    assert encoded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # RFC 9106's second recommended option
    assert check_password("s3cret!", encoded) and not check_password("s3cret", encoded)
    assert not needs_rehash(encoded)


def test_ralphs_pbkdf2_hashes_are_checked():
    assert check_password("lètmein", RALPH_HASH)
    assert not check_password("letmein", RALPH_HASH)
    assert needs_rehash(RALPH_HASH) and is_password_hash(RALPH_HASH)
    assert not is_password_hash("lètmein") and not is_password_hash("pbkdf2_sha256$0$salt$abc=")


def test_weaker_and_older_hashes_need_a_rehash():
    weak = "$argon2id$v=19$m=8192,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43
    assert needs_rehash(weak)
    salt = base64.b64encode(b"0123456789abcdef").decode()
    digest = base64.b64encode(hashlib.scrypt(b"pw", salt=b"0123456789abcdef", n=2**14, r=8, p=1, dklen=32)).decode()
    scrypt = f"scrypt$16384$8$1${salt}${digest}"  # what Ralph-ES stored before Argon2id
    assert check_password("pw", scrypt) and not check_password("px", scrypt) and needs_rehash(scrypt)
    for garbage in ("", None, "$argon2id$nonsense", "scrypt$x", "md5$$abc", "pbkdf2_sha256$1$s$%%%"):
        assert not check_password("pw", garbage)


def test_a_user_moved_from_ralph_logs_in_and_the_hash_is_upgraded(rt, client):
    line = {"resource": "users", "key": "u", "body": {"username": "moved", "password": RALPH_HASH, "is_staff": True}}
    report = run_import(rt.commands, [json.dumps(line)], None)
    assert (report.created, report.errors) == (1, [])
    pk = rt.commands.find("users", "username", "moved")
    assert _stored(rt, pk) == RALPH_HASH  # imported as it is, not hashed again
    wrong = client.simulate_post("/api-token-auth/", json={"username": "moved", "password": "letmein"})
    assert wrong.status_code == 400 and _stored(rt, pk) == RALPH_HASH
    login = client.simulate_post("/api-token-auth/", json={"username": "moved", "password": "lètmein"})
    assert login.status_code == 200 and login.json == {"token": api_token(SECRET, pk)}
    upgraded = _stored(rt, pk)
    assert upgraded.startswith("$argon2id$") and check_password("lètmein", upgraded)
    again = client.simulate_post("/api-token-auth/", json={"username": "moved", "password": "lètmein"})
    assert again.json == login.json  # the re-hash keeps the key
    assert _stored(rt, pk) == upgraded  # and happens once


def test_basic_auth_upgrades_an_old_hash_and_keeps_working(rt, client):
    pk = make_user(rt, "basil", "pw", ("view_manufacturer",), is_staff=True)
    token = Api(client, api_token(SECRET, pk, rt.principals.get(pk).token_salt))
    users = CATALOG["users"]
    rt.commands.atomic(lambda batch: rt.commands.change(users, rt.commands.load(users, pk),
                                                        {"password": RALPH_HASH}, None, batch, hooks=False))
    answer = client.simulate_get("/api/manufacturers/", headers=basic("basil", "lètmein"))
    assert answer.status_code == 200
    assert _stored(rt, pk).startswith("$argon2id$")
    assert client.simulate_get("/api/manufacturers/", headers=basic("basil", "lètmein")).status_code == 200
    assert token.get("/api/manufacturers/").status_code == 200  # the API key survived the re-hash


def test_a_hash_sent_through_the_api_is_a_password_like_any_other(api, client):
    created = api.post("/api/users/", {"username": "literal", "password": RALPH_HASH, "is_staff": True})
    assert created.status_code == 201
    login = client.simulate_post("/api-token-auth/", json={"username": "literal", "password": "lètmein"})
    assert login.status_code == 400  # only the importer takes stored hashes
    assert client.simulate_post("/api-token-auth/", json={"username": "literal",
                                                          "password": RALPH_HASH}).status_code == 200


def test_a_login_costs_the_same_whether_or_not_the_user_exists(rt, client):
    make_user(rt, "known", "right", is_staff=True)

    def median_seconds(username: str) -> float:
        times = []
        for _ in range(7):
            started = time.perf_counter()
            answer = client.simulate_post("/api-token-auth/", json={"username": username, "password": "wrong"})
            times.append(time.perf_counter() - started)
            assert answer.status_code == 400
        return statistics.median(times)

    known, unknown = median_seconds("known"), median_seconds("nobody-at-all")
    assert known > 0.02  # a real Argon2id check
    assert 0.5 < unknown / known < 2, (known, unknown)  # without the dummy check unknown names answer ~50x faster
