"""Catastrophic-backtracking patterns against the regex lookup: time per request by subject length.

    python bench/regex.py [--database URL]   (default: a temporary embedded SQLite file)

A backtracking engine takes time exponential in the length for ``(a+)+$``
on ``aaa…ab``; RE2 (SQLite's REGEXP here) and PostgreSQL's engine do not.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from falcon.testing import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app  # noqa: E402
from commands.catalog import CATALOG  # noqa: E402
from commands.config import Settings  # noqa: E402
from commands.passwords import api_token  # noqa: E402
from workers.runtime import Runtime  # noqa: E402

LENGTHS = (16, 20, 22, 24, 26, 200)
PATTERNS = ("(a+)+$", "(a|aa)+$", "(a*)*b$")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database", help="a database URL (PostgreSQL: an empty database)")
    args = p.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/regex.db"
    rt = Runtime(Settings(database_url=url, redis_url=None, secret_key="bench"))
    user = rt.commands.create(CATALOG["users"], {"username": "bench", "password": "x", "is_superuser": True,
                                                 "is_staff": True}, None)
    for n in LENGTHS:
        rt.commands.create(CATALOG["manufacturers"], {"name": "a" * n + "!"}, None)
    rt.dispatcher.wait_for(rt.projector.head())
    client = TestClient(create_app(rt))
    headers = {"Authorization": f"Token {api_token('bench', user.pk)}"}
    print(f"database: {url.split('://')[0]}; one record per length, the whole list filtered")
    for pattern in PATTERNS:
        started = time.perf_counter()
        result = client.simulate_get("/api/manufacturers/", params={"name__regex": pattern}, headers=headers)
        elapsed = time.perf_counter() - started
        print(f"name__regex={pattern:10} status {result.status_code} matches {result.json['count']} "
              f"in {elapsed * 1000:.1f} ms (subjects up to {max(LENGTHS)} characters)")
    rt.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
