"""Catalogue migrations: how stored record events written under an earlier catalogue read today.

Stored events are never rewritten. Every record event carries the
catalogue version it was written under (``catalogue``: how many entries of
:data:`MIGRATIONS` existed then); when an event is read, on the write side
and the read side alike, the migrations declared after its version are
applied to it in order (:func:`migrate`, called by the store's mapper).

To change the catalogue (docs/architecture.md, "Changing the catalogue"):
change the declaration and append the matching entry here, never edit or
reorder an entry. Names are those at the time of the migration.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenameResource:
    """Resource ``old`` is called ``new`` (its id space, claims and stored references keep working)."""

    old: str
    new: str

    def apply(self, state: dict) -> None:
        for key in ("resource", "previous"):  # a conversion names the resource it came from too
            if state.get(key) == self.old:
                state[key] = self.new
        for values in _all_dicts(state):  # generic relations name their object's resource
            named = values.get("object_resource")
            if named == self.old:
                values["object_resource"] = self.new
            elif isinstance(named, list) and values is state.get("changes"):  # [old, new] of a conversion
                values["object_resource"] = [self.new if n == self.old else n for n in named]


@dataclass(frozen=True)
class RenameField:
    """Field ``old`` of ``resource`` is called ``new``."""

    resource: str
    old: str
    new: str

    def apply(self, state: dict) -> None:
        for values in _value_dicts(state, self.resource):
            if self.old in values:
                values[self.new] = values.pop(self.old)


@dataclass(frozen=True)
class AddField:
    """``resource`` has a new stored field ``name``; records created before it hold ``default``."""

    resource: str
    name: str
    default: object

    def apply(self, state: dict) -> None:
        for values in _value_dicts(state, self.resource):
            if values is not state.get("changes"):  # whole records: Created, Deleted, Converted
                values.setdefault(self.name, self.default)


@dataclass(frozen=True)
class ChangeChoice:
    """Choice value ``old`` of ``resource``'s ``field`` is stored as ``new``."""

    resource: str
    field: str
    old: object
    new: object

    def apply(self, state: dict) -> None:
        for values in _value_dicts(state, self.resource):
            if self.field not in values:
                continue
            if values is state.get("changes"):
                values[self.field] = [self._map(v) for v in values[self.field]]
            else:
                values[self.field] = self._map(values[self.field])

    def _map(self, value):
        return self.new if value == self.old else value


@dataclass(frozen=True)
class RemoveField:
    """``resource`` no longer has the field ``name``: its stored values are left out when read."""

    resource: str
    name: str

    def apply(self, state: dict) -> None:
        for values in _value_dicts(state, self.resource):
            values.pop(self.name, None)


@dataclass(frozen=True)
class AddUnique:
    """``resource`` is unique on ``fields`` (its ``unique_together``) from this version on.

    Stored events read unchanged; the records stored before take their claims
    once, at the next start (:func:`commands.backfill.backfill_claims`).
    """

    resource: str
    fields: tuple[str, ...]

    def apply(self, state: dict) -> None:
        """Events read as stored: the rule adds claims, not values."""


@dataclass(frozen=True)
class ScopeUnique:
    """``resource``'s unique ``field`` is unique among the records of ``scope`` (its ``unique_scope``: the
    Django table declaring it), no longer across its whole id family.

    Events read unchanged; at the next start the records stored before take
    the claims of the new scope and free those of the old one.
    """

    resource: str
    field: str
    scope: str

    def apply(self, state: dict) -> None:
        """Events read as stored: the rule moves claims, not values."""


Migration = RenameResource | RenameField | AddField | ChangeChoice | RemoveField | AddUnique | ScopeUnique

#: Every catalogue change since events were first stored, oldest first.
MIGRATIONS: tuple[Migration, ...] = (
    AddField("sim-card", "remarks", ""),  # 1: card_number_to_notes keeps replaced card numbers here
    AddField("users", "token_salt", ""),  # 2: a user's API key can be revoked (commands/passwords.py)
    # 3-11: Ralph's unique_together sets (issue 14)
    AddUnique("racks", ("name", "server_room")),
    AddUnique("vips", ("ip", "port", "protocol")),
    AddUnique("base-object-clusters", ("cluster", "base_object")),
    AddUnique("configuration-classes", ("module", "class_name")),
    AddUnique("configuration-modules", ("parent", "name")),
    AddUnique("base-objects-licences", ("licence", "base_object")),
    AddUnique("licence-users", ("licence", "user")),
    AddUnique("base-objects-supports", ("support", "baseobject")),
    AddUnique("access-zone", ("name", "parent")),
    # 12-14: unique within the model's own table, as Django's constraint (issue 14, DC-7)
    ScopeUnique("virtual-servers", "hostname", "virtualserver"),
    ScopeUnique("virtual-servers", "sn", "virtualserver"),
    ScopeUnique("clusters", "hostname", "cluster"),
    RemoveField("supports", "base_objects"),  # 15: read from the support assignments (Ralph's through table)
)


def _all_dicts(state: dict) -> list[dict]:
    """The field-keyed dicts of a record event: ``values`` (Created, Deleted, Converted), ``changes`` (Updated),
    ``previous_values`` (Converted)."""
    return [state[key] for key in ("values", "changes", "previous_values") if key in state]


def _value_dicts(state: dict, resource: str) -> list[dict]:
    """The field-keyed dicts of a record event that hold fields of ``resource``."""
    mine = [state[key] for key in ("values", "changes") if key in state] if state["resource"] == resource else []
    return mine + ([state["previous_values"]] if state.get("previous") == resource else [])


def version() -> int:
    """The catalogue version events are written under today."""
    return len(MIGRATIONS)


def migrate(state: dict) -> None:
    """Bring the state of a record event written under catalogue ``state["catalogue"]`` to today's."""
    for migration in MIGRATIONS[state.get("catalogue", 0):]:
        migration.apply(state)
    state["catalogue"] = len(MIGRATIONS)


def first_resource_name(name: str) -> str:
    """The name ``name`` had when its first event was stored (ids and claims are keyed by it)."""
    for migration in reversed(MIGRATIONS):
        if isinstance(migration, RenameResource) and migration.new == name:
            name = migration.old
    return name


def named_now(index: int, resource: str, name: str | None = None) -> tuple[str, str | None]:
    """The names today of resource ``resource`` and its field ``name`` as MIGRATIONS[index] named them."""
    for migration in MIGRATIONS[index + 1:]:
        if isinstance(migration, RenameResource) and migration.old == resource:
            resource = migration.new
        elif isinstance(migration, RenameField) and (migration.resource, migration.old) == (resource, name):
            name = migration.new
    return resource, name


def first_field_name(resource: str, name: str) -> str:
    """The name field ``name`` of ``resource`` had when first stored (claims are keyed by it)."""
    for migration in reversed(MIGRATIONS):
        if isinstance(migration, RenameResource) and migration.new == resource:
            resource = migration.old
        elif isinstance(migration, RenameField) and (migration.resource, migration.new) == (resource, name):
            name = migration.old
    return name
