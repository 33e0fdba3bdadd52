"""Exact counts of filtered lists, kept per process while the read model stays where they were taken.

A filtered list's ``count`` is a second evaluation of its filter over every
matching row (a short ``icontains`` runs its trigram search twice, a tag is
intersected with the whole table). Between two projection batches the read
tables do not change, so a count taken at projection position P is still exact
while the position is P: the cache keeps (P, count) per list and a request
reads the position (one indexed row, with its first page) to decide. The
position is read before the count, so a batch committed in between only makes
the entry look older than it is (the next request counts again), never newer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

#: Counts kept per process (the least recently used are dropped beyond it).
KEPT = 2_000
#: Query parameters that choose the page, not the rows counted.
PAGING = frozenset({"limit", "offset", "ordering"})


def count_key(resource: str, params: dict, scope: dict | None, regions: frozenset[int] | None) -> Hashable:
    """What a list's count depends on: its resource, filter parameters, scope and visible regions."""
    filters = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()
                           if k not in PAGING))
    return resource, filters, tuple(sorted((scope or {}).items())), regions


class Counts:
    """A bounded, thread-safe map of list → (projection position, count)."""

    def __init__(self, kept: int = KEPT):
        self.kept = kept
        self._entries: OrderedDict[Hashable, tuple[int, int]] = OrderedDict()
        self._mutex = threading.Lock()

    def get(self, key: Hashable, position: int) -> int | None:
        """The count kept for ``key`` if it was taken at ``position``; else None."""
        with self._mutex:
            entry = self._entries.get(key)
            if entry is None or entry[0] != position:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, position: int, count: int) -> None:
        """Keep ``count`` of ``key``, taken at ``position`` (read before counting)."""
        with self._mutex:
            self._entries[key] = (position, count)
            self._entries.move_to_end(key)
            while len(self._entries) > self.kept:
                self._entries.popitem(last=False)
