"""Outages never hurt: processes start together on an empty database, the worker outlives Redis."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid

import pytest
from conftest import PG_ADMIN, ROOT, SECRET

from api.auth import check_credentials
from commands.config import Settings
from workers.runtime import Runtime


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
            assert check_credentials(rt.reads, name, "secret-pw") is not None, name
    finally:
        rt.close()


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
