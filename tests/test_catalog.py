"""Completeness tests of the resource catalogue (``commands.catalog``).

The sets of known exceptions below are exact: a new reference to a resource
that is not catalogued, or a new filter on an unknown relation, makes a test
fail until it is either declared or listed here on purpose.
"""

from __future__ import annotations

import re

import pytest

from commands.catalog import ALIASES, BASE_OBJECT, BASE_OBJECT_TYPES, CATALOG, RESOURCES, resource
from commands.catalog.fields import SCALAR_KINDS, STORED_KINDS, entry_key
from projections.tables import ReadSchema, table_name

#: Targets of fk/m2m fields that are referenced but not (yet) catalogued:
#: none, every relation target is catalogued.
UNDECLARED_RELATION_TARGETS: set[str] = set()

#: Targets of reverse/derived fields that are not (yet) catalogued: none.
UNDECLARED_REVERSE_TARGETS: set[str] = set()

#: (resource, first path element) of filter_fields that name neither a field,
#: a declared reverse relation, nor ``id``: Django relations of models that are
#: not catalogued.
FILTER_FIELD_EXCEPTIONS = {
    ("base-objects", "content_type"),
    ("cloud-hosts", "ethernet_set"),
    ("clusters", "ethernet_set"),
    ("data-center-assets", "ethernet_set"),
    ("data-center-assets", "fibrechannelcard_set"),
    ("domains", "domaincontract"),
    ("sim-card", "property_of"),
    ("virtual-servers", "ethernet_set"),
}

#: (resource, first path element) of extended filter paths that are not fields:
#: base-objects' filters reach into the concrete (partly uncatalogued) subclasses.
EXTENDED_FILTER_EXCEPTIONS = {
    ("base-objects", "asset"),
    ("base-objects", "cloudhost"),
    ("base-objects", "cloudproject"),
    ("base-objects", "cluster"),
    ("base-objects", "configurationclass"),
    ("base-objects", "ethernet_set"),
    ("base-objects", "serviceenvironment"),
    ("base-objects", "virtualserver"),
}

#: (resource, field, nested name) of nested field lists (taken from Ralph's
#: serializers) that name a field the target resource does not declare.
NESTED_NAME_EXCEPTIONS = {
    ("back-office-assets", "configuration_path", "service_env"),
    ("cloud-flavors", "configuration_path", "service_env"),
    ("cloud-hosts", "configuration_path", "service_env"),
    ("cloud-projects", "configuration_path", "service_env"),
    ("clusters", "configuration_path", "service_env"),
    ("data-center-assets", "configuration_path", "service_env"),
    ("databases", "configuration_path", "service_env"),
    ("domains", "configuration_path", "service_env"),
    ("networks", "service_env", "parent"),
    ("networks", "service_env", "service_env"),
    ("services-environments", "configuration_path", "configuration_path"),
    ("services-environments", "configuration_path", "service_env"),
    ("sslcertificates", "configuration_path", "service_env"),
    ("vips", "configuration_path", "service_env"),
    ("virtual-servers", "configuration_path", "service_env"),
    ("virtual-servers", "hypervisor", "hostname"),
    ("virtual-servers", "hypervisor", "ui_url"),
}

#: Resources whose records share the BaseObject id space (besides base-objects itself).
BASE_OBJECT_TYPE_NAMES = {
    "back-office-assets",
    "cloud-flavors",
    "cloud-hosts",
    "cloud-projects",
    "clusters",
    "configuration-classes",
    "data-center-assets",
    "databases",
    "domains",
    "licences",
    "services-environments",
    "sslcertificates",
    "supports",
    "vips",
    "virtual-servers",
}

RELATION_KINDS = {"fk", "m2m"}
KNOWN_KINDS = STORED_KINDS | {"id", "url", "ui_url", "str", "object_type", "created", "modified",
                              "derived", "reverse", "value", "custom_fields", "computed", "unserved"}
#: Kinds of fields that have a read column of their own (what ordering can sort by).
COLUMN_KINDS = SCALAR_KINDS | {"id", "fk", "created", "modified"}
#: Record timestamps: a column of every read table, declared as a field or not.
RECORD_TIMESTAMPS = {"created", "modified"}
PLACEHOLDER = re.compile(r"\{([a-z_,]+(?:__[a-z_]+)*)(?:\|([^}]*))?\}")


def ids(resources):
    return [r.name for r in resources]


@pytest.fixture(scope="module")
def schema() -> ReadSchema:
    return ReadSchema()


# --- the catalogue as a whole ---------------------------------------------------------------

def test_resource_names_are_unique():
    names = [r.name for r in RESOURCES]
    assert len(names) == len(set(names))
    assert set(CATALOG) == set(names)


def test_aliases_do_not_shadow_resources():
    assert not set(ALIASES) & set(CATALOG)
    aliases = [a for r in RESOURCES for a in r.aliases]
    assert len(aliases) == len(set(aliases))


@pytest.mark.parametrize("alias, name", [
    ("asset-models", "assetmodels"),
    ("service-environments", "services-environments"),
])
def test_aliases_resolve(alias, name):
    assert resource(alias) is CATALOG[name]
    assert resource(name) is CATALOG[name]
    assert ALIASES[alias] == name


def test_unknown_resource_is_a_key_error():
    with pytest.raises(KeyError):
        resource("no-such-resource")


@pytest.mark.parametrize("name", ["data-center-assets", "back-office-assets", "services-environments",
                                  "base-objects"])
def test_base_object_family(name):
    assert BASE_OBJECT == "base_object"
    assert resource(name).family == "base_object"


def test_base_object_types():
    assert {r.name for r in BASE_OBJECT_TYPES} == BASE_OBJECT_TYPE_NAMES
    assert resource("base-objects").polymorphic
    assert [r.name for r in RESOURCES if r.polymorphic] == ["base-objects"]
    assert all(r.family == BASE_OBJECT for r in BASE_OBJECT_TYPES)


@pytest.mark.parametrize("name", ["data-centers", "racks", "users", "environments", "services", "assetmodels"])
def test_other_resources_have_their_own_family(name):
    assert resource(name).family == name


# --- each resource ---------------------------------------------------------------------------

@pytest.mark.parametrize("res", RESOURCES, ids=ids(RESOURCES))
def test_field_names_are_unique(res):
    names = [f.name for f in res.fields]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates


@pytest.mark.parametrize("res", RESOURCES, ids=ids(RESOURCES))
def test_id_field_first(res):
    assert res.fields[0].name == "id"
    assert res.fields[0].kind == "id"
    assert res.fields[0].read_only


@pytest.mark.parametrize("res", RESOURCES, ids=ids(RESOURCES))
def test_field_kinds_are_known(res):
    assert {f.kind for f in res.fields} <= KNOWN_KINDS


def test_every_known_kind_is_used():
    assert {f.kind for r in RESOURCES for f in r.fields} == KNOWN_KINDS


@pytest.mark.parametrize("res", RESOURCES, ids=ids(RESOURCES))
def test_field_declarations_are_complete(res):
    for f in res.fields:
        if f.kind == "choice":
            assert f.choices, f.name
        if f.kind == "decimal":
            assert f.max_digits and f.decimal_places is not None, f.name
            assert f.decimal_places <= f.max_digits, f.name
        if f.kind in RELATION_KINDS | {"reverse"}:
            assert f.target, f.name
        if f.kind == "reverse":
            assert f.via, f.name
        if f.kind in ("derived", "value"):
            assert f.source, f.name
        if f.kind == "custom_fields":
            assert f.source in (None, "configuration"), f.name


def test_relation_targets_are_catalogued_or_known():
    undeclared = {f.target for r in RESOURCES for f in r.fields
                  if f.kind in RELATION_KINDS and f.target not in CATALOG}
    assert undeclared == UNDECLARED_RELATION_TARGETS


def test_reverse_targets_are_catalogued_or_known():
    undeclared = {f.target for r in RESOURCES for f in r.fields
                  if f.kind in ("reverse", "derived") and f.target not in CATALOG}
    assert undeclared == UNDECLARED_REVERSE_TARGETS


def test_undeclared_targets_are_not_aliases():
    for target in UNDECLARED_RELATION_TARGETS | UNDECLARED_REVERSE_TARGETS:
        assert target not in ALIASES


def test_reverse_fields_point_back():
    for r in RESOURCES:
        for f in r.fields:
            if f.kind == "reverse" and f.target in CATALOG:
                via = CATALOG[f.target].get(f.via)
                assert via is not None and via.kind == "fk", (r.name, f.name)
                assert via.target == r.name or (via.target == "base-objects" and r.base_object), (r.name, f.name)


def test_nested_field_names_exist_on_the_target():
    missing = set()
    for r in RESOURCES:
        for f in r.fields:
            if not f.nested:
                continue
            assert f.target in CATALOG, (r.name, f.name)
            target = CATALOG[f.target]
            for entry in f.nested:
                if isinstance(entry, str) and "=" in entry:
                    continue
                if target.get(entry_key(entry)) is None:
                    missing.add((r.name, f.name, entry_key(entry)))
    assert missing == NESTED_NAME_EXCEPTIONS


def test_lookup_fields_are_unique_fields_of_catalogued_targets():
    for r in RESOURCES:
        for f in r.fields:
            if f.lookup and f.target in CATALOG:
                looked_up = CATALOG[f.target].get(f.lookup)
                assert looked_up is not None and looked_up.unique, (r.name, f.name)


def test_through_resources_link_both_ends():
    for r in RESOURCES:
        for f in r.fields:
            if f.through:
                link = CATALOG[f.through]
                targets = {g.target for g in link.stored_fields if g.kind == "fk"}
                assert {r.name, f.target} <= targets, (r.name, f.name)


def test_derived_sources_resolve():
    for r in RESOURCES:
        for f in r.fields:
            if f.kind != "derived":
                continue
            *hops, last = f.source.split("__")
            here = r
            for hop in hops:
                step = here.get(hop)
                assert step is not None and step.kind == "fk", (r.name, f.name, hop)
                here = CATALOG[step.target]
            final = here.get(last)
            assert final is not None, (r.name, f.name)
            assert final.target == f.target, (r.name, f.name)


def test_value_sources_resolve_to_scalars():
    sources = set()
    for r in RESOURCES:
        for f in r.fields:
            if f.kind != "value":
                continue
            sources.add((r.name, f.name, f.source))
            *hops, last = f.source.split("__")
            assert hops, (r.name, f.name)
            here = r
            for hop in hops:
                step = here.get(hop)
                assert step is not None and step.kind == "fk" and step.target in CATALOG, (r.name, f.name, hop)
                here = CATALOG[step.target]
            final = here.get(last)
            assert final is not None and final.kind in SCALAR_KINDS, (r.name, f.name)
    assert sources == {("rack-accessories", "name", "accessory__name")}


@pytest.mark.parametrize("res", RESOURCES, ids=ids(RESOURCES))
def test_filter_fields_start_at_known_names(res):
    reverse_names = {f.name for f in res.fields if f.kind == "reverse"}
    unknown = set()
    for path in res.filter_fields:
        head = path.split("__")[0]
        if head == "id" or res.get(head) is not None or head in reverse_names:
            continue
        unknown.add((res.name, head))
    assert unknown == {e for e in FILTER_FIELD_EXCEPTIONS if e[0] == res.name}


def test_filter_field_exceptions_name_catalogued_resources():
    assert {name for name, _ in FILTER_FIELD_EXCEPTIONS | EXTENDED_FILTER_EXCEPTIONS} <= set(CATALOG)


@pytest.mark.parametrize("res", RESOURCES, ids=ids(RESOURCES))
def test_filter_fields_are_unique(res):
    assert len(res.filter_fields) == len(set(res.filter_fields))


def test_extended_filter_paths_start_at_known_names():
    unknown = {(r.name, path.split("__")[0]) for r in RESOURCES for paths in r.extended_filters.values()
               for path in paths if r.get(path.split("__")[0]) is None}
    assert unknown == EXTENDED_FILTER_EXCEPTIONS


def _ordering_column(res, entry: str, schema: ReadSchema):
    """The read column ``entry`` sorts by (``-`` for descending, ``a__b`` through fks), or None.

    Mirrors the projection's ordering: every hop but the last is an fk to a
    catalogued resource; the last names a field with a column of its own, or
    one of the record timestamps every read table has.
    """
    path = entry[1:] if entry.startswith("-") else entry
    *hops, last = path.split("__")
    here = res
    for hop in hops:
        step = here.get(hop)
        if step is None or step.kind != "fk" or step.target not in CATALOG:
            return None
        here = CATALOG[step.target]
    f = here.get(last)
    if f is None and last not in RECORD_TIMESTAMPS:
        return None
    if f is not None and f.kind not in COLUMN_KINDS:
        return None
    return schema.table(here).c.get(last)


@pytest.mark.parametrize("res", RESOURCES, ids=ids(RESOURCES))
def test_ordering_names_fields(res, schema):
    assert len(res.ordering) == len(set(res.ordering))
    for entry in res.ordering:
        assert _ordering_column(res, entry, schema) is not None, entry


@pytest.mark.parametrize("entry, expected", [
    ("remarks", True),
    ("-remarks", True),
    ("--remarks", False),
    ("-created", True),
    ("modified", True),
    ("service__name", True),
    ("-environment__name", True),
    ("service__bogus", False),
    ("bogus__name", False),
    ("tags__name", False),
    ("business_owners", False),
    ("bogus", False),
])
def test_ordering_helper(entry, expected, schema):
    # The helper itself must be able to fail (checked on services-environments).
    assert (_ordering_column(resource("services-environments"), entry, schema) is not None) is expected


@pytest.mark.parametrize("res", RESOURCES, ids=ids(RESOURCES))
def test_unique_together_names_stored_fields(res):
    stored = {f.name for f in res.stored_fields}
    for names in res.unique_together:
        assert set(names) <= stored, names


@pytest.mark.parametrize("res", RESOURCES, ids=ids(RESOURCES))
def test_str_format_placeholders_resolve(res):
    for match in PLACEHOLDER.finditer(res.str_format):
        for path in match.group(1).split(","):
            *hops, last = path.split("__")
            here = res
            for hop in hops:
                step = here.get(hop)
                assert step is not None and step.kind == "fk", match.group(0)
                here = CATALOG[step.target]
            assert here.get(last) is not None, match.group(0)


# --- read tables -----------------------------------------------------------------------------

CONCRETE = tuple(r for r in RESOURCES if not r.polymorphic)


@pytest.mark.parametrize("res", CONCRETE, ids=ids(CONCRETE))
def test_scalar_and_fk_fields_have_columns(res, schema):
    table = schema.table(res)
    assert table.name == table_name(res)
    columns = set(table.c.keys())
    for f in res.stored_fields:
        if f.kind in SCALAR_KINDS or f.kind in ("fk", "password"):
            assert f.name in columns, f.name
    assert {"id", "created", "modified", "state", "doc"} <= columns


@pytest.mark.parametrize("res", CONCRETE, ids=ids(CONCRETE))
def test_string_and_decimal_columns_follow_the_declaration(res, schema):
    table = schema.table(res)
    for f in res.stored_fields:
        if f.kind == "string" and f.max_length:
            assert table.c[f.name].type.length == f.max_length, f.name
        if f.kind == "decimal":
            assert table.c[f.name].type.precision == f.max_digits, f.name
            assert table.c[f.name].type.scale == f.decimal_places, f.name


@pytest.mark.parametrize("res", CONCRETE, ids=ids(CONCRETE))
def test_m2m_fields_have_link_tables(res, schema):
    for f in res.stored_fields:
        if f.kind == "m2m":
            link = schema.links[(res.name, f.name)]
            assert {"owner_id", "target_id", "position"} <= set(link.c.keys())


def test_polymorphic_resource_reads_the_shared_table(schema):
    table = schema.table(resource("base-objects"))
    assert table is schema.base_objects
    assert set(table.c.keys()) == {"id", "resource", "service_env", "parent", "created", "modified"}  # documents:
    # each base object's own type's table


def test_every_concrete_resource_has_a_table(schema):
    assert set(schema.resources) == {r.name for r in CONCRETE}
    names = [t.name for t in schema.all_tables]
    assert len(names) == len(set(names))
