"""Named write rules that a declaration cannot express as field data.

A hook gets the command handler, the resource, the record id and the record's
values after the write (``merged``), and returns values to store as well
(computed fields) or raises :class:`ValidationFailed`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import urlparse

from .validation import ValidationFailed


def attribute_name_from_name(commands, res, pk, merged: dict) -> dict:
    """Custom fields: ``attribute_name = slugify(name).replace("-", "_")``."""
    text = unicodedata.normalize("NFKD", merged.get("name") or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text.lower()).strip()
    return {"attribute_name": re.sub(r"[-\s]+", "-", text).replace("-", "_")}


def custom_field_value(commands, res, pk, merged: dict) -> dict:
    """A value must suit its custom field's type (Django form field rules)."""
    definition = commands.load_values("custom-fields", merged["custom_field"])
    value = merged.get("value") or ""
    kind = definition.get("type")
    message = None
    if kind == 2 and value and not re.fullmatch(r"[-+]?\d+", value.strip()):
        message = "Enter a whole number."
    elif kind == 3 and value:
        try:
            dt.date.fromisoformat(value.strip())
        except ValueError:
            message = "Enter a valid date."
    elif kind == 4 and value:
        parsed = urlparse(value.strip())
        if parsed.scheme not in ("http", "https", "ftp", "ftps") or not parsed.netloc:
            message = "Enter a valid URL."
    elif kind == 5:
        choices = (definition.get("choices") or "").split("|")
        if value not in choices:
            message = f"Select a valid choice. {value} is not one of the available choices."
    if message:
        raise ValidationFailed({"value": [message]})
    return {}


_SLOT = re.compile(r"^([1-9][A,B]?|1[0-6][A,B]?)$")
DEPTH_ORIENTATIONS, WIDTH_ORIENTATIONS = (1, 2, 3), (101, 102)


def rack_position(commands, res, pk, merged: dict) -> dict:
    """Data-center assets: Ralph's orientation, position and slot rules."""
    errors: dict[str, list[str]] = {}
    position, orientation = merged.get("position"), merged.get("orientation")
    if position is not None:
        if position == 0 and orientation not in WIDTH_ORIENTATIONS:
            errors["orientation"] = ["Valid orientations for picked position are: left, right"]
        elif position > 0 and orientation not in DEPTH_ORIENTATIONS:
            errors["orientation"] = ["Valid orientations for picked position are: front, back, middle"]
    rack = commands.load_values("racks", merged["rack"]) if merged.get("rack") else None
    if rack and position is None and rack.get("require_position"):
        errors["position"] = ["Position is required for this rack"]
    elif rack and position is not None and position > rack.get("max_u_height", 0):
        errors["position"] = [f'Position is higher than "max u height" = {rack["max_u_height"]}']
    elif position is not None and position < 0:
        errors["position"] = ["Position should be 0 or greater"]
    slot = merged.get("slot_no")
    if slot and not _SLOT.match(slot):
        errors["slot_no"] = ["Slot number should be a number from range 1-16 with an optional postfix 'A' or 'B' "
                             "(e.g. '16A')"]
    elif merged.get("model"):
        blade = commands.load_values("assetmodels", merged["model"]).get("has_parent")
        if blade and not slot:
            errors["slot_no"] = ["Slot number is required when asset is blade"]
        elif not blade and slot:
            errors["slot_no"] = ["Slot number cannot be filled when asset is not blade"]
    if errors:
        raise ValidationFailed(errors)
    return {}


def name_or_hostname(commands, res, pk, merged: dict) -> dict:
    """Clusters need at least one of name and hostname."""
    if not merged.get("name") and not merged.get("hostname"):
        message = ["At least one of name or hostname is required"]
        raise ValidationFailed({"name": message, "hostname": message})
    return {}


HOOKS = {
    "attribute_name_from_name": attribute_name_from_name,
    "custom_field_value": custom_field_value,
    "rack_position": rack_position,
    "name_or_hostname": name_or_hostname,
}


def run_hooks(commands, res, pk, merged: dict) -> dict:
    """Apply the resource's hooks; returns the computed values."""
    computed: dict = {}
    for name in res.hooks:
        computed |= HOOKS[name](commands, res, pk, {**merged, **computed})
    return computed
