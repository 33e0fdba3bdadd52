"""Renames that many records show, under write load (issue 15, target 3).

Starts ``ralph-es serve`` (and, on PostgreSQL, one ``ralph-es worker``) on a
fresh database, imports ``--n`` data-center assets into one rack of one data
center (one model; PostgreSQL: then ``VACUUM ANALYZE``), then measures ``--clients`` threads POSTing assets for
``--seconds``: once as they are, then while the data center is renamed, then
while the model is renamed. Prints one line per run: write latencies, and for
a rename its own answer time, the seconds until the read model holds no
pending renders (what ``ralph-es projections status`` shows as ``renders
pending``), the most pending seen, and whether every asset then shows the new
name.

    .venv/bin/python bench/renames.py --mode both --n 100000 --clients 4 --seconds 20
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.writes import BIN, Client, _dictionaries, arguments, each_mode, measure  # noqa: E402
from projections.tables import default_schema  # noqa: E402

DCA = "/api/data-center-assets/"


def _load(env: dict, base: dict, n: int) -> float:
    """Import ``n`` assets like ``base`` (projected before it returns); the seconds it took."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for i in range(n):
            body = {**base, "hostname": f"r{i:07d}.example.com", "sn": f"R{i:07d}", "barcode": f"RB{i:07d}",
                    "position": 1 + i % 47}
            f.write(json.dumps({"resource": "data-center-assets", "key": f"r{i}", "body": body}) + "\n")
    started = time.monotonic()
    try:
        subprocess.run([BIN / "ralph-es", "import", f.name], env=env, check=True, capture_output=True)
    finally:
        os.unlink(f.name)
    return time.monotonic() - started


def _pending(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(default_schema().pending)).scalar()


def _every_asset_shows(api: Client, shown, name: str) -> bool:
    """True when every asset's document shows ``name`` where ``shown(doc)`` reads it."""
    offset = 0
    while True:
        status, _, page = api.request("GET", f"{DCA}?limit=1000&offset={offset}")
        if status != 200:
            raise SystemExit(f"GET {DCA} -> {status}")
        if any(shown(doc) != name for doc in page["results"]):
            return False
        offset += 1000
        if page["next"] is None:
            return True


def renamed(api: Client, engine, base: dict, path: str, name: str, shown, clients: int, seconds: float) -> dict:
    """Writes for ``seconds`` while ``path`` is renamed to ``name`` one second in: latencies and propagation."""
    out: dict = {}

    def rename() -> None:
        time.sleep(1)
        started = time.monotonic()
        status, _, doc = api.request("PATCH", path, {"name": name})
        if status != 200:
            raise SystemExit(f"PATCH {path} -> {status}: {doc}")
        out["rename ms"] = round((time.monotonic() - started) * 1000, 1)
        most = pending = _pending(engine)
        while pending:
            time.sleep(0.2)
            pending = _pending(engine)
            most = max(most, pending)
        out["propagated s"] = round(time.monotonic() - started, 1)
        out["most pending"] = most

    thread = threading.Thread(target=rename)
    thread.start()
    result = measure(api, base, clients, seconds)
    thread.join()
    result |= out | {"all show it": _every_asset_shows(api, shown, name)}
    print(json.dumps(result), file=sys.stderr, flush=True)
    return result


def scenario(api: Client, env: dict, n: int, clients: int, seconds: float) -> dict:
    base = _dictionaries(api)
    _status, _, page = api.request("GET", "/api/data-centers/?name=DC1")
    dc = page["results"][0]["id"]
    loaded = _load(env, base, n)
    engine = create_engine(env["RALPH_ES_DATABASE_URL"])
    if engine.dialect.name == "postgresql":  # not autovacuum's first pass over the new rows during the runs
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    try:
        runs = {"import s": round(loaded, 1), "as they are": measure(api, base, clients, seconds)}
        runs["data center renamed"] = renamed(api, engine, base, f"/api/data-centers/{dc}/", "DC1-renamed",
                                              lambda d: d["rack"]["server_room"]["data_center"]["name"],
                                              clients, seconds)
        runs["model renamed"] = renamed(api, engine, base, f"/api/assetmodels/{base['model']}/", "R640-renamed",
                                        lambda d: d["model"]["name"], clients, seconds)
    finally:
        engine.dispose()
    return {"assets": n, "clients": clients, **runs}


def main() -> int:
    p = arguments(__doc__, 8766)
    p.add_argument("--n", type=int, default=20_000, help="assets in the renamed data center and model")
    a = p.parse_args()
    return each_mode(a, lambda api, env: scenario(api, env, a.n, a.clients, a.seconds))


if __name__ == "__main__":
    sys.exit(main())
