"""Outages never hurt: processes start together, the worker and the API outlive Redis and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import (ROOT, SECRET, Api, forge_poison, make_user, service_env, services_missing,
                      snapshot)
from faults import CuttableProxy, free_port
from falcon.testing import TestClient
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from api.app import create_app
from api.auth import check_credentials
from commands.config import Settings
from commands.passwords import api_token
from projections.generations import rebuild
from workers.runtime import Runtime

pytestmark = pytest.mark.slow
#: Longer outages and more kills (``bench/outages.py`` sets it; 1 in the suite).
SCALE = float(os.environ.get("RALPH_ES_FAULT_SCALE", "1"))


def _together(env: dict, *commands: list[str]) -> list[subprocess.CompletedProcess]:
    """Start ``ralph-es`` commands at the same moment; their results once all have ended."""
    procs = [subprocess.Popen([sys.executable, "-m", "workers.cli", *command], env=env, cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for command in commands]
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=120), p.stdout.read()) for p in procs]


def _users_can_log_in(settings: Settings, names: list[str]) -> None:
    rt = Runtime(settings)
    try:
        rt.projector.catch_up()
        for name in names:
            assert check_credentials(rt.principals, name, "secret-pw") is not None, name
    finally:
        rt.close()


def test_processes_start_together_on_an_empty_postgres_database(empty_postgres):
    s = empty_postgres
    env = dict(os.environ, RALPH_ES_DATABASE_URL=s.database_url, RALPH_ES_SECRET_KEY=SECRET,
               RALPH_ES_REDIS_URL=s.redis_url, RALPH_ES_QUEUE=s.queue, PYTHONPATH=str(ROOT))
    names = ["u1", "u2", "u3"]
    results = _together(env, *(["users", "create", n, "--password", "secret-pw"] for n in names),
                        ["worker", "--burst"], ["projections", "status"])
    assert [r.returncode for r in results] == [0] * 5, [r.stdout for r in results]
    _users_can_log_in(s, names)


def test_embedded_processes_start_together_and_share_one_secret(tmp_path):
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RALPH_ES_")}
    env |= {"RALPH_ES_VAR_DIR": str(var), "PYTHONPATH": str(ROOT)}
    names = ["u1", "u2", "u3"]
    results = _together(env, *(["users", "create", n, "--password", "secret-pw"] for n in names),
                        ["projections", "status"])
    assert [r.returncode for r in results] == [0] * 4, [r.stdout for r in results]
    secret = var / "secret_key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert sorted(p.name for p in var.iterdir() if "secret" in p.name) == ["secret_key"]
    _users_can_log_in(Settings.from_env(env), names)


def test_a_configured_secret_with_the_embedded_database(tmp_path):
    """``var/`` is made for the database even when the secret comes from the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RALPH_ES_")}
    env |= {"RALPH_ES_VAR_DIR": str(tmp_path / "var"), "RALPH_ES_SECRET_KEY": "configured", "PYTHONPATH": str(ROOT)}
    [created] = _together(env, ["users", "create", "u1", "--password", "secret-pw"])
    assert created.returncode == 0, created.stdout
    assert not (tmp_path / "var" / "secret_key").exists()
    _users_can_log_in(Settings.from_env(env), ["u1"])


class PrivateRedis:
    """A redis-server of the test's own, on its own port, that the test stops and starts."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.dir)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                Redis.from_url(self.url).ping()
                return
            except RedisError:
                time.sleep(0.05)
        pytest.fail("the private redis-server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        services_missing("no redis-server binary to start a private Redis")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.proc.poll() is None:
        server.stop()


class Deployment:
    """A worker process and an in-process API on ``settings``, with a superuser."""

    def __init__(self, settings: Settings, log: Path, interval: float = 0.5):
        self.settings, self.log, self.interval = settings, log, interval
        self.start_worker()
        self.rt = Runtime(settings)
        pk = make_user(self.rt, "root", is_staff=True, is_superuser=True)
        self.api = Api(TestClient(create_app(self.rt)), api_token(SECRET, pk))
        self.sent: dict[int, str] = {}

    def start_worker(self) -> None:
        """Start a ``ralph-es worker`` process (its output appended to the log)."""
        with open(self.log, "a") as out:
            self.worker = subprocess.Popen([sys.executable, "-m", "workers.cli", "worker", "--interval",
                                            str(self.interval)],
                                           env=service_env(self.settings), cwd=ROOT, stdout=out,
                                           stderr=subprocess.STDOUT)

    def write(self, name: str):
        """Create a manufacturer: the response (the write is remembered when acknowledged)."""
        result = self.api.post("/api/manufacturers/", {"name": name})
        if result.status_code == 201:
            self.sent[result.json["id"]] = name
        return result

    def lines(self, text: str) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if text in line]

    def wait_for_line(self, text: str, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while not self.lines(text):
            assert time.monotonic() < deadline, f"worker never logged {text!r}:\n{self.log.read_text()}"
            time.sleep(0.1)

    def check(self) -> None:
        """Every acknowledged write readable as sent; the live read model equals a rebuild."""
        deadline = time.monotonic() + 30  # the last worker may still be starting on a loaded machine
        while not self.rt.dispatcher.wait_for(self.rt.projector.head()):
            assert time.monotonic() < deadline, self.log.read_text()
        for pk, name in self.sent.items():
            assert self.api.get(f"/api/manufacturers/{pk}/").json["name"] == name
        assert self.api.get("/api/manufacturers/").json["count"] == len(self.sent)
        self.worker.terminate()
        self.worker.wait(timeout=20)
        live = snapshot(self.rt)
        rebuild(self.rt.projector)
        assert snapshot(self.rt) == live

    def close(self) -> None:
        if self.worker.poll() is None:
            self.worker.kill()
        self.rt.close()


def test_the_worker_outlives_redis(empty_postgres, private_redis, tmp_path):
    settings = dataclasses.replace(empty_postgres, redis_url=private_redis.url, write_wait_seconds=3)
    deployment = Deployment(settings, tmp_path / "worker.log")
    try:
        assert "X-Read-Model-Behind" not in deployment.write("before").headers
        private_redis.stop()
        deployment.wait_for_line("Redis unavailable")
        for n in range(int(3 * SCALE)):  # stored, and projected by the worker's timer
            assert deployment.write(f"during-{n}").status_code == 201
        time.sleep(2 * SCALE)
        assert deployment.worker.poll() is None  # still running
        private_redis.start()
        deployment.wait_for_line("Redis is back")
        time.sleep(1.5)  # the rq worker starts again
        result = deployment.write("after")
        assert result.status_code == 201 and "X-Read-Model-Behind" not in result.headers
        queue = Queue(settings.queue, connection=Redis.from_url(private_redis.url))
        queue.enqueue("workers.jobs.catch_up", result_ttl=0)
        deadline = time.monotonic() + 10
        while queue.count:  # the rq loop consumes jobs again (the timer alone would leave them queued)
            assert time.monotonic() < deadline, "the rq worker did not start again"
            time.sleep(0.1)
        assert len(deployment.lines("Redis unavailable")) == 1
        assert len(deployment.lines("Redis is back")) == 1
        deployment.check()
    finally:
        deployment.close()


def test_appends_wake_the_worker_without_a_job(empty_postgres, private_redis, tmp_path):
    """On PostgreSQL the append's NOTIFY wakes the worker and the batch's NOTIFY the writer (workers/wakeups.py):
    no catch-up job is queued, the worker's timer (every 60 s here) never runs meanwhile, and Redis may be gone."""
    settings = dataclasses.replace(empty_postgres, redis_url=private_redis.url, write_wait_seconds=20)
    deployment = Deployment(settings, tmp_path / "worker.log", interval=60)
    try:
        deployment.wait_for_line("ralph-es worker ready")
        queue = Queue(settings.queue, connection=Redis.from_url(private_redis.url))
        for n in range(5):
            result = deployment.write(f"w{n}")
            assert result.status_code == 201 and "X-Read-Model-Behind" not in result.headers
        assert queue.count == 0
        private_redis.stop()
        result = deployment.write("without redis")
        assert result.status_code == 201 and "X-Read-Model-Behind" not in result.headers
        deployment.worker.terminate()  # a signal stops it while Redis is away
        deployment.worker.wait(timeout=20)
        deployment.start_worker()  # and it starts without Redis
        deployment.wait_for_line("Redis unavailable")
        result = deployment.write("started without redis")
        assert result.status_code == 201 and "X-Read-Model-Behind" not in result.headers
        deployment.check()
    finally:
        deployment.close()


def test_the_api_and_worker_outlive_postgres(empty_postgres, tmp_path):
    proxy = CuttableProxy(("127.0.0.1", 5432))
    proxy.start()
    host, name = empty_postgres.database_url.rsplit("@", 1)[1].split("/", 1)
    settings = dataclasses.replace(empty_postgres, write_wait_seconds=3,
                                   database_url=empty_postgres.database_url.replace(host, f"127.0.0.1:{proxy.port}"))
    deployment = Deployment(settings, tmp_path / "worker.log")
    client = deployment.api.client
    try:
        assert "X-Read-Model-Behind" not in deployment.write("before").headers
        assert client.simulate_get("/api/health/").status_code == 200
        proxy.cut()
        for method, path in (("GET", "/api/manufacturers/"), ("POST", "/api/manufacturers/"),
                             ("GET", "/api/manufacturers/1/"), ("DELETE", "/api/manufacturers/1/")):
            result = deployment.api.request(method, path, json={"name": "down"})
            assert (result.status_code, result.json) == (503, {"detail": "The database is unavailable; retry later."})
            assert result.headers["Retry-After"] == "5"
        health = client.simulate_get("/api/health/")
        assert health.status_code == 503
        assert health.json["database"]["reachable"] is False and health.json["healthy"] is False
        deployment.wait_for_line("PostgreSQL unavailable")
        time.sleep(1.5 * SCALE)
        proxy.start()
        deployment.wait_for_line("PostgreSQL is back")
        result = deployment.write("after")
        assert result.status_code == 201 and "X-Read-Model-Behind" not in result.headers
        assert client.simulate_get("/api/health/").status_code == 200
        assert len(deployment.lines("PostgreSQL unavailable")) == 1
        assert deployment.worker.poll() is None
        deployment.check()
    finally:
        deployment.close()
        proxy.cut()


def test_health_reports_reachability_position_and_failure(rt, client, api, backend):
    api.create("manufacturers", {"name": "A"})
    head = rt.projector.head()
    health = client.simulate_get("/api/health/")  # no credentials needed
    assert (health.status_code, health.json) == (200, {
        "healthy": True, "database": {"reachable": True},
        "redis": None if backend.embedded else {"reachable": True},
        "event_store": {"head": head}, "projection": {"position": head, "lag": 0, "failure": None}})
    poison = forge_poison(rt)
    api.post("/api/manufacturers/", {"name": "B"})
    health = client.simulate_get("/api/health/")
    assert health.status_code == 503
    assert health.json["healthy"] is False
    assert health.json["projection"]["position"] == poison - 1
    assert health.json["projection"]["lag"] == rt.projector.head() - poison + 1
    failure = health.json["projection"]["failure"]
    assert failure["position"] == poison and failure["attempts"] >= 1  # a worker may have retried already
    assert failure["event"].startswith("ralph-es:Record.Created #1 of ")


def test_delete_decides_from_the_write_side_whatever_the_read_model(rt, api):
    maker = api.create("manufacturers", {"name": "A"})["id"]
    model = api.create("assetmodels", {"name": "M", "type": "data center", "manufacturer": maker})["id"]
    poison = forge_poison(rt)  # the projection stops before it: the read model knows nothing newer
    protected = api.delete(f"/api/manufacturers/{maker}/")
    assert protected.status_code == 409
    assert protected.json["referenced_by"] == {"assetmodels": [model]}
    head = rt.projector.head()
    deleted = api.delete(f"/api/assetmodels/{model}/")
    assert deleted.status_code == 204  # stored, and said to be ahead of the read model
    assert deleted.headers["X-Read-Model-Behind"] == deleted.headers["X-Event-Position"] == str(head + 1)
    assert not rt.commands.exists("assetmodels", model)
    assert rt.projector.position() == poison - 1
    assert api.delete(f"/api/manufacturers/{maker}/").status_code == 204  # its last referrer is gone


def test_a_stored_write_is_answered_as_stored(rt, api, monkeypatch):
    def broken(position):
        raise ConnectionError("read side away")

    monkeypatch.setattr(rt.dispatcher, "wait_for", broken)
    head = rt.projector.head()
    result = api.post("/api/manufacturers/", {"name": "kept"})
    assert result.status_code == 201
    assert result.headers["X-Read-Model-Behind"] == result.headers["X-Event-Position"] != str(head)
    assert rt.commands.load_values("manufacturers", result.json["id"])["name"] == "kept"
    deleted = api.delete(f"/api/manufacturers/{result.json['id']}/")  # references come from the write side
    assert deleted.status_code == 204
    assert deleted.headers["X-Read-Model-Behind"] == deleted.headers["X-Event-Position"]
    assert not rt.commands.exists("manufacturers", result.json["id"])


def test_writes_survive_a_worker_killed_again_and_again(empty_postgres, tmp_path):
    settings = dataclasses.replace(empty_postgres, write_wait_seconds=2)
    deployment = Deployment(settings, tmp_path / "worker.log")
    stop = threading.Event()
    failures: list[str] = []

    def client(n: int) -> None:
        count = 0
        while not stop.is_set():
            result = deployment.write(f"c{n}-{count}")
            if result.status_code != 201:
                failures.append(result.text)
            count += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(2)]
    try:
        for thread in threads:
            thread.start()
        kills = int(6 * SCALE)
        for _ in range(kills):  # SIGKILL the worker mid-batch and start a new one
            time.sleep(0.7)
            deployment.worker.kill()
            deployment.worker.wait(timeout=10)
            deployment.start_worker()
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert failures == []
        assert deployment.sent
        deployment.check()
        print(f"\nfault: {kills} worker kills during {len(deployment.sent)} acknowledged writes: all readable as "
              "sent, live read model = rebuild")
    finally:
        stop.set()
        deployment.close()


def test_a_killed_api_worker_process_is_replaced(empty_postgres, tmp_path):
    deployment = Deployment(empty_postgres, tmp_path / "worker.log")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "workers.cli", "serve", "--port", str(port), "--workers", "2"],
                              env=service_env(empty_postgres), cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        _wait_healthy(port)
        children = _children(server.pid)
        assert len(children) == 2
        os.kill(children[0], signal.SIGKILL)
        deadline = time.monotonic() + 20
        while len(_children(server.pid)) < 2 or children[0] in _children(server.pid):
            assert time.monotonic() < deadline, "the killed worker was not replaced"
            time.sleep(0.2)
        assert server.poll() is None
        for n in range(6):  # both workers answer, and write
            _wait_healthy(port)
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/manufacturers/", data=json.dumps({"name": f"m{n}"}).encode(),
                headers={**deployment.api.headers, "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 201 and response.headers["X-Read-Model-Behind"] is None
                deployment.sent[json.loads(response.read())["id"]] = f"m{n}"
        deployment.check()
    finally:
        server.terminate()
        server.wait(timeout=20)
        deployment.close()


def _children(pid: int) -> list[int]:
    """Live child processes of ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat_fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat_fields[1]) == pid and stat_fields[0] != "Z":
                found.append(int(entry.name))
    return sorted(found)


def _wait_healthy(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health/", timeout=5) as response:
                assert json.loads(response.read())["healthy"] is True
                return
        except OSError:
            assert time.monotonic() < deadline, "the server never answered"
            time.sleep(0.2)
