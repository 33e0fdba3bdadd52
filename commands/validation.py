"""Request body validation against the catalogue, with DRF's messages."""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Protocol

from .catalog.fields import Field
from .catalog.resource import Resource
from .passwords import hash_password
from .validators import format_problem, problems

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
_INT = re.compile(r"^[-+]?\d+(\.0*)?$", re.ASCII)
_PK = re.compile(r"^-?\d+$", re.ASCII)
#: Ralph's ``MAC_RE`` (assets/models/components.py), the value stripped.
_MAC = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$", re.ASCII)
#: Ralph's ``MAC_ERROR_MSG``: Django 2.0's RegexValidator passes no params, so the placeholder stays as written.
MAC_ERROR = "'%(value)s' is not a valid MAC address."
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", re.ASCII)
#: DRF's longest numeric string (``MAX_STRING_LENGTH``).
MAX_NUMBER_STRING = 1000
#: django-taggit's longest tag name.
TAG_LENGTH = 100
_TRUE = {True, "1", "true", "True", "TRUE", "t", "T", "yes", "Yes", "y", "Y", "on", "On"}
_FALSE = {False, "0", "false", "False", "FALSE", "f", "F", "no", "No", "n", "N", "off", "Off"}


class ValidationFailed(Exception):
    """Field errors in DRF's shape: ``{"field": ["message", ...]}``."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class Invalid(Exception):
    """One field's value is not acceptable; the messages (one or more) are DRF's."""

    @property
    def messages(self) -> list[str]:
        return [str(message) for message in self.args]


class References(Protocol):
    """What validation needs to know about other records."""

    def exists(self, resource: str, pk: int) -> bool: ...

    def find(self, resource: str, field: str, value) -> int | None: ...


def naive_iso(moment: dt.datetime) -> str:
    """A moment as Ralph renders it: ISO 8601 in UTC without a zone suffix."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat()


def parse_instant(raw: str) -> dt.datetime | None:
    """An ISO 8601 instant (UTC when it names no zone, as every timestamp shown); None when it is none."""
    try:
        moment = dt.datetime.fromisoformat(raw) if len(raw) <= 64 else None
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def now_iso() -> str:
    """The current time, rendered like every other timestamp."""
    return naive_iso(dt.datetime.now(dt.UTC))


def default_of(f: Field):
    """The value a field takes when a create does not send it."""
    if f.default == "now":
        return now_iso()
    if f.kind in ("m2m", "tags", "permissions"):
        return []
    if f.kind == "bool" and f.default is None:
        return False
    if f.kind in ("string", "text") and f.default is None and not f.null:
        return ""
    return f.default


def clean(res: Resource, body: dict, refs: References, *, current: dict | None, partial: bool) -> dict:
    """Validate ``body`` for ``res`` and return the new stored values.

    On create (``current`` is None) every stored field gets a value (sent or
    default); on update only the sent fields are returned. PUT (not partial)
    requires the same fields as POST. Unknown and read-only fields are ignored.
    """
    if not isinstance(body, dict):
        raise ValidationFailed({"non_field_errors": [
            f"Invalid data. Expected a dictionary, but got {type(body).__name__}."]})
    errors: dict[str, list[str]] = {}
    values: dict = {}
    for f in res.writable_fields:
        if f.name not in body:
            if f.required and not partial:
                errors[f.name] = [REQUIRED]
            elif current is None:
                values[f.key] = default_of(f)
            continue
        try:
            values[f.key] = convert(f, body[f.name], refs)
        except Invalid as ex:
            errors[f.name] = ex.messages
    if current is None:
        for f in res.stored_fields:
            if f.read_only and f.name not in values:
                values[f.name] = default_of(f)
    if errors:
        raise ValidationFailed(errors)
    return values


def convert(f: Field, raw, refs: References):
    """The stored form of one sent value, or :class:`Invalid`."""
    if f.joined and raw is not None:
        if not isinstance(raw, list):
            raise Invalid(f"Incorrect type. Expected a list, but got {type(raw).__name__}")
        if not all(isinstance(item, str) for item in raw):
            raise Invalid("Not a valid string.")
        raw = f.joined.join(raw)
    if raw is None:
        if f.null or f.kind == "tags":
            return [] if f.kind == "tags" else None
        raise Invalid(NOT_NULL)
    return _CONVERTERS[f.kind](f, raw, refs)


def _string(f, raw, refs):
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        raise Invalid("Not a valid string.")
    value = str(raw).strip()
    if "\x00" in value:
        raise Invalid("Null characters are not allowed.")
    if not value:  # DRF returns a blank value before any validator runs
        if not f.blank:
            raise Invalid(NOT_BLANK)
        return None if f.empty_as_null else value
    messages = problems(f.validators, value)  # DRF's order: the model's validators, lengths, the field class's
    if f.max_length and len(value) > f.max_length:
        messages.append(f"Ensure this field has no more than {f.max_length} characters.")
    if f.min_length and len(value) < f.min_length:
        messages.append(f"Ensure this field has at least {f.min_length} characters.")
    if f.text_format and (problem := format_problem(f.text_format, value)):
        messages.append(problem)
    if messages:
        raise Invalid(*messages)
    return value


def _bounded(f, value):
    """``value`` when within the field's ``min_value``/``max_value`` (DRF's messages)."""
    if f.max_value is not None and value > f.max_value:
        raise Invalid(f"Ensure this value is less than or equal to {f.max_value}.")
    if f.min_value is not None and value < f.min_value:
        raise Invalid(f"Ensure this value is greater than or equal to {f.min_value}.")
    return value


def _number_text(raw, message: str) -> str:
    """The text of a sent number (DRF refuses strings over 1000 characters)."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        raise Invalid(message)
    if isinstance(raw, str) and len(raw) > MAX_NUMBER_STRING:
        raise Invalid("String value too large.")
    return raw.strip() if isinstance(raw, str) else str(raw)


def _integer(f, raw, refs):
    text = _number_text(raw, "A valid integer is required.")
    if len(text) > MAX_NUMBER_STRING or not _INT.match(text):
        raise Invalid("A valid integer is required.")
    return _bounded(f, int(text.split(".")[0]))


def _boolean(f, raw, refs):
    if isinstance(raw, (list, dict)):
        raise Invalid(f'"{raw}" is not a valid boolean.')
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise Invalid(f'"{raw}" is not a valid boolean.')


def _date(f, raw, refs):
    match = _DATE.match(raw) if isinstance(raw, str) else None
    try:
        return dt.date(*(int(part) for part in match.groups())).isoformat()
    except (AttributeError, ValueError):
        raise Invalid("Date has wrong format. Use one of these formats instead: YYYY[-MM[-DD]].") from None


def _datetime(f, raw, refs):
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise Invalid("Datetime has wrong format. Use one of these formats instead: "
                      "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].") from None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat()


def _decimal(f, raw, refs):
    text = _number_text(raw, "A valid number is required.")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Invalid("A valid number is required.") from None
    if not value.is_finite():
        raise Invalid("A valid number is required.")
    _sign, digits, exponent = value.as_tuple()
    if exponent >= 0:
        total, whole, decimals = len(digits) + exponent, len(digits) + exponent, 0
    elif len(digits) > -exponent:
        total, whole, decimals = len(digits), len(digits) + exponent, -exponent
    else:
        total, whole, decimals = -exponent, 0, -exponent
    if total > f.max_digits:
        raise Invalid(f"Ensure that there are no more than {f.max_digits} digits in total.")
    if decimals > f.decimal_places:
        raise Invalid(f"Ensure that there are no more than {f.decimal_places} decimal places.")
    if whole > f.max_digits - f.decimal_places:
        raise Invalid(f"Ensure that there are no more than {f.max_digits - f.decimal_places} "
                      "digits before the decimal point.")
    return str(value.quantize(Decimal(1).scaleb(-f.decimal_places)))


def _float(f, raw, refs):
    text = _number_text(raw, "A valid number is required.")
    try:
        value = float(text)
    except ValueError:
        raise Invalid("A valid number is required.") from None
    if not math.isfinite(value):
        raise Invalid("A valid number is required.")
    return _bounded(f, value)


def _choice(f, raw, refs):
    for number, name in f.choices:
        if raw == name or (not isinstance(raw, bool) and raw == number):
            return number
        if isinstance(raw, str) and isinstance(number, int) and raw.strip() == str(number):
            return number
    raise Invalid(f'"{raw}" is not a valid choice.')


def _pk(f, raw, refs) -> int:
    """Resolve one reference (an id, or a natural key where the field allows it)."""
    if isinstance(raw, bool) or isinstance(raw, (list, dict, float)):
        raise Invalid(f"Incorrect type. Expected pk value, received {type(raw).__name__}.")
    numeric = isinstance(raw, int) or (isinstance(raw, str) and _PK.match(raw) is not None)
    if numeric and any(refs.exists(target, int(raw)) for target in f.limit_to or (f.target,)):
        return int(raw)
    if f.lookup and isinstance(raw, str):
        found = refs.find(f.target, f.lookup, raw)
        if found is not None:
            return found
    if numeric or f.lookup:
        raise Invalid(f'Invalid pk "{raw}" - object does not exist.')
    raise Invalid(f"Incorrect type. Expected pk value, received {type(raw).__name__}.")


def _fk(f, raw, refs):
    return _pk(f, raw, refs)


def _m2m(f, raw, refs):
    if not isinstance(raw, list):
        raise Invalid(f'Expected a list of items but got type "{type(raw).__name__}".')
    if not raw and not f.blank:
        raise Invalid("This list may not be empty.")
    ids = []
    for item in raw:
        pk = _pk(f, item, refs)
        if pk not in ids:
            ids.append(pk)
    return ids


def _tags(f, raw, refs):
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        raise Invalid(f'Expected a list of items but got type "{type(raw).__name__}".')
    names = []
    for name in (t.strip() for t in raw):
        if "\x00" in name:
            raise Invalid("Null characters are not allowed.")
        if len(name) > TAG_LENGTH:
            raise Invalid(f"Ensure this field has no more than {TAG_LENGTH} characters.")
        if name and name not in names:
            names.append(name)
    return names


def _json(f, raw, refs):
    if f.many and not isinstance(raw, list):  # DRF's ListField
        raise Invalid(f'Expected a list of items but got type "{type(raw).__name__}".')
    return raw


def _ip(f, raw, refs):
    value = _string(f, raw, refs)
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise Invalid("Enter a valid IPv4 or IPv6 address.") from None


def _mac(f, raw, refs):
    value = _string(f, raw, refs)
    if not value and f.null:
        return None
    if not _MAC.match(value):
        raise Invalid(MAC_ERROR)
    digits = re.sub(r"[^0-9A-Fa-f]", "", value)
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2)).upper()


@cache
def permission_codenames() -> dict[str, str]:
    """Every model and field permission: ``app_label.codename`` -> ``codename``."""
    from .catalog import RESOURCES
    from .field_permissions import field_codenames

    out = {}
    for res in RESOURCES:
        for codename in [f"{action}_{res.model_name}" for action in ("view", "add", "change", "delete")] + \
                field_codenames(res):
            out[f"{res.app_label}.{codename}"] = codename
    return out


def _permissions(f, raw, refs):
    if not isinstance(raw, list):
        raise Invalid(f'Expected a list of items but got type "{type(raw).__name__}".')
    known = permission_codenames()
    codenames = set(known.values())
    out = []
    for item in raw:
        codename = known.get(item, item) if isinstance(item, str) else None
        if codename not in codenames:
            raise Invalid(f'Object with codename={item} does not exist.')
        if codename not in out:
            out.append(codename)
    return sorted(out)


def _password(f, raw, refs):
    if not isinstance(raw, str) or not raw:
        raise Invalid(NOT_BLANK)
    if "\x00" in raw:
        raise Invalid("Null characters are not allowed.")
    return hash_password(raw)


_CONVERTERS = {
    "string": _string, "text": _string, "int": _integer, "bool": _boolean, "date": _date,
    "datetime": _datetime, "decimal": _decimal, "float": _float, "choice": _choice,
    "fk": _fk, "m2m": _m2m, "tags": _tags, "json": _json, "password": _password, "ip": _ip, "mac": _mac,
    "permissions": _permissions,
}
