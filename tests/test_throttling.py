"""Optional per-user throttling, like Ralph's API_THROTTLING (DRF's UserRateThrottle); both backends (issue 13)."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from conftest import SECRET, Api, make_user
from falcon.testing import TestClient

from api.app import create_app
from api.throttling import LocalThrottle, RedisThrottle, parse_rate
from commands.passwords import api_token


@pytest.fixture
def throttled(rt, monkeypatch):
    """An app of ``rt`` allowing each user 3 requests a minute (Redis counts on PostgreSQL, emptied first)."""
    monkeypatch.setattr(rt, "settings", dataclasses.replace(rt.settings, throttle_rate="3/minute"))
    if rt.settings.redis_url:
        from redis import Redis

        redis = Redis.from_url(rt.settings.redis_url)
        stale = list(redis.scan_iter(f"{rt.settings.queue}:throttle:*"))
        if stale:
            redis.delete(*stale)
    return lambda: TestClient(create_app(rt))


def _user(rt, client, name: str) -> Api:
    pk = make_user(rt, name, "pw", ("view_manufacturer",), is_staff=True)
    return Api(client, api_token(SECRET, pk))


def test_a_user_over_the_rate_gets_429_with_retry_after(rt, throttled):
    client = throttled()
    ada, bob = _user(rt, client, "ada"), _user(rt, client, "bob")
    assert [ada.get("/api/manufacturers/").status_code for _ in range(3)] == [200, 200, 200]
    over = ada.get("/api/manufacturers/")
    assert over.status_code == 429
    seconds = int(over.headers["Retry-After"])
    assert 58 <= seconds <= 60
    assert over.json == {"detail": f"Request was throttled. Expected available in {seconds} seconds."}
    assert ada.options("/api/manufacturers/").status_code == 429  # every method counts
    assert bob.get("/api/manufacturers/").status_code == 200  # per user
    assert client.simulate_get("/api/manufacturers/").status_code == 401  # authentication comes first
    login = client.simulate_post("/api-token-auth/", json={"username": "ada", "password": "pw"})
    assert login.status_code == 200  # the token endpoint is not throttled, as in DRF
    assert client.simulate_get("/api/no-such-thing/", headers=ada.headers).status_code == 404  # no route


def test_api_processes_share_the_count_in_redis(rt, throttled):
    first, second = throttled(), throttled()
    ada = _user(rt, first, "ada")
    statuses = [Api(app, None).request("GET", "/api/", headers=ada.headers).status_code
                for app in (first, second, first, first, second, first)]
    # embedded mode is one process: each app counts for itself
    assert statuses == ([200] * 5 + [429] if rt.settings.embedded else [200] * 3 + [429] * 3)


def test_throttling_is_off_by_default(rt, client):
    ada = _user(rt, client, "ada")
    assert {ada.get("/api/").status_code for _ in range(12)} == {200}


def test_the_window_slides():
    now = [100.0]
    throttle = LocalThrottle("2/second", clock=lambda: now[0])
    assert throttle.wait(1) is None
    now[0] = 100.4
    assert throttle.wait(1) is None
    now[0] = 100.5
    assert throttle.wait(1) == pytest.approx(0.5)  # until the request at 100.0 leaves the window
    assert throttle.wait(2) is None
    now[0] = 101.0
    assert throttle.wait(1) is None  # 100.0 left; the throttled one at 100.5 did not count
    assert throttle.wait(1) == pytest.approx(0.4)


def test_redis_counts_atomically_under_concurrency(pg_settings):
    throttle = RedisThrottle("20/hour", pg_settings.redis_url, f"{pg_settings.queue}-atomic")
    results = []
    threads = [threading.Thread(target=lambda: results.extend(throttle.wait(7) for _ in range(10))) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is None for r in results) == 20 and len(results) == 50
    assert all(3590 < r <= 3600 for r in results if r is not None)


def test_rates_are_parsed_as_drf_does():
    assert parse_rate("5000/hour") == (5000, 3600)
    assert parse_rate("10/s") == (10, 1) and parse_rate("1/day") == (1, 86400) and parse_rate("7/minute") == (7, 60)
    for bad in ("", "x/hour", "0/hour", "5/fortnight", "5"):
        with pytest.raises(ValueError):
            parse_rate(bad)
