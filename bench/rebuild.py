"""Benchmark: a rebuild into a new generation against a replay in place, on a store of N data-center assets.

Loads ``bench/filters.py``'s inventory with ``run_import`` (no API), projects it, then times, on the same
store and read model:

1. in place     - what ``projections rebuild`` did before generations: empty the live read tables under the
                  projection lock and replay the store into them (readers see an empty model meanwhile);
2. generation   - ``projections rebuild`` now (``projections/generations.py``), by phase: ``Rebuild()``
                  (the new generation's tables and indexes made), ``build()`` (the replay), ``switch()`` (the
                  transaction that makes it live, then the old generation dropped).

Run from the project root:

    .venv/bin/python bench/rebuild.py [--n 20000] [--mode sqlite|postgres|both] [--no-in-place]
"""

from __future__ import annotations

import argparse
import json
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import delete  # noqa: E402

from commands.config import Settings  # noqa: E402
from commands.importer import run_import  # noqa: E402
from filters import inventory  # noqa: E402
from projections.generations import Rebuild  # noqa: E402
from workers.runtime import Runtime  # noqa: E402

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def in_place(rt: Runtime) -> float:
    """Seconds to empty the live read tables and replay the store into them."""
    started = time.perf_counter()
    projector = rt.projector
    with projector.engine.begin() as conn:
        projector.lock(conn)
        for table in reversed(projector.schema.all_tables):
            if table is not projector.schema.catalogue:
                conn.execute(delete(table))
    projector.catch_up()
    return time.perf_counter() - started


def generation(rt: Runtime) -> dict[str, float]:
    """Seconds of each phase of a rebuild into a new generation."""
    times, started = {}, time.perf_counter()
    job = Rebuild(rt.projector)
    times["tables"] = time.perf_counter() - started
    job.build()
    times["build"] = time.perf_counter() - started - times["tables"]
    job.switch()
    times["switch"] = time.perf_counter() - started - times["tables"] - times["build"]
    times["total"] = time.perf_counter() - started
    return times


def run(url: str, n: int, replay_in_place: bool) -> dict:
    rt = Runtime(Settings(database_url=url, redis_url=None, secret_key="bench-" + "x" * 32))
    try:
        started = time.perf_counter()
        report = run_import(rt.commands, (json.dumps(line) for line in inventory(n)), None)
        if report.errors:
            raise SystemExit(f"{len(report.errors)} invalid lines, the first: {report.errors[0]}")
        appended = time.perf_counter()
        rt.projector.catch_up()
        loaded = {"append": appended - started, "projection": time.perf_counter() - appended}
        events = rt.projector.head()
        return {"events": events, "load": loaded, "in_place": in_place(rt) if replay_in_place else None,
                "generation": generation(rt)}
    finally:
        rt.close()


def bench(mode: str, n: int, replay_in_place: bool) -> dict:
    if mode == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ralph-es-bench-") as tmp:
            return run(f"sqlite:///{tmp}/bench.db", n, replay_in_place)
    import psycopg

    name = f"ralph_es_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            return run(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", n, replay_in_place)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=20_000, help="data-center assets")
    p.add_argument("--mode", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--no-in-place", action="store_true", help="time the rebuild into a new generation only")
    args = p.parse_args(argv)
    for mode in ("sqlite", "postgres") if args.mode == "both" else (args.mode,):
        r = bench(mode, args.n, not args.no_in_place)
        g, events, load = r["generation"], r["events"], r["load"]
        print(f"\n{mode}: {args.n} assets, {events} events")
        total = load["append"] + load["projection"]
        print(f"  import      {total:7.2f} s  {args.n / total:8,.0f} assets/s  (appends {load['append']:.2f} s, "
              f"projection {load['projection']:.2f} s)")
        if r["in_place"] is not None:
            print(f"  in place    {r['in_place']:7.2f} s  {events / r['in_place']:8,.0f} events/s")
        print(f"  generation  {g['total']:7.2f} s  {events / g['total']:8,.0f} events/s  (tables {g['tables']:.2f} s, "
              f"build {g['build']:.2f} s, switch {g['switch']:.2f} s)")
        print(f"  peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:7.0f} MB (this process so far)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
