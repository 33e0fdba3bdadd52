"""Rendering of Ralph's representations from stored record values.

URLs are rendered relative and prefixed with :data:`HOST`, a character that
JSON output can never contain on its own (strings with NUL are refused on
write), so a stored document becomes absolute with one replace per response.
"""

from __future__ import annotations

import copy
import re
from typing import Protocol

from commands.catalog import CATALOG, Resource
from commands.catalog.fields import Field

HOST = "\x00"
#: How deep nested objects go before foreign keys fall back to URLs.
MAX_DEPTH = 3
_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:__[a-z_]+)*)(?:\|([^}]*))?\}")


class States(Protocol):
    """Where rendering reads the stored values of other records."""

    def state(self, resource: str, pk: int) -> tuple[Resource, dict] | None:
        """(concrete resource, stored values) of a live record, or None."""

    def children(self, resource: str, via: str, pk: int) -> list[int]:
        """Ids of ``resource`` records whose ``via`` field equals ``pk``."""


def api_url(res: Resource, pk: int) -> str:
    """Host-relative URL of a record (``url``)."""
    return f"{HOST}/api/{res.name}/{pk}/"


def ui_url(res: Resource, pk: int) -> str:
    """Host-relative URL of the record's admin page (``ui_url``)."""
    return f"{HOST}/{res.app_label}/{res.model_name}/{pk}/change/"


def render(res: Resource, pk: int, state: dict, states: States) -> dict:
    """The GET representation of one record."""
    return {f.name: _value(res, f, pk, state, states, 0) for f in res.read_fields}


def render_written(res: Resource, pk: int, values: dict, created: str, modified: str) -> dict:
    """The flat representation returned by POST/PUT/PATCH (save serializer)."""
    state = {**values, "created": created, "modified": modified}
    out = {}
    for f in res.write_fields:
        if f.kind in ("fk", "m2m", "json", "tags"):
            out[f.name] = copy.deepcopy(values.get(f.name))
        else:
            out[f.name] = _value(res, f, pk, state, None, 0)
    return out


def _nested(res: Resource, pk: int, state: dict, names: tuple[str, ...], states: States, depth: int) -> dict:
    out = {}
    for name in names:
        key, _, path = name.partition("=")
        if path:
            out[key] = follow(res, state, path, states)
            continue
        f = res.get(name)
        out[name] = None if f is None else _value(res, f, pk, state, states, depth)
    return out


def _reference(f: Field, pk, states: States, depth: int, target: str | None = None):
    if pk is None:
        return None
    found = states.state(target or f.target, pk)
    if found is None:
        return None
    concrete, state = found
    declared = CATALOG[target or f.target]
    if f.nested is None or depth >= MAX_DEPTH:
        return api_url(concrete, pk)
    shape = declared if declared.polymorphic else concrete
    return _nested(shape, pk, state, f.nested, states, depth + 1)


def _value(res: Resource, f: Field, pk: int, state: dict, states: States | None, depth: int):
    kind = f.kind
    if kind == "id":
        return pk
    if kind == "url":
        return api_url(res, pk)
    if kind == "ui_url":
        return ui_url(res, pk)
    if kind == "object_type":
        return res.model_name
    if kind == "str":
        return f"{res.verbose}: {display(res, pk, state, states)}"
    if kind == "choice":
        value = state.get(f.name)
        return None if value is None else f.choice_name(value)
    if kind == "const":
        return copy.deepcopy(f.default)
    if kind == "tags":
        return list(state.get(f.name) or [])
    if kind == "fk":
        return _reference(f, state.get(f.name), states, depth)
    if kind == "m2m":
        items = (_reference(f, i, states, depth) for i in state.get(f.name) or [])
        return [item for item in items if item is not None]
    if kind == "derived":
        return _derived(res, f, state, states, depth)
    if kind == "reverse":
        return _reverse(f, pk, states, depth)
    value = state.get(f.name)
    return copy.deepcopy(value) if kind == "json" else value


def _derived(res: Resource, f: Field, state: dict, states: States, depth: int):
    *hops, last = f.source.split("__")
    for hop in hops:
        step = res.get(hop)
        found = states.state(step.target, state.get(hop)) if state.get(hop) is not None else None
        if found is None:
            return [] if f.many else None
        res, state = found
    final = res.get(last)
    ids = state.get(last) if final.kind == "m2m" else [state.get(last)]
    items = [_reference(f, i, states, depth, target=final.target) for i in ids or [] if i is not None]
    items = [item for item in items if item is not None]
    return items if f.many else (items[0] if items else None)


def _reverse(f: Field, pk: int, states: States, depth: int):
    if f.target not in CATALOG or depth >= MAX_DEPTH:
        return [] if f.many else None
    items = [_reference(f, i, states, depth) for i in states.children(f.target, f.via, pk)]
    items = [item for item in items if item is not None]
    return items if f.many else (items[0] if items else None)


def follow(res: Resource, state: dict, path: str, states: States | None):
    """The stored value at ``path`` (``a__b__c``), following foreign keys."""
    *hops, last = path.split("__")
    for hop in hops:
        step = res.get(hop)
        if step is None or step.kind != "fk" or state.get(hop) is None or states is None:
            return None
        found = states.state(step.target, state[hop])
        if found is None:
            return None
        res, state = found
    f = res.get(last)
    value = state.get(last)
    return f.choice_name(value) if f is not None and f.kind == "choice" and value is not None else value


def display(res: Resource, pk: int, state: dict, states: States | None) -> str:
    """``str(obj)`` as Ralph's model defines it."""
    if not res.str_format:
        return str(state.get("name") or f"{res.model.split('.')[1]} object ({pk})")

    def sub(match):
        value = follow(res, state, match.group(1), states)
        return str(value) if value not in (None, "") else (match.group(2) or "")

    return _PLACEHOLDER.sub(sub, res.str_format)
