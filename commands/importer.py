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
from eventsourcing.persistence import RecordConflictError

from .handlers import Commands
from .passwords import is_password_hash
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


def _stored_password(resource: str, body: dict) -> dict | None:
    """A user's ``password`` that is already a hash Ralph-ES checks (Ralph's ``pbkdf2_sha256$...``), taken out of
    ``body`` to be stored as it is: users moved from Ralph keep their passwords, re-hashed at their next login."""
    if resource == "users" and is_password_hash(body.get("password")):
        return {"password": body.pop("password")}
    return None


def run_import(commands: Commands, lines: Iterable[str], actor: int | None, batch: int = 500,
               progress: Callable[[int], None] | None = None) -> ImportReport:
    """Create a record per line; invalid lines are reported and skipped.

    Lines are appended ``batch`` at a time in one transaction; when a batch
    conflicts with records written meanwhile (or already stored), it is
    replayed line by line so each conflict is reported on its line.
    """
    report, keys = ImportReport(), {}
    pending: list[tuple[int, str]] = []
    mark = (0, 0)
    with commands.deferred():
        for number, text in enumerate(lines, start=1):
            if progress is not None:
                progress(number)
            if text.strip():
                pending.append((number, text))
                _apply(commands, number, text, keys, actor, report)
            if len(pending) >= batch:
                mark = _flush(commands, pending, keys, actor, report, mark)
        _flush(commands, pending, keys, actor, report, mark)
    return report


def _flush(commands: Commands, pending: list, keys: dict, actor, report: ImportReport, mark) -> tuple[int, int]:
    """Append the batch; on a conflict replay its lines one by one. Returns the new mark."""
    try:
        report.position = commands.flush() or report.position
    except RecordConflictError:
        commands.discard()
        report.created, report.errors = mark[0], report.errors[:mark[1]]
        with commands.immediate():
            for number, text in pending:
                _apply(commands, number, text, keys, actor, report)
        report.position = commands.store.recorder.max_notification_id() or report.position
    pending.clear()
    return report.created, len(report.errors)


def _apply(commands: Commands, number: int, text: str, keys: dict, actor, report: ImportReport) -> None:
    """Validate and create the record of one line (deferred or not)."""
    try:
        item = json.loads(text)
        name = ALIASES.get(item["resource"], item["resource"])
        if name not in CATALOG or CATALOG[name].internal or "POST" not in CATALOG[name].methods:
            raise ValidationFailed({"resource": [f'"{item["resource"]}" cannot be imported.']})
        body = {k: _resolve(v, keys, number) for k, v in (item.get("body") or {}).items()}
        written = commands.create(CATALOG[name], body, actor, _stored_password(name, body))
    except (ValueError, KeyError, TypeError) as ex:
        report.errors.append((number, {"non_field_errors": [f"Not a valid import line: {ex}"]}))
        return
    except ValidationFailed as ex:
        report.errors.append((number, ex.errors))
        return
    if item.get("key"):
        keys[item["key"]] = written.pk
    report.created += 1
