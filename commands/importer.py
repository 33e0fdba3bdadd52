"""Bulk import of JSON Lines, validated like the API, appended in large batches.

One object per line: ``{"resource": "<prefix>", "key": "<optional name>",
"body": {...}}`` where ``body`` is what a POST takes. A reference may be an
id or ``{"key": "<name>"}`` naming a record defined on an earlier line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .catalog import ALIASES, CATALOG
from .handlers import Commands
from .validation import ValidationFailed


@dataclass
class ImportReport:
    """What an import did: records created, invalid lines, last store position."""

    created: int = 0
    errors: list[tuple[int, object]] = field(default_factory=list)
    position: int = 0


def _resolve(value, keys: dict[str, int], line: int):
    """Replace ``{"key": name}`` references with the ids they name."""
    if isinstance(value, dict) and set(value) == {"key"}:
        if value["key"] not in keys:
            raise ValidationFailed({"non_field_errors": [f'Unknown key "{value["key"]}" (line {line}).']})
        return keys[value["key"]]
    if isinstance(value, list):
        return [_resolve(item, keys, line) for item in value]
    return value


def run_import(commands: Commands, lines: Iterable[str], actor: int | None, batch: int = 500,
               progress: Callable[[int], None] | None = None) -> ImportReport:
    """Create a record per line; invalid lines are reported and skipped."""
    report, keys = ImportReport(), {}
    pending = 0
    with commands.deferred():
        for number, text in enumerate(lines, start=1):
            if progress is not None:
                progress(number)
            if not text.strip():
                continue
            try:
                item = json.loads(text)
                name = ALIASES.get(item["resource"], item["resource"])
                if name not in CATALOG or CATALOG[name].internal or "POST" not in CATALOG[name].methods:
                    raise ValidationFailed({"resource": [f'"{item["resource"]}" cannot be imported.']})
                body = {k: _resolve(v, keys, number) for k, v in (item.get("body") or {}).items()}
                written = commands.create(CATALOG[name], body, actor)
            except (ValueError, KeyError, TypeError) as ex:
                report.errors.append((number, {"non_field_errors": [f"Not a valid import line: {ex}"]}))
                continue
            except ValidationFailed as ex:
                report.errors.append((number, ex.errors))
                continue
            if item.get("key"):
                keys[item["key"]] = written.pk
            report.created += 1
            pending += 1
            if pending >= batch:
                report.position = commands.flush()
                pending = 0
        report.position = commands.flush() or report.position
    return report
