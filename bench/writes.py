"""Write throughput over HTTP: data-center-asset POSTs with read-your-writes (issue 15, target 1).

Starts ``ralph-es serve`` (and, on PostgreSQL, one ``ralph-es worker``) on a
fresh database, creates the dictionaries an asset names, then POSTs new
assets from ``--clients`` threads for ``--seconds`` and prints one line per
mode: writes/s, latency percentiles, errors, how many answers said the
read model was behind (``X-Read-Model-Behind``: read-your-writes missed),
and the CPU time per write of the servers, the workers and PostgreSQL (the
machine's whole, so run it alone).

    .venv/bin/python bench/writes.py --mode both --clients 4 --seconds 20
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection, RemoteDisconnected
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"


def _env(mode: str, tmp: Path, db: str) -> dict:
    env = {**os.environ, "RALPH_ES_VAR_DIR": str(tmp), "RALPH_ES_SECRET_KEY": "bench"}
    if mode == "postgres":
        env |= {"RALPH_ES_DATABASE_URL": PG + db, "RALPH_ES_REDIS_URL": "redis://127.0.0.1:6379/0",
                "RALPH_ES_QUEUE": f"bench-{db}"}
    else:
        env |= {"RALPH_ES_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}"}
        env.pop("RALPH_ES_REDIS_URL", None)
    return env


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)


class Client:
    """One keep-alive HTTP connection per thread, with the bench superuser's API token (as Ralph's clients)."""

    def __init__(self, port: int):
        self.port = port
        self.local = threading.local()
        self.auth = ""
        status, _, doc = self.request("POST", "/api-token-auth/", {"username": "bench", "password": "bench"})
        if status != 200:
            raise SystemExit(f"token: {status} {doc}")
        self.auth = f"Token {doc['token']}"

    def request(self, method: str, path: str, body=None) -> tuple[int, dict, dict]:
        """One request on this thread's connection; a connection the server closed while it sat idle is
        opened again (a GET is sent again; another method only if it was not sent)."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} | ({"Authorization": self.auth} if self.auth else {})
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                conn.request(method, path, body=data, headers=headers)
            except (BrokenPipeError, ConnectionResetError):
                self.local.conn = None
                continue
            try:
                resp = conn.getresponse()
            except (RemoteDisconnected, ConnectionResetError):
                self.local.conn = None
                if method == "GET" and attempt == 1:
                    continue
                raise
            raw = resp.read()
            return resp.status, dict(resp.getheaders()), json.loads(raw) if raw else {}
        raise ConnectionError(f"{method} {path}: the server closed the connection twice")

    def create(self, path: str, body: dict) -> int:
        status, _, doc = self.request("POST", path, body)
        if status != 201:
            raise SystemExit(f"set-up POST {path} -> {status}: {doc}")
        return doc["id"]


def _wait_up(port: int, proc: subprocess.Popen) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health/", timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def _dictionaries(api: Client) -> dict:
    manufacturer = api.create("/api/manufacturers/", {"name": "Dell"})
    dc = api.create("/api/data-centers/", {"name": "DC1"})
    room = api.create("/api/server-rooms/", {"name": "Room", "data_center": dc})
    return {"model": api.create("/api/assetmodels/", {"name": "R640", "type": "data center",
                                                      "manufacturer": manufacturer}),
            "rack": api.create("/api/racks/", {"name": "R1", "server_room": room, "max_u_height": 48}),
            "property_of": api.create("/api/assetholders/", {"name": "Allegro"}),
            "status": "new", "orientation": "front", "invoice_date": "2025-06-01", "price": "1999.00",
            "remarks": "bench write", "tags": ["bench-write"]}


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by this machine's ralph-es servers, ralph-es workers and PostgreSQL backends."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"serve": 0.0, "worker": 0.0, "postgres": 0.0}
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick
        kind = ("serve" if "ralph-es serve" in cmd else "worker" if "ralph-es worker" in cmd
                else "postgres" if cmd.startswith("postgres:") else None)
        if kind:
            out[kind] += used
    return out


def measure(api: Client, base: dict, clients: int, seconds: float) -> dict:
    """POST assets from ``clients`` threads for ``seconds``."""
    api.local = threading.local()  # new connections: one that sat idle may have been closed by the server
    counter, lock = itertools.count(), threading.Lock()
    lat: list[float] = []
    errors: list[str] = []
    behind = [0]
    run = uuid.uuid4().hex[:6]

    def post() -> None:
        i = next(counter)
        body = {**base, "hostname": f"w{run}-{i:07d}.example.com", "sn": f"W{run}{i:07d}",
                "barcode": f"WB{run}{i:07d}", "position": 1 + i % 47}
        t = time.perf_counter()
        status, headers, doc = api.request("POST", "/api/data-center-assets/", body)
        took = (time.perf_counter() - t) * 1000
        with lock:
            if status == 201:
                lat.append(took)
                behind[0] += "X-Read-Model-Behind" in headers or "x-read-model-behind" in headers
            else:
                errors.append(f"{status} {str(doc)[:200]}")

    post()
    lat.clear()
    deadline = time.monotonic() + seconds

    def worker(_):
        while time.monotonic() < deadline:
            post()

    start, cpu = time.monotonic(), cpu_seconds()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    elapsed = time.monotonic() - start
    used = {kind: after - cpu[kind] for kind, after in cpu_seconds().items()}
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    return {"writes/s": round(len(lat) / elapsed, 1), "p50 ms": round(q[49], 1), "p95 ms": round(q[94], 1),
            "p99 ms": round(q[98], 1), "writes": len(lat), "errors": len(errors), "behind": behind[0],
            **{f"cpu ms/write {kind}": round(sec * 1000 / max(1, len(lat)), 2) for kind, sec in used.items()},
            "first error": errors[0] if errors else ""}


def run(mode: str, port: int, workers: int | None, scenario) -> dict:
    """One mode from a fresh database to its result line: ``scenario(api, env)`` against a server (and, on
    PostgreSQL, a worker) with the environment ``env``."""
    db = f"ralph_es_bench_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(mode, Path(tmp), db)
        if mode == "postgres":
            _psql(f"CREATE DATABASE {db}")
        procs: list[subprocess.Popen] = []
        try:
            subprocess.run([BIN / "ralph-es", "users", "create", "bench", "--password", "bench", "--superuser"],
                           env=env, check=True, capture_output=True)
            serve = [BIN / "ralph-es", "serve", "--port", str(port)] + (["--workers", str(workers)] if workers else [])
            procs.append(subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            if mode == "postgres":
                procs.append(subprocess.Popen([BIN / "ralph-es", "worker"], env=env, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
            _wait_up(port, procs[0])
            api = Client(port)
            result = scenario(api, env)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            if mode == "postgres":
                _psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    return {"mode": mode, **result}


def arguments(doc: str, port: int) -> argparse.ArgumentParser:
    """The options of a benchmark built on :func:`run`."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--mode", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--port", type=int, default=port)
    p.add_argument("--workers", type=int, help="granian workers (default: ralph-es serve's)")
    return p


def each_mode(a: argparse.Namespace, scenario) -> int:
    """Print the machine line, then one JSON line per mode: :func:`run` of ``scenario``."""
    print(f"# {time.strftime('%Y-%m-%dT%H:%M:%S')} {platform.node()} nproc={os.cpu_count()} "
          f"loadavg={' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for mode in ("sqlite", "postgres") if a.mode == "both" else (a.mode,):
        print(json.dumps(run(mode, a.port, a.workers, scenario)), flush=True)
    return 0


def main() -> int:
    a = arguments(__doc__, 8765).parse_args()
    return each_mode(a, lambda api, _env: {"clients": a.clients,
                                           **measure(api, _dictionaries(api), a.clients, a.seconds)})


if __name__ == "__main__":
    sys.exit(main())
