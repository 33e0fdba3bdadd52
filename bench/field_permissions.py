"""Benchmark: what field-level permissions cost a list page (``commands/field_permissions.py``).

Renders a full data-center asset through the projection (a real stored document, nested model, rack, service
environment...), then times ``shown()`` on a page of 100 such documents for a user with two field permissions
(the documents decoded, masked, encoded), against a superuser (nothing done).

Run from the project root:

    .venv/bin/python bench/field_permissions.py [--pages 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "tests")]

from falcon.testing import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from commands.catalog import CATALOG  # noqa: E402
from commands.config import Settings  # noqa: E402
from commands.field_permissions import shown  # noqa: E402
from commands.passwords import api_token  # noqa: E402
from commands.principals import Principal  # noqa: E402
from workers.runtime import Runtime  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    from conftest import Api, make_user
    from payloads import Builder

    with tempfile.TemporaryDirectory() as tmp:
        rt = Runtime(Settings(database_url=f"sqlite:///{tmp}/bench.db", redis_url=None, secret_key="bench"))
        root = Api(TestClient(create_app(rt)), api_token("bench", make_user(rt, "root", is_superuser=True,
                                                                             is_staff=True)))
        pk = Builder(root).create(CATALOG["data-center-assets"], full=True)["id"]
        doc = rt.reads.detail(CATALOG["data-center-assets"], pk)
        rt.close()
    page = [doc] * 100
    res = CATALOG["data-center-assets"]
    limited = Principal(2, "u", None, True, True, False, frozenset(
        {"view_datacenterasset", "view_datacenterasset_hostname_field", "change_datacenterasset_sn_field"}), ())
    superuser = Principal(1, "root", None, True, True, True, frozenset(), ())
    print(f"document: {len(doc)} bytes; page of 100: {len(doc) * 100 / 1024:.0f} KiB")
    for label, user in (("superuser", superuser), ("two field permissions", limited)):
        started = time.perf_counter()
        for _ in range(args.pages):
            shown(user, res, page)
        elapsed = (time.perf_counter() - started) / args.pages * 1000
        print(f"{label:>22}: {elapsed:.3f} ms per page of 100")


if __name__ == "__main__":
    main()
