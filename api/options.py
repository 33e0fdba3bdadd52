"""OPTIONS metadata (Ralph's RalphApiMetadata), derived from the catalogue."""

from __future__ import annotations

from commands.catalog import Resource
from commands.catalog.fields import Field

from .negotiation import PARSES, RENDERS

_TYPES = {
    "id": "integer", "string": "string", "text": "string", "int": "integer", "bool": "boolean",
    "date": "date", "datetime": "datetime", "decimal": "decimal", "float": "float", "choice": "choice",
    "created": "datetime", "modified": "datetime", "password": "string",
}


def field_info(f: Field) -> dict:
    """DRF's description of one save-serializer field."""
    info = {"type": _TYPES.get(f.kind, "field"), "required": f.required and not f.read_only,
            "read_only": f.read_only or not f.stored, "label": f.label or f.name}
    if f.help_text:
        info["help_text"] = f.help_text
    if f.max_length and f.kind in ("string", "text"):
        info["max_length"] = f.max_length
    for bound in ("min_value", "max_value"):
        if getattr(f, bound) is not None and not f.read_only:
            info[bound] = getattr(f, bound)
    if f.kind in ("fk", "m2m") and f.target:
        info["url"] = f"/api/{f.target}/"
    if f.kind == "choice" and not f.read_only:
        info["choices"] = [{"value": value, "display_name": name} for value, name in f.choices]
    return info


def metadata(res: Resource, detail: bool, may_write: bool) -> dict:
    """The OPTIONS body for the list (``detail`` False) or detail URL."""
    body = {
        "name": f"{res.view_title} {'Instance' if detail else 'List'}",
        "description": "",
        "renders": RENDERS,
        "parses": PARSES,
    }
    method = "PUT" if detail else "POST"
    if may_write and method in res.methods:
        fields = [f for f in res.write_fields] + [f for f in res.fields if f.kind == "password"]
        body["actions"] = {method: {f.name: field_info(f) for f in fields}}
    body["filtering"] = res.filtering
    return body
