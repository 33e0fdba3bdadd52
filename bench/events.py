"""Benchmark: events appended/s and events projected/s, embedded and production.

What it measures, per database, all in one process (no API, no rq worker):

1. append   - N data-center-asset creates through ``rt.commands.create``: each
              is one command (validation, id allocation, uniqueness claims for
              ``sn`` and ``barcode``, one transaction appending the events).
              Nothing is projected in between. Events = store head after - before.
2. catch-up - ``rt.projector.catch_up()`` of just the events appended in step 1.
3. rebuild  - ``rebuild(rt.projector)``: a new generation from the whole store, then the switch-over.

Databases: ``sqlite`` is a file in a temporary directory (embedded mode);
``postgres`` is a fresh database ``ralph_es_bench_<hex>`` on
postgresql://postgres@127.0.0.1:5432 (production mode), dropped afterwards.
The Runtime is built with ``redis_url=None`` in both modes so the append
numbers exclude enqueueing and the projection numbers exclude worker latency.

Run from the project root:

    .venv/bin/python bench/events.py [--n 2000] [--mode sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from commands.catalog import CATALOG
from commands.config import Settings
from projections.generations import rebuild
from workers.runtime import Runtime

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def run(database_url: str, n: int) -> dict:
    """Set up a rack and a model, then time appends, catch-up and rebuild."""
    rt = Runtime(Settings(database_url=database_url, redis_url=None, secret_key="bench"))
    try:
        create = rt.commands.create
        dc = create(CATALOG["data-centers"], {"name": "DC bench"}, None).pk
        room = create(CATALOG["server-rooms"], {"name": "Room 1", "data_center": dc}, None).pk
        rack = create(CATALOG["racks"], {"name": "Rack 1", "server_room": room}, None).pk
        model = create(CATALOG["assetmodels"], {"name": "Model 1", "type": "data center"}, None).pk
        rt.projector.catch_up()  # the set-up events are not part of any measurement

        assets = CATALOG["data-center-assets"]
        before = rt.projector.head()
        t0 = time.perf_counter()
        for i in range(n):
            create(assets, {"model": model, "rack": rack, "position": i % 40 + 1, "sn": f"SN-{i:07d}",
                            "barcode": f"BC-{i:07d}", "hostname": f"host{i}.bench"}, None)
        append_s = time.perf_counter() - t0
        head = rt.projector.head()
        appended = head - before
        assert rt.projector.position() == before, "appends must not project"

        t0 = time.perf_counter()
        rt.projector.catch_up()
        catch_up_s = time.perf_counter() - t0
        assert rt.projector.position() == head

        t0 = time.perf_counter()
        rebuild(rt.projector)
        rebuild_s = time.perf_counter() - t0
        assert rt.projector.position() == head
        return {"commands": n, "appended": appended, "append_s": append_s, "catch_up_s": catch_up_s,
                "store": head, "rebuild_s": rebuild_s}
    finally:
        rt.close()


def bench_sqlite(n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="ralph-es-bench-") as tmp:
        return run(f"sqlite:///{tmp}/bench.db", n)


def bench_postgres(n: int) -> dict:
    import psycopg

    name = f"ralph_es_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            return run(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", n)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>9,.0f}"


def report(mode: str, r: dict) -> None:
    print(f"\n{mode}: {r['commands']} commands, {r['appended']} events appended, {r['store']} events in store")
    print(f"  {'step':<10} {'events':>7} {'seconds':>8} {'events/s':>9} {'commands/s':>10}")
    print(f"  {'append':<10} {r['appended']:>7} {r['append_s']:>8.2f} {rate(r['appended'], r['append_s'])}"
          f" {rate(r['commands'], r['append_s']):>10}")
    print(f"  {'catch-up':<10} {r['appended']:>7} {r['catch_up_s']:>8.2f} {rate(r['appended'], r['catch_up_s'])}")
    print(f"  {'rebuild':<10} {r['store']:>7} {r['rebuild_s']:>8.2f} {rate(r['store'], r['rebuild_s'])}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000, help="data-center-asset creates to time (default 2000)")
    p.add_argument("--mode", choices=("sqlite", "postgres", "both"), default="both")
    args = p.parse_args(argv)
    if args.mode in ("sqlite", "both"):
        report("sqlite (embedded)", bench_sqlite(args.n))
    if args.mode in ("postgres", "both"):
        try:
            import psycopg

            psycopg.connect(PG_SERVER, connect_timeout=3).close()
        except Exception as ex:  # noqa: BLE001 - any reason the server is unusable
            print(f"\npostgres: skipped ({PG_SERVER} unreachable: {str(ex).splitlines()[0]})")
        else:
            report("postgres (production)", bench_postgres(args.n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
