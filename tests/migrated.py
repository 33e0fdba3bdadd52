"""A catalogue history for the migration tests, and a worker that runs under it.

``python -c "import migrated; migrated.main()" worker ...`` starts
``ralph-es`` with :data:`HISTORY` as the catalogue's migrations, so a real
worker process reads events the way the test process does.
"""

from __future__ import annotations

import sys

from commands.catalog import migrations
from commands.catalog.migrations import AddField, ChangeChoice, RemoveField, RenameField, RenameResource

#: As if manufacturers had been "makers" with a "title" and a "country", data-center asset models had been
#: stored as type 7, and asset models had had no cores count (4 for the older ones).
HISTORY = (
    RenameResource("makers", "manufacturers"),
    RenameField("manufacturers", "title", "name"),
    RemoveField("manufacturers", "country"),
    ChangeChoice("assetmodels", "type", 7, 2),
    AddField("assetmodels", "cores_count", 4),
)


def main() -> None:
    """The command line of ``ralph-es`` under :data:`HISTORY`."""
    migrations.MIGRATIONS = HISTORY
    from workers.cli import main as cli

    sys.exit(cli(sys.argv[1:]))
