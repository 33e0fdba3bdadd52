"""Field declarations: one immutable description per field of a resource."""

from __future__ import annotations

from dataclasses import dataclass

#: Kinds whose value is stored in the record (and so in events and read columns).
STORED_KINDS = frozenset(
    {"string", "text", "int", "bool", "date", "datetime", "decimal", "float",
     "choice", "ip", "mac", "json", "fk", "m2m", "tags", "password", "permissions"}
)
#: Scalar kinds: one read column each, compared directly by exact filters.
SCALAR_KINDS = frozenset(
    {"string", "text", "int", "bool", "date", "datetime", "decimal", "float", "choice", "ip", "mac"}
)


@dataclass(frozen=True)
class Field:
    """One field of a resource: how it is written, stored and rendered.

    ``kind`` is one of the stored kinds above or a read-only kind:
    ``id``, ``url``, ``ui_url``, ``str`` (``__str__``), ``object_type``,
    ``created``/``modified`` (timestamps of the record), ``derived``
    (a nested value reached through a dotted ``source`` path),
    ``reverse`` (records of ``target`` whose ``via`` field points here),
    ``value`` (a scalar reached through a dotted ``source`` path),
    ``unserved`` (a relation to a model no endpoint serves: null),
    ``custom_fields`` (the record's custom
    field values by attribute name; ``source="configuration"`` keeps only
    those used as configuration variables), ``computed`` (a function of
    :mod:`projections.computed` named by ``source``).
    """

    name: str
    kind: str
    label: str = ""
    help_text: str = ""
    read_only: bool = False
    required: bool = False
    null: bool = False
    blank: bool = True
    max_length: int | None = None
    default: object = None
    unique: bool = False
    #: A list written and read, stored as its items joined by this separator (Ralph's CustomFieldChoicesField).
    joined: str = ""
    #: Records a unique value is unique among (Django: the table declaring the field); default its id family.
    unique_scope: str = ""
    choices: tuple[tuple[int, str], ...] | None = None
    min_value: int | float | None = None
    max_value: int | float | None = None
    max_digits: int | None = None
    decimal_places: int | None = None
    target: str | None = None
    #: The concrete types a reference to a polymorphic ``target`` may name (Ralph: the field's queryset).
    limit_to: tuple[str, ...] = ()
    nested: tuple | None = None
    #: The resource whose URL a nested foreign key's ``url`` is (its nested serializer's view), when not the
    #: target's.
    link: str = ""
    source: str | None = None
    via: str | None = None
    many: bool = False
    lookup: str | None = None
    in_read: bool = True
    on_delete: str = "protect"
    through: str | None = None
    verbose_name: str = ""
    deps: tuple[tuple[str, str], ...] = ()
    #: Never shown, not even in a history (a user's token salt).
    secret: bool = False
    #: The model's own string validators, checked before the length (:func:`commands.validators.problems`).
    validators: tuple[tuple[str, str, str], ...] = ()
    #: DRF's ``min_length`` (a model ``MinLengthValidator``).
    min_length: int | None = None
    #: ``url`` or ``email``: the DRF field class (``URLField``, ``EmailField``) whose validator runs last.
    text_format: str = ""
    #: A blank value is stored as null (Ralph's ``NullableCharField``), so blanks never clash as unique values.
    empty_as_null: bool = False
    #: The model field's own unique message (Django's ``error_messages['unique']``), replacing DRF's.
    unique_message: str = ""
    #: Verbose name of the model that declares the field, when a parent model does (Django names it in the
    #: unique message: "asset with this SN already exists.").
    declared_on: str = ""

    @property
    def stored(self) -> bool:
        """True when the value lives in the record under this field's name."""
        return self.kind in STORED_KINDS and self.key == self.name

    @property
    def key(self) -> str:
        """Where the value is stored (an fk with ``source`` writes another field)."""
        return self.source if self.kind == "fk" and self.source else self.name

    @property
    def writable(self) -> bool:
        """True when clients may send this field."""
        return self.kind in STORED_KINDS and not self.read_only

    @property
    def verbose(self) -> str:
        """Ralph's verbose name of the field (used in messages)."""
        return self.verbose_name or self.name.replace("_", " ")

    def choice_name(self, value):
        """Text name of a stored choice value (the raw value when unknown)."""
        for number, name in self.choices or ():
            if number == value:
                return name
        return value


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def field(name: str, kind: str, **kw) -> Field:
    """Build a field, filling in Ralph's default label."""
    kw.setdefault("label", _label(name))
    return Field(name=name, kind=kind, **kw)


def string(name, max_length=None, **kw):
    """A CharField."""
    return field(name, "string", max_length=max_length, **kw)


def text(name, **kw):
    """A TextField."""
    return field(name, "text", **kw)


#: Django's value range of each integer model field class on PostgreSQL (DRF's min_value/max_value).
INTEGER_RANGES = {
    "SmallIntegerField": (-2**15, 2**15 - 1),
    "IntegerField": (-2**31, 2**31 - 1),
    "BigIntegerField": (-2**63, 2**63 - 1),
    "PositiveSmallIntegerField": (0, 2**15 - 1),
    "PositiveIntegerField": (0, 2**31 - 1),
}


def integer(name, model_field="IntegerField", **kw):
    """An integer model field of class ``model_field``, bounded by its range.

    ``min_value``/``max_value`` narrow the range (the model's validators).
    """
    low, high = INTEGER_RANGES[model_field]
    kw["min_value"] = max(low, kw.get("min_value", low))
    kw["max_value"] = min(high, kw.get("max_value", high))
    return field(name, "int", **kw)


def boolean(name, default=False, **kw):
    """A BooleanField."""
    return field(name, "bool", default=default, **kw)


def date(name, **kw):
    """A DateField."""
    return field(name, "date", **kw)


def datetime(name, **kw):
    """A DateTimeField."""
    return field(name, "datetime", **kw)


def decimal(name, max_digits, decimal_places, **kw):
    """A DecimalField."""
    return field(name, "decimal", max_digits=max_digits, decimal_places=decimal_places, **kw)


def floating(name, **kw):
    """A FloatField (``min_value``/``max_value`` from the model's validators)."""
    return field(name, "float", **kw)


def choice(name, choices, **kw):
    """An integer field with named choices (read as the name)."""
    return field(name, "choice", choices=tuple(choices), **kw)


def nest(names, **shapes) -> tuple:
    """The nested shape ``names`` with the relations named in ``shapes`` nested in those shapes.

    In a nested shape a foreign key or many-to-many name renders as a URL,
    as in Ralph's nested serializers at depth 0; an entry ``(name, shape)``
    nests it instead (a declared nested serializer, or depth left).
    """
    return tuple((n, shapes[n]) if isinstance(n, str) and n in shapes else n for n in names)


def entry_key(entry) -> str:
    """The key a nested-shape entry renders under: ``name``, ``key=path`` or ``(name, shape)``."""
    return entry[0] if isinstance(entry, tuple) else entry.partition("=")[0]


def fk(name, target, nested=None, **kw):
    """A foreign key to the resource ``target`` (nested when ``nested`` names fields, see :func:`nest`)."""
    return field(name, "fk", target=target, nested=tuple(nested) if nested else None, **kw)


def m2m(name, target, nested=None, **kw):
    """A many-to-many relation to ``target``, written as a list of ids."""
    return field(name, "m2m", target=target, nested=tuple(nested) if nested else None,
                 many=True, **kw)


def ip(name, **kw):
    """A GenericIPAddressField (IPv4 or IPv6, stored compressed)."""
    return field(name, "ip", max_length=39, **kw)


def mac(name, **kw):
    """A MAC address, stored as ``AA:BB:CC:DD:EE:FF``."""
    return field(name, "mac", max_length=17, **kw)


def json(name, **kw):
    """A JSON value stored as sent."""
    return field(name, "json", **kw)


def value(name, source):
    """A read-only scalar reached through ``source`` (``a__b``)."""
    return field(name, "value", source=source, read_only=True)


def unserved(name):
    """A relation to a model no endpoint serves (discovery queues, component models): nothing can set it, so it
    renders null, as Ralph renders it unset."""
    return field(name, "unserved", read_only=True)


def tags(name="tags", **kw):
    """The tag set of a record, read and written as a list of names."""
    return field(name, "tags", **kw)


def permissions(name="permissions"):
    """Django permissions of a group, read and written as codenames."""
    return field(name, "permissions", help_text="Codenames such as view_datacenterasset.")


def password(name="password"):
    """A write-only password, stored as a hash and never rendered."""
    return field(name, "password", in_read=False)


def derived(name, source, nested, many=False, target=None):
    """A read-only value reached by following ``source`` (dotted field names)."""
    return field(name, "derived", source=source, nested=tuple(nested) if nested else None, many=many,
                 target=target, read_only=True)


def reverse(name, target, via, nested, many=True):
    """Records of ``target`` whose field ``via`` points at this record."""
    return field(name, "reverse", target=target, via=via, nested=tuple(nested) if nested else None,
                 many=many, read_only=True)


def computed(name, function, deps):
    """A read-only value computed by ``projections.computed.<function>``.

    ``deps`` lists (resource, field) pairs: a change to a record of that
    resource re-renders the record its ``field`` points at.
    """
    return field(name, "computed", source=function, read_only=True, deps=tuple(tuple(d) for d in deps))


ID = field("id", "id", label="ID", read_only=True)
URL = field("url", "url", read_only=True)
UI_URL = field("ui_url", "ui_url", read_only=True)
STR = field("__str__", "str", read_only=True)
OBJECT_TYPE = field("object_type", "object_type", read_only=True)
CREATED = field("created", "created", label="Date created", read_only=True)
MODIFIED = field("modified", "modified", label="Last modified", read_only=True)
CUSTOM_FIELDS = field("custom_fields", "custom_fields", read_only=True)
CONFIGURATION_VARIABLES = field("configuration_variables", "custom_fields", source="configuration",
                                read_only=True)
