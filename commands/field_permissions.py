"""Ralph's field-level permissions (``PermByFieldMixin``): per field of some models, ``view_<model>_<field>_field``
and ``change_<model>_<field>_field``.

For a user who is not a superuser, a field of such a model is shown only with
one of the two (in the model's own representation and wherever it is nested
in another's), and written only with the change permission. The fields
concerned are the model's own stored fields (foreign keys and many-to-many
included); ids, timestamps, tags, links and computed values are always shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import msgspec

from .catalog import CATALOG, Resource
from .catalog.fields import STORED_KINDS, Field, entry_key
from .validation import ValidationFailed

if TYPE_CHECKING:
    from .principals import Principal

READ_ONLY = "You cannot update readonly field."
_encode = msgspec.json.Encoder().encode
#: Stored kinds that are not permissioned model fields (Ralph: taggit's ``tags`` is not serialised as a field).
_UNPERMISSIONED = frozenset({"tags", "password", "permissions"})


def permissioned(res: Resource) -> tuple[Field, ...]:
    """The fields of ``res`` that field permissions govern (none unless the model has them)."""
    if not res.field_permissions:
        return ()
    return tuple(f for f in res.fields if f.kind in STORED_KINDS - _UNPERMISSIONED and not f.secret)


def codename(action: str, res: Resource, f: Field) -> str:
    """``view_datacenterasset_sn_field``: the model is the resource's own (inherited fields included)."""
    return f"{action}_{res.model_name}_{f.name}_field"


def field_codenames(res: Resource) -> list[str]:
    """Every field permission of ``res``."""
    return [codename(action, res, f) for f in permissioned(res) for action in ("view", "change")]


@dataclass(frozen=True)
class Mask:
    """What to take out of one resource's representation: its hidden keys, and masks of what it nests."""

    hidden: frozenset[str]
    nested: tuple[tuple[str, Mask], ...]

    def apply(self, value):
        """``value`` (a representation, or a list of them) without what the mask hides."""
        if isinstance(value, list):
            return [self.apply(item) for item in value]
        if not isinstance(value, dict):
            return value
        out = {k: v for k, v in value.items() if k not in self.hidden}
        for name, mask in self.nested:
            if out.get(name) is not None:
                out[name] = mask.apply(out[name])
        return out


def shown(user: Principal, res: Resource, docs: list[bytes]) -> list[bytes]:
    """Stored JSON documents of ``res`` as ``user`` may see them (the documents themselves when nothing is
    hidden)."""
    hiding = mask(user, res)
    if hiding is None:
        return docs
    return [_encode(hiding.apply(msgspec.json.decode(doc))) for doc in docs]


def shown_entries(user: Principal, entries: list[dict]) -> list[dict]:
    """History or feed entries without the changes of fields ``user`` may not see."""
    out = []
    for entry in entries:
        hiding = mask(user, CATALOG[entry["resource"]])
        if hiding is not None:
            entry = {**entry, "changes": {k: v for k, v in entry["changes"].items() if k not in hiding.hidden}}
        out.append(entry)
    return out


def mask(user: Principal, res: Resource) -> Mask | None:
    """What ``user`` may not see of ``res`` and of what it nests; None when the user sees everything."""
    return None if user.is_superuser else _mask(res.name, user.permissions, 0)


@lru_cache(maxsize=4096)
def _mask(name: str, permissions: frozenset[str], depth: int) -> Mask | None:
    res = CATALOG[name]
    allowed = _allowed(res, permissions, "view")
    hidden = frozenset(f.name for f in permissioned(res) if f.name not in allowed)
    nested = []
    if depth < 4:
        for f in res.read_fields:
            target = f.target if f.nested else None
            if target and target in CATALOG:
                inner = _mask(target, permissions, depth + 1)
                if inner is not None:
                    shown = {entry_key(entry) for entry in f.nested}
                    nested.append((f.name, Mask(inner.hidden & shown,
                                                tuple((k, m) for k, m in inner.nested if k in shown))))
    if not hidden and not nested:
        return None
    return Mask(hidden, tuple(nested))


def _allowed(res: Resource, permissions: frozenset[str], action: str) -> set[str]:
    """The names of the permissioned fields the codenames grant for ``action`` (a change grants a view)."""
    actions = ("view", "change") if action == "view" else ("change",)
    return {f.name for f in permissioned(res) if any(codename(a, res, f) in permissions for a in actions)}


def changeable(user: Principal, res: Resource, fields) -> list[Field]:
    """Those of ``fields`` of ``res`` that ``user`` may set."""
    if user.is_superuser or not res.field_permissions:
        return list(fields)
    governed, allowed = {f.name for f in permissioned(res)}, _allowed(res, user.permissions, "change")
    return [f for f in fields if f.name not in governed or f.name in allowed]


def check_write(user: Principal, res: Resource, body: dict) -> None:
    """400 naming every sent field of ``res`` that ``user`` may not change."""
    if user.is_superuser or not res.field_permissions:
        return
    allowed = _allowed(res, user.permissions, "change")
    refused = [f.name for f in permissioned(res) if f.name in body and f.name not in allowed]
    if refused:
        raise ValidationFailed({name: [READ_ONLY] for name in refused})
