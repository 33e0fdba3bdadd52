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


HOOKS = {
    "attribute_name_from_name": attribute_name_from_name,
    "custom_field_value": custom_field_value,
}


def run_hooks(commands, res, pk, merged: dict) -> dict:
    """Apply the resource's hooks; returns the computed values."""
    computed: dict = {}
    for name in res.hooks:
        computed |= HOOKS[name](commands, res, pk, {**merged, **computed})
    return computed
