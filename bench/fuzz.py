"""A long fuzz run: the suite's Hypothesis request fuzzer with many fresh random examples.

    python bench/fuzz.py --examples 20000 [--backend sqlite|postgres|both]

Prints the requests sent per second and pytest's verdict (a failing example
is printed shrunk, with the request that broke the rule).
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
    p.add_argument("--examples", type=int, default=20_000, help="requests per backend")
    p.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    args = p.parse_args()
    selection = "test_hostile_requests_never_hurt" + ("" if args.backend == "both" else f" and {args.backend}")
    env = dict(os.environ, RALPH_ES_FUZZ_EXAMPLES=str(args.examples), RALPH_ES_FUZZ_RANDOM="1")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
                           "tests/test_fuzz.py", "-k", selection], cwd=ROOT, env=env)
    elapsed = time.perf_counter() - started
    runs = 2 if args.backend == "both" else 1
    print(f"fuzz: {args.examples * runs} requests in {elapsed:.0f} s ({args.examples * runs / elapsed:.0f}/s), "
          f"{'no rule broken' if done.returncode == 0 else 'RULE BROKEN (see above)'}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
