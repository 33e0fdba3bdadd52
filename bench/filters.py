"""Benchmark: the filter engine over HTTP at scale.

Generates N data-center assets with their whole dependency graph (Ralph-like
variety: hostnames, statuses, dates, tags, racks in several data centers,
services), loads them with ``ralph-es import``, serves the API with
``ralph-es serve --workers 2`` and measures, per query (limit=100):
p50/p95 of the server-side time (the ``Server-Timing`` header), p50/p95 of
the client-side latency, and requests/s with 4 concurrent clients.

    .venv/bin/python bench/filters.py [--n 200000] [--db postgres|sqlite] [--requests 100]

PostgreSQL: a fresh database ``ralph_es_bench_<hex>`` on
postgresql://postgres@127.0.0.1:5432, dropped at the end (``--keep`` keeps it;
``--database NAME --secret KEY`` measures a kept one again without loading).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from commands.passwords import api_token  # noqa: E402

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
WORDS = ["alpha", "bravo", "carbon", "delta", "echo", "falcon", "gamma", "helix", "ion", "juno", "kilo", "lima"]


def inventory(n: int, seed: int = 7):
    """JSON Lines of a whole inventory with ``n`` data-center assets."""
    rnd = random.Random(seed)
    yield {"resource": "environments", "key": "env-prod", "body": {"name": "prod"}}
    yield {"resource": "environments", "key": "env-test", "body": {"name": "test"}}
    yield {"resource": "assetholders", "key": "owner", "body": {"name": "Allegro"}}
    for m in range(10):
        yield {"resource": "manufacturers", "key": f"man{m}", "body": {"name": f"Maker {m}"}}
    for m in range(50):
        yield {"resource": "assetmodels", "key": f"model{m}",
               "body": {"name": f"Model-{m}", "type": "data center", "manufacturer": {"key": f"man{m % 10}"}}}
    for d in range(4):
        yield {"resource": "data-centers", "key": f"dc{d}", "body": {"name": f"DC{d}"}}
    for r in range(16):
        yield {"resource": "server-rooms", "key": f"room{r}", "body": {"name": f"Room {r}", "data_center": {"key": f"dc{r % 4}"}}}
    for r in range(400):
        yield {"resource": "racks", "key": f"rack{r}",
               "body": {"name": f"R{r}", "server_room": {"key": f"room{r % 16}"}, "require_position": False}}
    for s in range(40):
        yield {"resource": "services", "key": f"svc{s}",
               "body": {"name": f"service-{s}", "uid": f"sc-{s}", "environments": [{"key": "env-prod"}, {"key": "env-test"}],
                        "business_owners": [], "technical_owners": []}}
    for i in range(n):
        tags = rnd.sample(["db", "web", "cache", "gpu", "edge", "legacy"], rnd.randint(0, 3))
        yield {"resource": "data-center-assets", "body": {
            "hostname": f"srv-{rnd.choice(WORDS)}-{i:07d}.dc{i % 4}.example.com",
            "sn": f"SN{i:09d}", "barcode": f"BC{i:09d}", "model": {"key": f"model{rnd.randrange(50)}"},
            "property_of": {"key": "owner"},
            "rack": {"key": f"rack{rnd.randrange(400)}"}, "position": rnd.randint(1, 47),
            "status": rnd.choice([1, 2, 2, 2, 3, 4]), "tags": tags,
            "invoice_date": f"{rnd.randint(2015, 2025)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
            "service_env": None}}


QUERIES = [
    ("exact hostname", {"hostname": "srv-delta-0000042.dc2.example.com"}),
    ("hostname__startswith", {"hostname__startswith": "srv-helix-00001"}),
    ("hostname__icontains", {"hostname__icontains": "ECHO-00002"}),
    ("status", {"status": "3"}),
    ("rack__server_room__data_center", {"rack__server_room__data_center": "2"}),
    ("service_env__service__name", {"service_env__service__name": "service-3"}),
    ("model__name", {"model__name": "Model-7"}),
    ("tag AND tag", {"tag": ["db", "gpu"]}),
    ("invoice_date__lte + ordering", {"invoice_date__lte": "2016-06-01", "ordering": "-invoice_date"}),
    ("plain list", {}),
    ("deep offset (last page)", {"offset": "__DEEP__"}),
    ("middle offset (N/2)", {"offset": "__MIDDLE__"}),
    ("detail GET", None),
    ("base-objects name__startswith", {"name__startswith": "srv-alpha-00003"}),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(conn, path: str, token: str):
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Token {token}", "Accept": "application/json"})
    resp = conn.getresponse()
    resp.read()
    elapsed = (time.perf_counter() - started) * 1000
    timing = resp.getheader("Server-Timing", "app;dur=nan").split("dur=")[1]
    if resp.status != 200:
        raise RuntimeError(f"{path}: {resp.status}")
    return elapsed, float(timing)


def _path(name: str, params, n: int) -> str:
    if params is None:
        return f"/api/data-center-assets/{n // 2}/"
    base = "/api/base-objects/" if name.startswith("base-objects") else "/api/data-center-assets/"
    params = dict(params, limit="100")
    if params.get("offset") == "__DEEP__":
        params["offset"] = str(max(0, n - 100))
    if params.get("offset") == "__MIDDLE__":
        params["offset"] = str(n // 2)
    return base + "?" + urlencode(params, doseq=True)


def measure(port: int, token: str, n: int, requests: int) -> list[tuple]:
    rows = []
    for name, params in QUERIES:
        path = _path(name, params, n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        _get(conn, path, token)  # warm
        samples = [_get(conn, path, token) for _ in range(requests)]
        client = sorted(s[0] for s in samples)
        server = sorted(s[1] for s in samples)
        done, stop = [0], time.perf_counter() + 3

        def hammer():
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while time.perf_counter() < stop:
                _get(c, path, token)
                done[0] += 1

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rows.append((name, _pct(server, 50), _pct(server, 95), _pct(client, 50), _pct(client, 95), done[0] / 3))
    return rows


def _pct(values: list[float], p: int) -> float:
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def load(cli: list[str], env: dict, work: Path, args) -> None:
    """Write the inventory, import it (waiting for the projection), add the user, analyze."""
    data = work / "inventory.jsonl"
    with open(data, "w") as out:
        for item in inventory(args.n):
            out.write(json.dumps(item) + "\n")
    started = time.perf_counter()
    subprocess.run(cli + ["import", str(data), "--quiet", "--batch", "1000"], env=env, cwd=ROOT, check=True)
    loaded = time.perf_counter() - started
    print(f"import + projection of {args.n} assets ({args.db}): {loaded:.1f} s, {args.n / loaded:.0f} assets/s")
    subprocess.run(cli + ["users", "create", "bench", "--password", "bench", "--superuser"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(env["RALPH_ES_DATABASE_URL"].replace("+psycopg", ""), autocommit=True) as db:
            db.execute("VACUUM ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--database", help="measure this kept PostgreSQL database (loaded with --n) again")
    parser.add_argument("--secret", help="the RALPH_ES_SECRET_KEY the kept database was loaded with")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ralph-es-bench-"))
    secret = args.secret or secrets.token_hex(16)
    env = dict(os.environ, RALPH_ES_SECRET_KEY=secret, RALPH_ES_VAR_DIR=str(work), PYTHONPATH=str(ROOT))
    env.pop("RALPH_ES_REDIS_URL", None)
    admin = None
    if args.db == "postgres":
        import psycopg

        admin = psycopg.connect(PG_SERVER, autocommit=True)
        database = args.database or f"ralph_es_bench_{secrets.token_hex(4)}"
        if not args.database:
            admin.execute(f'CREATE DATABASE "{database}"')
        env["RALPH_ES_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    server = None
    cli = [sys.executable, "-m", "workers.cli"]
    try:
        if not args.database:
            load(cli, env, work, args)
        if admin is not None and args.keep:
            print(f"kept: --database {database} --secret {secret}")
        port = _free_port()
        server = subprocess.Popen(cli + ["serve", "--port", str(port), "--workers", "2"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        token = api_token(secret, 1)
        rows = measure(port, token, args.n, args.requests)
        print(f"\n{'query (limit=100)':36} {'srv p50':>8} {'srv p95':>8} {'cli p50':>8} {'cli p95':>8} {'req/s':>7}")
        for query, s50, s95, c50, c95, rps in rows:
            print(f"{query:36} {s50:8.1f} {s95:8.1f} {c50:8.1f} {c95:8.1f} {rps:7.0f}")
        print("(milliseconds; srv = Server-Timing, cli = HTTP round trip; req/s with 4 concurrent clients)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if admin is not None and not (args.keep or args.database):
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
