"""``str()`` of a record as Ralph's model defines it, from stored values (the catalogue's ``str_format``)."""

from __future__ import annotations

import re
from typing import Protocol

from .resource import Resource

_PLACEHOLDER = re.compile(r"\{([a-z_,]+(?:__[a-z_]+)*)(?:\|([^}]*))?\}")


class Records(Protocol):
    """Where the stored values of other records are read."""

    def state(self, resource: str, pk: int) -> tuple[Resource, dict] | None:
        """(concrete resource, stored values) of a live record, or None."""


def follow(res: Resource, state: dict, path: str, states: Records | None):
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


def _describe(res: Resource, state: dict, path: str, states: Records | None):
    """Like :func:`follow`, but a foreign key shows the target's ``str()``."""
    value = follow(res, state, path, states)
    *hops, last = path.split("__")
    for hop in hops:
        found = states.state(res.get(hop).target, state.get(hop)) if states and state.get(hop) else None
        if found is None:
            return value
        res, state = found
    f = res.get(last)
    if f is not None and f.kind == "fk" and value is not None and states is not None:
        found = states.state(f.target, value)
        return display(found[0], value, found[1], states) if found else None
    return value


def _user(res: Resource, pk: int, state: dict, states: Records | None) -> str:
    """``RalphUser.__str__``: the full name and the username, or the username alone."""
    full = f"{state.get('first_name') or ''} {state.get('last_name') or ''}".strip()
    return f"{full} ({state.get('username')})" if full else str(state.get("username"))


def _dns_server_group(res: Resource, pk: int, state: dict, states: Records | None) -> str:
    """``DNSServerGroup.__str__``: the name and its servers' addresses in order (``"ns (10.0.0.1, 10.0.0.2)"``)."""
    servers = (states.state("dns-servers", i) if states is not None else None for i in state.get("servers") or [])
    return f"{state.get('name')} ({', '.join(found[1]['ip_address'] for found in servers if found)})"


#: ``__str__`` methods a format cannot say, by name (``Resource.str_function``).
STR_FUNCTIONS = {"user": _user, "dns_server_group": _dns_server_group}


def display(res: Resource, pk: int, state: dict, states: Records | None) -> str:
    """``str(obj)`` as Ralph's model defines it."""
    if res.str_function:
        return STR_FUNCTIONS[res.str_function](res, pk, state, states)
    if not res.str_format:
        return str(state.get("name") or f"{res.model.split('.')[1]} object ({pk})")

    def sub(match):
        for path in match.group(1).split(","):
            value = _describe(res, state, path, states)
            if value not in (None, ""):
                return str(value)
        return match.group(2) or ""

    return _PLACEHOLDER.sub(sub, res.str_format)
