"""Longer fault runs: the suite's outage tests with longer outages and more worker kills.

    python bench/outages.py --scale 10

Needs PostgreSQL and Redis as the tests do (RALPH_ES_TEST_PG, RALPH_ES_TEST_REDIS).
Prints pytest's verdict and what each scenario did.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=10, help="times longer outages and more kills than the suite")
    args = p.parse_args()
    env = dict(os.environ, RALPH_ES_FAULT_SCALE=str(args.scale), CI="true")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-n", "0", "-p", "no:cacheprovider",
                           "tests/test_outages.py", "-k", "outlive or killed"], cwd=ROOT, env=env)
    print(f"outages x{args.scale:g}: {time.perf_counter() - started:.0f} s, "
          f"{'every guarantee held' if done.returncode == 0 else 'A GUARANTEE BROKE (see above)'}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
