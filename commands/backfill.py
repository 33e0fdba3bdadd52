"""Claims for uniqueness rules that changed after records were stored.

A ``unique_together`` set added later (:class:`~commands.catalog.migrations.AddUnique`)
or a unique field scoped anew (:class:`~commands.catalog.migrations.ScopeUnique`) is
enforced by claims taken when a record is written; records stored before hold
none (or hold the old scope's). At start, each such rule not yet backfilled
claims the values of every live record of its resource, lowest id first
(and frees the old scope's claims), then stores a marker claim so that it
runs once. The records to look at come from the write side's reference index
(each has a required foreign key), not from the read model. When old records
already share a value, the first keeps the claim; the others keep their value
until a write changes it (then the set is checked, as for any write).
"""

from __future__ import annotations

from .catalog import CATALOG, Resource, in_catalog
from .catalog.migrations import MIGRATIONS, AddUnique, ScopeUnique, named_now
from .handlers import Commands, NotFound, claim_key, claim_owner

#: Records whose claims are appended per transaction.
BATCH = 500


def marker(index: int) -> str:
    """The claim key that records MIGRATIONS[index] as backfilled."""
    return f"ralph-es:catalogue:{index + 1}:claims"


def backfill_claims(commands: Commands) -> int:
    """Take the claims of the rules not backfilled yet; the number of claims taken."""
    rules = [i for i, migration in enumerate(MIGRATIONS) if isinstance(migration, AddUnique | ScopeUnique)]
    if commands.claimed([marker(i) for i in rules]):  # every rule done: one query at each start
        return 0
    taken = 0
    for index in rules:
        migration = MIGRATIONS[index]
        if commands.claimed([marker(index)]):
            continue
        name, _ = named_now(index, migration.resource)
        if in_catalog(name):
            res = CATALOG[name]
            if isinstance(migration, AddUnique):
                fields = tuple(named_now(index, migration.resource, f)[1] for f in migration.fields)
                taken += _backfill(commands, res, fields, None)
            else:
                field = named_now(index, migration.resource, migration.field)[1]
                taken += _backfill(commands, res, (field,), migration.scope)
        commands.take_claims({marker(index): "catalogue"})
    return taken


def listed_by(res: Resource, fields: tuple[str, ...]) -> str:
    """The foreign key whose reference rows list the records a rule covers: one of the set, else a required one."""
    for f in (*(res.get(n) for n in fields), *res.stored_fields):
        if f.kind == "fk" and (f.name in fields or (f.required and not f.null)):
            return f.name
    raise LookupError(f"{res.name}: no foreign key lists the records of {fields}")


def _backfill(commands: Commands, res: Resource, fields: tuple[str, ...], scope: str | None) -> int:
    """Claim ``fields`` for every live record (within ``scope``, freeing the family's claims, when given)."""
    claims: dict[str, tuple[str, str | None]] = {}  # key: (owner, the old scope's key)
    for pk in commands.store.references.owners(res.name, listed_by(res, fields)):
        try:
            values = commands.load(res, pk).values
        except NotFound:
            continue
        key = claim_key(res, fields, values, scope)
        if key is not None and key not in claims:
            claims[key] = (claim_owner(res, pk), scope and claim_key(res, fields, values, res.family))
    items = list(claims.items())
    return sum(commands.take_claims({key: owner for key, (owner, _) in chunk},
                                    {old: owner for _, (owner, old) in chunk if old})
               for chunk in (items[i:i + BATCH] for i in range(0, len(items), BATCH)))
