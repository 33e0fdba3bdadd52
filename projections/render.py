"""Rendering of Ralph's representations from stored record values.

URLs are rendered relative and prefixed with :data:`HOST`, a character that
JSON output can never contain on its own (strings with NUL are refused on
write), so a stored document becomes absolute with one replace per response.
"""

from __future__ import annotations

import copy
from typing import Protocol

from commands.catalog import CATALOG, Resource
from commands.catalog.display import Records, display, follow
from commands.catalog.fields import Field

HOST = "\x00"
#: How deep nested objects go before foreign keys fall back to URLs.
MAX_DEPTH = 3


class States(Records, Protocol):
    """Where rendering reads the stored values of other records."""

    def children(self, resource: str, via: str, pk: int) -> list[int]:
        """Ids of ``resource`` records whose ``via`` field equals ``pk``."""

    #: Nested representations rendered so far, reused while the states do not change.
    rendered: dict


def api_url(res: Resource, pk: int, state: dict | None = None) -> str:
    """Host-relative URL of a record (``url``)."""
    if res.url_format and state is not None:
        return f"{HOST}/api/" + res.url_format.format(id=pk, **state) + "/"
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
        if f.kind in ("fk", "m2m", "json", "tags", "permissions"):
            out[f.name] = copy.deepcopy(values.get(f.key))
        else:
            out[f.name] = _value(res, f, pk, state, None, 0)
    return out


def _nested(res: Resource, pk: int, state: dict, shape: tuple, states: States, depth: int,
            concrete: Resource | None = None) -> dict:
    """The entries of ``shape`` of a record; fields the declared type lacks come from the concrete type.

    A relation named plainly is a URL; ``(name, sub)`` nests it in ``sub``
    (:func:`commands.catalog.fields.nest`); ``key=path`` renders the value at
    ``path`` (or the computed field ``path``) under ``key``.
    """
    out = {}
    for entry in shape:
        sub = None
        if isinstance(entry, tuple):
            entry, sub = entry
        else:
            key, _, path = entry.partition("=")
            if path:
                f = res.get(path)
                computed = f is not None and f.kind == "computed"
                out[key] = _value(res, f, pk, state, states, depth) if computed else follow(res, state, path, states)
                continue
        owner = res if res.get(entry) is not None or concrete is None else concrete
        f = owner.get(entry)
        if f is None:
            out[entry] = None
        elif f.kind in ("fk", "m2m"):
            out[entry] = _related(f, state, states, depth, sub)
        else:
            out[entry] = _value(owner, f, pk, state, states, depth)
    return out


def _related(f: Field, state: dict, states: States, depth: int, shape: tuple | None):
    """A foreign key or many-to-many value: URLs, or objects of ``shape``."""
    if f.kind == "fk":
        found = _reference(f.target, state.get(f.key), shape, states, depth)
        if f.link and isinstance(found, dict) and "url" in found:
            found = {**found, "url": api_url(CATALOG[f.link], state[f.key])}
        return found
    items = (_reference(f.target, i, shape, states, depth) for i in state.get(f.name) or [])
    return [item for item in items if item is not None]


def _reference(target: str, pk, shape: tuple | None, states: States, depth: int):
    """One related record: its URL, or its ``shape`` nested."""
    if pk is None:
        return None
    found = states.state(target, pk)
    if found is None:
        return None
    concrete, state = found
    declared = CATALOG[target]
    if shape is None or depth >= MAX_DEPTH:
        return api_url(declared if declared.polymorphic else concrete, pk, state)  # Ralph: baseobject-detail
    key = (declared.name, pk, shape, depth)
    if key not in states.rendered:
        states.rendered[key] = _nested(declared if declared.polymorphic else concrete, pk, state, shape, states,
                                       depth + 1, concrete)
    return states.rendered[key]


def _value(res: Resource, f: Field, pk: int, state: dict, states: States | None, depth: int):
    kind = f.kind
    if kind == "id":
        return state.get(res.key) if res.key else pk
    if kind == "url":
        return api_url(res, pk, state)
    if kind == "ui_url":
        return ui_url(res, pk)
    if kind == "object_type":
        return res.model_name
    if kind == "str":
        return f"{res.verbose}: {display(res, pk, state, states)}"
    if kind == "choice":
        value = state.get(f.name)
        return None if value is None else f.choice_name(value)
    if kind in ("tags", "permissions"):
        return list(state.get(f.name) or [])
    if kind in ("fk", "m2m"):
        return _related(f, state, states, depth, f.nested)
    if kind == "derived":
        return _derived(res, f, state, states, depth)
    if kind == "reverse":
        return _reverse(f, pk, states, depth)
    if kind == "value":
        return follow(res, state, f.source, states)
    if kind == "unserved":
        return None
    if kind == "computed":
        from .computed import COMPUTED

        return COMPUTED[f.source](res, pk, state, states) if states is not None else None
    if kind == "custom_fields":
        return custom_field_values(res, pk, states, only_configuration=f.source == "configuration")
    value = state.get(f.name)
    if f.joined and value is not None:
        return value.split(f.joined)
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
    items = [_reference(final.target, i, f.nested, states, depth) for i in ids or [] if i is not None]
    items = [item for item in items if item is not None]
    return items if f.many else (items[0] if items else None)


def _reverse(f: Field, pk: int, states: States, depth: int):
    if f.target not in CATALOG or depth >= MAX_DEPTH:
        return [] if f.many else None
    items = [_reference(f.target, i, f.nested, states, depth) for i in states.children(f.target, f.via, pk)]
    items = [item for item in items if item is not None]
    return items if f.many else (items[0] if items else None)


def custom_field_values(res: Resource, pk: int, states: States | None, only_configuration: bool) -> dict:
    """``{attribute_name: value}`` of a record's custom fields."""
    if states is None:
        return {}
    out = {}
    for value_pk in states.children("customfieldvalues", "object_id", pk):
        _, value = states.state("customfieldvalues", value_pk)
        if value.get("object_family") != res.family:
            continue
        found = states.state("custom-fields", value.get("custom_field"))
        if found and (found[1].get("use_as_configuration_variable") or not only_configuration):
            out[found[1].get("attribute_name")] = value.get("value")
    return out
