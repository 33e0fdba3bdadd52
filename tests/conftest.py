"""Test fixtures: every API test runs on both backends.

* ``sqlite``: an embedded SQLite file per test, projections applied inline.
* ``postgres``: a fresh PostgreSQL database for the run, Redis, and a real
  ``ralph-es worker`` subprocess projecting the events (tables are emptied
  between tests). Without the services the tests skip with a loud reason,
  except under ``CI=true`` where a missing service fails the run.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from falcon.testing import TestClient

from api.app import create_app
from commands.catalog import CATALOG, RESOURCES
from commands.config import Settings
from commands.passwords import api_token
from workers.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI") == "true"
PG_ADMIN = os.environ.get("RALPH_ES_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RALPH_ES_TEST_REDIS", "redis://127.0.0.1:6379/0")
SECRET = "test-secret-key"
#: Records nesting a changed one that a projection batch renders itself (RALPH_ES_FAN_OUT): low, so that tests
#: reach the deferred renders with a few records.
FAN_OUT = 20


def pytest_collection_modifyitems(items):
    """Tests marked ``slow`` first, so that parallel workers (pytest-xdist) finish together."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def not_run(what: str, reason: str):
    """Fail under CI, otherwise skip with a reason that shows in the summary (``what``: what the tests need)."""
    if CI:
        pytest.fail(f"CI=true requires {what}: {reason}", pytrace=False)
    pytest.skip(f"{what} tests NOT RUN: {reason}")


def services_missing(reason: str):
    """:func:`not_run` for PostgreSQL and Redis."""
    not_run("PostgreSQL and Redis", reason)


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as ex:  # noqa: BLE001 - any connection failure means "no service"
        services_missing(f"cannot connect to {PG_ADMIN}: {ex}")
    name = f"ralph_es_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def pg_settings(pg_database):
    """Production-mode settings: the run's database, Redis and a private queue."""
    try:
        from redis import Redis

        Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as ex:  # noqa: BLE001
        services_missing(f"cannot reach Redis at {REDIS_URL}: {ex}")
    return Settings(database_url=pg_database, redis_url=REDIS_URL, secret_key=SECRET,
                    queue=f"ralph-es-test-{uuid.uuid4().hex[:8]}", write_wait_seconds=20, fan_out=FAN_OUT)


def service_env(settings: Settings) -> dict:
    """Environment variables that point a subprocess at ``settings``."""
    env = dict(os.environ, RALPH_ES_DATABASE_URL=settings.database_url, RALPH_ES_SECRET_KEY=settings.secret_key,
               RALPH_ES_QUEUE=settings.queue, RALPH_ES_FAN_OUT=str(settings.fan_out), PYTHONPATH=str(ROOT))
    env.pop("RALPH_ES_REDIS_URL", None)
    if settings.redis_url:
        env["RALPH_ES_REDIS_URL"] = settings.redis_url
    return env


@pytest.fixture
def empty_postgres(pg_settings):
    """Settings of a database of its own that nothing has touched yet."""
    import psycopg

    name = f"ralph_es_empty_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = pg_settings.database_url.rsplit("/", 1)[0]
    try:
        yield Settings(database_url=f"{base}/{name}", redis_url=pg_settings.redis_url, secret_key=SECRET,
                       queue=f"ralph-es-empty-{name}")
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_worker(pg_settings, tmp_path_factory):
    """A real ``ralph-es worker`` process for the run."""
    Runtime(pg_settings).close()  # tables exist before the worker starts
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "workers.cli", "worker", "--interval", "1"],
                                env=service_env(pg_settings), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60  # ready: its start (which seeds what is missing) is over
    while "ralph-es worker ready" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"worker exited or never got ready: {log.read_text()}")
        time.sleep(0.05)
    proc.log_path = log
    yield proc
    proc.terminate()
    proc.wait(timeout=10)


def empty_store(rt: Runtime) -> None:
    """Remove every event, id counter, reference and read row (and restart the event sequence), under the
    projection lock on PostgreSQL.

    DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE of a hundred
    tables costs a second while DELETE of their rows costs milliseconds.
    """
    from sqlalchemy import text

    from projections.generations import drop_next
    from projections.projector import LOCK_KEY

    drop_next(rt.write_engine)  # a rebuild's generation, left half built

    names = [t.name for t in rt.schema.all_tables] + ["ralph_es_id_counters", "ralphes_events",
                                                      "ralph_es_references", "ralph_es_chain"]
    postgres = rt.write_engine.dialect.name == "postgresql"
    with rt.write_engine.begin() as conn:
        if postgres:  # under the projection lock, in one round trip
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
            conn.execute(text("; ".join(f"DELETE FROM {name}" for name in names)))
            conn.execute(text("ALTER SEQUENCE ralphes_events_id_seq RESTART"))
            for (name,) in conn.execute(text("SELECT sequencename FROM pg_sequences WHERE sequencename LIKE "
                                             "'ralph\\_es\\_ids\\_%'")):
                conn.execute(text(f"DROP SEQUENCE {name}"))  # id counters (commands/ids.py), made again on use
        else:
            for name in names:
                conn.execute(text(f"DELETE FROM {name}"))
        if not postgres and conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
            conn.execute(text("DELETE FROM sqlite_sequence"))
        conn.execute(text("UPDATE ralph_es_references_coverage SET position = 0"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An embedded database with the store and read tables created, copied by each SQLite test."""
    path = tmp_path_factory.mktemp("template") / "ralph-es.db"
    Runtime(Settings(database_url=f"sqlite:///{path}", redis_url=None, secret_key=SECRET)).close()
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request, tmp_path) -> Settings:
    """Settings of one backend, with empty stores."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        for source in template.parent.glob(template.name + "*"):  # the file, and a -wal/-shm left behind
            shutil.copyfile(source, tmp_path / source.name)
        return Settings(database_url=f"sqlite:///{tmp_path}/ralph-es.db", redis_url=None, secret_key=SECRET,
                        fan_out=FAN_OUT)
    request.getfixturevalue("pg_worker")
    return request.getfixturevalue("pg_settings")


@pytest.fixture
def rt(backend):
    """A runtime on the backend (postgres: emptied first)."""
    runtime = Runtime(backend)
    if not backend.embedded:
        empty_store(runtime)
        runtime.seed()
    yield runtime
    runtime.close()


class Api:
    """A Falcon test client that authenticates as one user."""

    def __init__(self, client: TestClient, token: str | None):
        self.client = client
        self.headers = {"Authorization": f"Token {token}"} if token else {}

    def request(self, method: str, path: str, headers=None, **kw):
        return self.client.simulate_request(method, path, headers={**self.headers, **(headers or {})}, **kw)

    def get(self, path, params=None, **kw):
        return self.request("GET", path, params=params, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def options(self, path, **kw):
        return self.request("OPTIONS", path, **kw)

    def create(self, prefix: str, body: dict) -> dict:
        """POST and assert 201; the flat write response."""
        result = self.post(f"/api/{prefix}/", body)
        assert result.status_code == 201, result.text
        return result.json


def make_user(rt: Runtime, username: str, password: str = "secret", permissions: tuple[str, ...] = (),
              all_fields: bool = True, **flags) -> int:
    """Create a user through the command layer (in a group of its own holding ``permissions``, codenames such as
    ``view_manufacturer``) and wait until it is readable. With ``all_fields`` a model permission brings the
    model's field permissions along (view ones for ``view_``, change ones for the others), as an administrator
    granting a model usually does."""
    if all_fields:
        permissions = tuple(permissions) + tuple(_field_grants(permissions))
    groups = [rt.commands.create(CATALOG["groups"], {"name": f"{username}'s", "permissions": list(permissions)},
                                 None).pk] if permissions else []
    written = rt.commands.create(CATALOG["users"], {"username": username, "password": password, "groups": groups,
                                                    **flags}, None)
    assert rt.dispatcher.wait_for(written.position)
    return written.pk


def _field_grants(permissions) -> list[str]:
    from commands.field_permissions import field_codenames

    grants = []
    for granted in permissions:
        action, _, model = granted.partition("_")
        for res in RESOURCES:
            if res.model_name == model:
                wanted = "view_" if action == "view" else "change_"
                grants += [c for c in field_codenames(res) if c.startswith(wanted) and c not in grants]
    return grants


def basic(username: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@pytest.fixture
def client(rt) -> TestClient:
    return TestClient(create_app(rt))


@pytest.fixture
def api(rt, client) -> Api:
    """Authenticated as a superuser called ``root``."""
    pk = make_user(rt, "root", is_staff=True, is_superuser=True)
    return Api(client, api_token(SECRET, pk))


def snapshot(rt: Runtime) -> dict:
    """Every row of every read table (SQLite's trigram indexes included), in a comparable form, and the position."""
    from sqlalchemy import select, text

    trigrams = rt.schema.trigrams.values() if rt.settings.embedded else ()
    with rt.read_engine.connect() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t)))
                for t in rt.schema.all_tables if t.name not in ("read_positions", "read_generation", "read_catalogue")} | {
            t.name: sorted(tuple(r) for r in conn.execute(text(f'SELECT rowid, * FROM "{t.name}"'))) for t in trigrams} | {
            "position": rt.projector.position()}


def forge_poison(rt: Runtime) -> int:
    """Append, behind the API, an asset model whose value no read column holds; its position."""
    from commands.store import Record
    from commands.validation import clean

    res = CATALOG["assetmodels"]
    values = clean(res, {"name": "poison", "type": 2}, rt.commands, current=None, partial=False)
    record = Record(res.name, rt.ids.allocate(res.family)[0], values | {"power_consumption": 10**30}, None)
    return rt.store.save(record)[-1].notification.id


@pytest.fixture
def dc(api):
    """A model, a rack that needs no position and an owner: what a data-center asset names."""
    manufacturer = api.create("manufacturers", {"name": "Dell"})["id"]
    room = api.create("server-rooms", {"name": "Room", "data_center": api.create("data-centers", {"name": "DC"})["id"]})
    return {"model": api.create("assetmodels", {"name": "R640", "type": "data center",
                                                "manufacturer": manufacturer})["id"],
            "rack": api.create("racks", {"name": "R", "server_room": room["id"], "require_position": False})["id"],
            "property_of": api.create("assetholders", {"name": "Allegro"})["id"]}


@pytest.fixture
def bo(api, dc):
    """What a back-office asset names."""
    return {"model": api.create("assetmodels", {"name": "T480", "type": "back office"})["id"],
            "region": api.create("regions", {"name": "PL"})["id"],
            "warehouse": api.create("warehouses", {"name": "W1"})["id"], "property_of": dc["property_of"]}
