"""Nested-set numbers of tree resources (django-mptt's lft/rght/tree_id/level).

Ralph's categories are an MPTT tree ordered by name; their representation
shows the nested-set numbers and a depreciation rate inherited from the
nearest ancestor that sets one. The numbers of every node can change when
one node moves, so the whole tree is renumbered after each batch that
touched it.
"""

from __future__ import annotations

from collections import defaultdict


def number_tree(nodes: dict[int, dict], parent: str = "parent", order: str = "name") -> dict[int, dict]:
    """{id: {"lft", "rght", "tree_id", "level"}} for records keyed by id."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, state in nodes.items():
        up = state.get(parent)
        children[up if up in nodes else None].append(pk)

    def key(pk: int):
        return (str(nodes[pk].get(order) or ""), pk) if order != "id" else ("", pk)

    numbers: dict[int, dict] = {}
    for tree_id, root in enumerate(sorted(children[None], key=key), start=1):
        counter = 0
        stack = [(root, 0, False)]
        lefts: dict[int, int] = {}
        while stack:
            pk, level, done = stack.pop()
            counter += 1
            if done:
                numbers[pk] = {"lft": lefts[pk], "rght": counter, "tree_id": tree_id, "level": level}
                continue
            lefts[pk] = counter
            stack.append((pk, level, True))
            stack.extend((child, level + 1, False) for child in sorted(children[pk], key=key, reverse=True))
    return numbers


def inherited(nodes: dict[int, dict], pk: int, field: str, parent: str = "parent") -> float:
    """The first non-zero ``field`` on the way up from ``pk`` (0 when none)."""
    seen = set()
    while pk in nodes and pk not in seen:
        seen.add(pk)
        value = nodes[pk].get(field)
        if value not in (None, "", "0", "0.00") and float(value):
            return float(value)
        pk = nodes[pk].get(parent)
    return 0.0
