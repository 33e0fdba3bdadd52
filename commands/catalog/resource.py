"""Resource declarations: everything the service derives about one endpoint."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cached_property

from .fields import Field
from .migrations import first_resource_name

BASE_OBJECT = "base_object"


def _words(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z][a-z])", " ", camel).lower()


@dataclass(frozen=True)
class Resource:
    """One Ralph resource (router prefix, model, fields, filters, rules).

    ``family`` names the id space: ``base_object`` for every BaseObject
    type (one sequence shared with ``base-objects``), else the prefix.
    ``str_format`` renders ``str(obj)`` from the stored values (with
    ``{field__subfield}`` following foreign keys; ``str_function`` names one of
    :data:`~commands.catalog.display.STR_FUNCTIONS` instead); ``unique_together``
    lists tuples of fields unique in combination. ``tree`` marks an MPTT
    tree on ``parent`` ordered by ``name`` whose nested-set numbers the
    projector computes; ``inherit`` pairs (field, source) fill ``field``
    with the first non-zero ``source`` up the tree. ``hooks`` name write
    rules of :mod:`commands.hooks`; ``clean_hooks`` those of the model's
    ``clean()`` that transitions skip (Ralph's actions save without them). ``internal`` resources have no route
    of their own; ``url_format`` builds their URL from stored values.
    ``additional_filters`` maps extra filter names to the path they match
    exactly (Ralph's additional filter sets; ``active`` is a boolean).
    ``unique_error`` = (key, message) reported when ``unique_together`` fails.
    ``tree_order`` orders siblings ("name", or "id" for insertion order);
    ``projection_hooks`` name read-side computations of
    :mod:`projections.networks` (values derived from other records).
    ``transitions`` marks a model with Ralph's transitions on ``status``.
    ``key`` names the stored unique field that identifies a record in its
    URL and renders as its ``id`` instead of the integer id (transition jobs: a UUID).
    ``region_column`` restricts who sees a record (Ralph's object permissions, :mod:`commands.regions`): a user
    who is not a superuser sees only the records whose column of that name holds one of the user's regions
    (``region`` for Ralph's Regionalizable models, ``id`` for regions themselves); empty: anyone sees every record.
    ``view_name`` is the viewset's name in words where DRF's differs from the verbose name ("IP Address").
    ``permissions_by_field`` marks a model with Ralph's ``PermByFieldMixin`` (every BaseObject type has it; see
    :attr:`field_permissions`).
    ``write_exclude`` names fields the save serializer leaves out of its answer (and OPTIONS of its form);
    ``write_include`` those its answer carries although the GET representation leaves them out (a save
    serializer with ``fields="__all__"`` where the read one excludes the field);
    ``read_order`` lists the GET keys in order where it differs from the fields' (the save serializer's) order.
    ``prepare_hooks`` turn the body sent into the one validated (Ralph's ``to_internal_value``);
    ``replace_on_create`` names a unique field whose holder a create deletes in the same append (Ralph's viewset
    deleting the old record first).
    ``propagate`` = ((resource, via, fields), ...): a change of ``fields`` is set, as given, on the records of
    ``resource`` whose ``via`` points here (Ralph's ``QuerySet.update`` after a save: no rules, no further step).
    ``effects`` name write effects of :mod:`commands.effects` (other records a write plans in its append).
    ``in_use`` = (resources, message): DELETE is a 409 ``message`` while records of those resources reference
    the record, unless its body sends a true ``force`` (then it cascades as declared).
    """

    name: str
    model: str
    fields: tuple[Field, ...]
    base_object: bool = False
    verbose_name: str = ""
    view_name: str = ""
    aliases: tuple[str, ...] = ()
    methods: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
    ordering: tuple[str, ...] = ()
    filter_fields: tuple[str, ...] = ()
    extended_filters: dict = dc_field(default_factory=dict)
    additional_filters: dict = dc_field(default_factory=dict)
    str_format: str = ""
    str_function: str = ""
    unique_together: tuple[tuple[str, ...], ...] = ()
    polymorphic: bool = False
    write_url: bool = False
    tree: bool = False
    tree_order: str = "name"
    projection_hooks: tuple[str, ...] = ()
    inherit: tuple[tuple[str, str], ...] = ()
    hooks: tuple[str, ...] = ()
    clean_hooks: tuple[str, ...] = ()
    delete_hooks: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    unique_error: tuple[str, str] | None = None
    in_use: tuple[tuple[str, ...], str] | None = None
    write_exclude: tuple[str, ...] = ()
    write_include: tuple[str, ...] = ()
    read_order: tuple[str, ...] = ()
    prepare_hooks: tuple[str, ...] = ()
    propagate: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    replace_on_create: str = ""
    internal: bool = False
    superuser_writes: bool = False
    url_format: str = ""
    transitions: bool = False
    key: str = ""
    region_column: str = ""
    permissions_by_field: bool = False

    @property
    def family(self) -> str:
        """The id space of the resource (named as the resource was first, so a rename keeps its ids)."""
        return BASE_OBJECT if self.base_object or self.polymorphic else first_resource_name(self.name)

    @property
    def field_permissions(self) -> bool:
        """True when the model has per-field view and change permissions (:mod:`api.field_permissions`)."""
        return self.permissions_by_field or self.base_object or self.polymorphic

    @property
    def app_label(self) -> str:
        return self.model.split(".")[0]

    @property
    def content_type(self) -> str:
        """``app_label.model`` (Django's content type)."""
        return f"{self.app_label}.{self.model_name}"

    @property
    def model_name(self) -> str:
        """Lower-case model name (Ralph's ``object_type`` and basename)."""
        return self.model.split(".")[1].lower()

    @property
    def verbose(self) -> str:
        """Model verbose name."""
        return self.verbose_name or _words(self.model.split(".")[1])

    @property
    def view_title(self) -> str:
        """The name DRF gives the viewset in OPTIONS and the browsable API (``view_name``, else the model's
        verbose name in title case)."""
        return self.view_name or self.verbose.title()

    @property
    def has_custom_fields(self) -> bool:
        """True when records carry custom field values."""
        return any(f.kind == "custom_fields" for f in self.fields)

    @cached_property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def get(self, name: str) -> Field | None:
        """The field called ``name``, or None."""
        return self.by_name.get(name)

    @cached_property
    def stored_fields(self) -> tuple[Field, ...]:
        """Fields kept in the record (events, state, read columns)."""
        return tuple(f for f in self.fields if f.stored)

    @cached_property
    def writable_fields(self) -> tuple[Field, ...]:
        """Fields a client may send."""
        return tuple(f for f in self.fields if f.writable)

    @cached_property
    def read_fields(self) -> tuple[Field, ...]:
        """Fields of the GET representation, in Ralph's key order."""
        fields = tuple(f for f in self.fields if f.in_read and f.kind != "password")
        return tuple(sorted(fields, key=lambda f: self.read_order.index(f.name))) if self.read_order else fields

    @cached_property
    def write_fields(self) -> tuple[Field, ...]:
        """Fields of the flat write response (save serializer)."""
        keep = {"id", "ui_url", "created", "modified"} | ({"url"} if self.write_url else set())
        keep |= set(self.write_include)
        return tuple(f for f in self.fields if f.name not in self.write_exclude and (
            (f.writable and f.in_read) or f.name in keep or (f.stored and f.read_only and f.in_read)))

    @property
    def filtering(self) -> list[str]:
        """The OPTIONS ``filtering`` list: filter fields plus extended filter keys."""
        return sorted(set(self.filter_fields) | set(self.extended_filters))
