"""One data-center-asset POST, end to end in one process: where its time and round trips go (issue 15).

Builds a Runtime on a fresh database (PostgreSQL, or a SQLite file), creates
the dictionaries an asset names, then POSTs ``--n`` assets through the Falcon
app (inline projection on SQLite; on PostgreSQL the request's own process
projects, as a worker would). Prints the SQL statements per POST by kind and
the functions that take the most time (cProfile, cumulative).

    .venv/bin/python bench/post_profile.py --mode postgres --n 300
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from falcon.testing import TestClient
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.app import create_app  # noqa: E402
from commands.catalog import CATALOG  # noqa: E402
from commands.config import Settings  # noqa: E402
from commands.passwords import api_token  # noqa: E402
from workers.runtime import Runtime  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _count_statements(engines, counts: collections.Counter, texts: collections.Counter) -> None:
    def before(conn, cursor, statement, parameters, context, executemany):
        counts[statement.split(None, 1)[0].upper()] += 1
        texts[" ".join(statement.split())[:150]] += 1

    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=("sqlite", "postgres"), default="postgres")
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--top", type=int, default=35, help="functions shown")
    p.add_argument("--statements", type=int, default=25, help="statements shown (per POST, most frequent)")
    p.add_argument("--sort", default="cumulative", help="pstats order: cumulative or tottime")
    a = p.parse_args()
    name = f"ralph_es_profile_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        if a.mode == "postgres":
            with psycopg.connect(ADMIN, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        else:
            url = f"sqlite:///{tmp}/profile.db"
        try:
            rt = Runtime(Settings(database_url=url, redis_url=None, secret_key="profile"))
            run(rt, a)
            rt.close()
        finally:
            if a.mode == "postgres":
                with psycopg.connect(ADMIN, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


def run(rt: Runtime, a) -> None:
    """Set up, then profile ``a.n`` POSTs."""
    user = rt.commands.create(CATALOG["users"], {"username": "profile", "password": "profile",
                                                 "is_superuser": True, "is_staff": True}, None)
    rt.projector.catch_up()
    client = TestClient(create_app(rt))
    headers = {"Authorization": f"Token {api_token(rt.settings.secret_key, user.pk)}"}

    def post(path: str, body: dict) -> dict:
        result = client.simulate_post(path, json=body, headers=headers)
        rt.projector.catch_up()  # PostgreSQL without a worker: project here, as the worker would
        assert result.status_code == 201, result.text
        return result.json

    manufacturer = post("/api/manufacturers/", {"name": "Dell"})["id"]
    room = post("/api/server-rooms/", {"name": "Room", "data_center": post("/api/data-centers/", {"name": "DC"})["id"]})
    base = {"model": post("/api/assetmodels/", {"name": "R640", "type": "data center", "manufacturer": manufacturer})["id"],
            "rack": post("/api/racks/", {"name": "R1", "server_room": room["id"], "max_u_height": 48})["id"],
            "property_of": post("/api/assetholders/", {"name": "Allegro"})["id"],
            "status": "new", "orientation": "front", "invoice_date": "2025-06-01", "price": "1999.00",
            "remarks": "profile", "tags": ["profile"]}
    for i in range(20):  # warm caches and statements
        post("/api/data-center-assets/", {**base, "sn": f"WARM{i}", "barcode": f"WB{i}", "position": 1 + i % 47})
    counts: collections.Counter = collections.Counter()
    texts: collections.Counter = collections.Counter()
    _count_statements({rt.write_engine, rt.read_engine, rt.store.recorder.datastore.engine}, counts, texts)
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    for i in range(a.n):
        post("/api/data-center-assets/", {**base, "sn": f"S{i}", "barcode": f"B{i}", "hostname": f"h{i}.example.com",
                                          "position": 1 + i % 47})
    profile.disable()
    took = time.perf_counter() - start
    print(f"{a.mode}: {a.n} POSTs (each projected before the next) in {took:.2f} s: "
          f"{took / a.n * 1000:.2f} ms each ({a.n / took:.0f}/s, one client, profiled)")
    print("SQL statements per POST: " + ", ".join(f"{kind} {n / a.n:.1f}" for kind, n in counts.most_common()))
    for text, n in texts.most_common(a.statements):
        print(f"  {n / a.n:5.1f}  {text}")
    pstats.Stats(profile).sort_stats(a.sort).print_stats(a.top)


if __name__ == "__main__":
    sys.exit(main())
