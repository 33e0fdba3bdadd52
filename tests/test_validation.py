"""Unit tests of request-body validation (``commands.validation``).

Pure: no store, no database. References to other records are answered by
:class:`FakeRefs`, a dict-backed stand-in for the command handler. Every
expected message is the one Ralph (Django REST framework) answers.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from commands.catalog import resource
from commands.passwords import check_password
from commands.validation import Invalid, ValidationFailed, clean, convert


class FakeRefs:
    """``References`` backed by dicts: ``{resource: {pk: {field: value}}}``."""

    def __init__(self, records: dict[str, dict[int, dict]] | None = None):
        self.records = records or {}
        self.exists_calls: list[tuple[str, int]] = []
        self.find_calls: list[tuple[str, str, object]] = []

    def exists(self, resource: str, pk: int) -> bool:
        self.exists_calls.append((resource, pk))
        return pk in self.records.get(resource, {})

    def find(self, resource: str, field: str, value) -> int | None:
        self.find_calls.append((resource, field, value))
        for pk, values in self.records.get(resource, {}).items():
            if values.get(field) == value:
                return pk
        return None


REFS = FakeRefs({
    "assetmodels": {5: {"name": "PowerEdge"}},
    "racks": {7: {"name": "Rack 1"}},
    "environments": {1: {"name": "prod"}, 2: {"name": "dev"}, 10: {"name": "123"}},
    "users": {3: {"username": "alice"}, 4: {"username": "bob"}},
    "profit-centers": {8: {"name": "PC-1"}},
    "teams": {9: {"name": "ops"}},
})


def field(resource_name: str, name: str):
    f = resource(resource_name).get(name)
    assert f is not None, f"{resource_name} has no field {name}"
    return f


def errors_of(res_name: str, body, *, current=None, partial=False, refs=REFS) -> dict:
    with pytest.raises(ValidationFailed) as info:
        clean(resource(res_name), body, refs, current=current, partial=partial)
    return info.value.errors


def invalid(res_name: str, name: str, raw, refs=REFS) -> str:
    with pytest.raises(Invalid) as info:
        convert(field(res_name, name), raw, refs)
    return str(info.value)


def invalid_field(f, raw, refs=REFS) -> str:
    with pytest.raises(Invalid) as info:
        convert(f, raw, refs)
    return str(info.value)


def ok(res_name: str, name: str, raw, refs=REFS):
    return convert(field(res_name, name), raw, refs)


# --- required / create / PUT / PATCH -------------------------------------------------------

def test_required_field_missing_on_create():
    assert errors_of("data-centers", {}) == {"name": ["This field is required."]}


def test_all_required_fields_reported_together():
    assert errors_of("data-center-assets", {}) == {
        "rack": ["This field is required."],
        "model": ["This field is required."],
    }


def test_patch_with_nothing_returns_nothing():
    current = {"name": "DC1", "show_on_dashboard": True}
    assert clean(resource("data-centers"), {}, REFS, current=current, partial=True) == {}


def test_patch_returns_only_sent_fields():
    current = {"name": "DC1", "city": "Warsaw"}
    assert clean(resource("data-centers"), {"city": " Krakow "}, REFS,
                 current=current, partial=True) == {"city": "Krakow"}


def test_put_missing_required_field_is_an_error():
    current = {"name": "DC1", "city": "Warsaw"}
    assert errors_of("data-centers", {"city": "Krakow"}, current=current, partial=False) == {
        "name": ["This field is required."]}


def test_put_with_required_fields_returns_only_sent_fields():
    current = {"name": "DC1", "city": "Warsaw"}
    assert clean(resource("data-centers"), {"name": "DC2"}, REFS,
                 current=current, partial=False) == {"name": "DC2"}


def test_body_that_is_not_an_object():
    assert errors_of("data-centers", ["name"]) == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


def test_errors_of_several_fields_are_collected():
    errors = errors_of("data-centers", {"name": "", "latitude": "north", "type": "bogus"})
    assert errors == {
        "name": ["This field may not be blank."],
        "latitude": ["A valid number is required."],
        "type": ['"bogus" is not a valid choice.'],
    }


# --- strings ----------------------------------------------------------------------------

def test_string_is_stripped():
    assert ok("data-centers", "name", "  DC1 \t\n") == "DC1"


def test_number_is_accepted_as_string():
    assert ok("data-centers", "name", 42) == "42"


def test_blank_string_not_allowed():
    assert invalid("data-centers", "name", "") == "This field may not be blank."
    assert invalid("data-centers", "name", "   ") == "This field may not be blank."


def test_blank_string_allowed_when_field_is_blank():
    assert ok("data-centers", "city", "") == ""
    assert ok("data-centers", "city", "   ") == ""


def test_string_too_long():
    assert ok("data-centers", "name", "x" * 255) == "x" * 255
    assert invalid("data-centers", "name", "x" * 256) == "Ensure this field has no more than 255 characters."


def test_string_length_is_measured_after_stripping():
    assert ok("data-centers", "name", " " + "x" * 255 + " ") == "x" * 255


def test_null_on_non_null_string():
    assert invalid("data-centers", "name", None) == "This field may not be null."


def test_null_on_nullable_string():
    assert ok("data-centers", "city", None) is None


def test_nul_character_not_allowed():
    assert invalid("data-centers", "name", "a\x00b") == "Null characters are not allowed."
    assert invalid("data-centers", "city", "\x00") == "Null characters are not allowed."


def test_non_string_values_rejected():
    assert invalid("data-centers", "name", True) == "Not a valid string."
    assert invalid("data-centers", "name", ["a"]) == "Not a valid string."
    assert invalid("data-centers", "name", {"a": 1}) == "Not a valid string."


# --- choices ----------------------------------------------------------------------------

def test_choice_by_name_and_by_number():
    assert ok("data-center-assets", "status", "in use") == 2
    assert ok("data-center-assets", "status", 2) == 2
    assert ok("data-center-assets", "status", "2") == 2


def test_unknown_choice():
    assert invalid("data-center-assets", "status", "bogus") == '"bogus" is not a valid choice.'
    assert invalid("data-center-assets", "status", 99) == '"99" is not a valid choice.'


def test_boolean_is_not_a_choice_number():
    assert invalid("data-center-assets", "status", True) == '"True" is not a valid choice.'


def test_null_choice():
    assert invalid("data-center-assets", "status", None) == "This field may not be null."
    assert ok("data-centers", "type", None) is None


# --- foreign keys -----------------------------------------------------------------------

def test_fk_existing_id():
    assert ok("data-center-assets", "model", 5) == 5
    assert ok("data-center-assets", "model", "5") == 5


def test_fk_missing_id():
    assert invalid("data-center-assets", "model", 99) == 'Invalid pk "99" - object does not exist.'
    assert invalid("data-center-assets", "model", "99") == 'Invalid pk "99" - object does not exist.'


def test_fk_existence_is_asked_of_the_target_resource():
    refs = FakeRefs({"assetmodels": {5: {}}})
    ok("data-center-assets", "model", 5, refs)
    assert refs.exists_calls == [("assetmodels", 5)]


def test_fk_non_numeric_string():
    assert invalid("data-center-assets", "model", "abc") == "Incorrect type. Expected pk value, received str."


def test_fk_wrong_types():
    assert invalid("data-center-assets", "model", True) == "Incorrect type. Expected pk value, received bool."
    assert invalid("data-center-assets", "model", [5]) == "Incorrect type. Expected pk value, received list."
    assert invalid("data-center-assets", "model", {"id": 5}) == "Incorrect type. Expected pk value, received dict."


def test_fk_non_decimal_digit_string_is_an_incorrect_type():
    # "²".isdigit() is True but int("²") raises ValueError. DRF's
    # PrimaryKeyRelatedField catches the ValueError and answers incorrect_type;
    # validation must not crash with an unhandled exception.
    assert invalid("data-center-assets", "model", "²") == "Incorrect type. Expected pk value, received str."


def test_fk_negative_numeric_string_is_a_missing_pk():
    # DRF runs queryset.get(pk="-1"): Django's int("-1") succeeds and the lookup
    # finds nothing, so the answer is does_not_exist, not incorrect_type.
    assert invalid("data-center-assets", "model", "-1") == 'Invalid pk "-1" - object does not exist.'


def test_fk_null():
    assert invalid("data-center-assets", "model", None) == "This field may not be null."
    # Ralph's DataCenterAssetSaveSerializer declares rack with allow_null=False.
    assert invalid("data-center-assets", "rack", None) == "This field may not be null."
    assert ok("data-center-assets", "budget_info", None) is None
    assert ok("data-center-assets", "service_env", None) is None


def test_fk_with_lookup_resolves_names():
    assert ok("services", "profit_center", "PC-1") == 8
    assert ok("services", "support_team", "ops") == 9
    assert ok("services", "profit_center", 8) == 8


def test_fk_with_lookup_unknown_name():
    # Ralph's AdditionalLookupRelatedField (a PrimaryKeyRelatedField) answers
    # self.fail("does_not_exist", pk_value=data) when neither lookup matches.
    assert invalid("services", "profit_center", "nope") == 'Invalid pk "nope" - object does not exist.'
    assert invalid("services", "support_team", "nope") == 'Invalid pk "nope" - object does not exist.'


def test_fk_with_lookup_null():
    assert ok("services", "profit_center", None) is None


def test_fk_without_lookup_does_not_search_by_name():
    refs = FakeRefs({"assetmodels": {5: {"name": "PowerEdge"}}})
    assert invalid("data-center-assets", "model", "PowerEdge", refs) == (
        "Incorrect type. Expected pk value, received str.")
    assert refs.find_calls == []


# --- many-to-many -----------------------------------------------------------------------

def test_m2m_ids():
    assert ok("services", "environments", [1, "2"]) == [1, 2]


def test_m2m_duplicates_collapse_in_order():
    assert ok("services", "environments", [2, 1, 2]) == [2, 1]


def test_m2m_lookup_resolves_names():
    refs = FakeRefs({"environments": {1: {"name": "prod"}, 2: {"name": "dev"}}})
    assert ok("services", "environments", ["prod", "dev"], refs) == [1, 2]
    assert ("environments", "name", "prod") in refs.find_calls
    assert ok("services", "business_owners", ["alice", 4]) == [3, 4]


def test_m2m_lookup_of_numeric_name():
    # An id is tried first; a numeric string that is no id may still be a name.
    assert ok("services", "environments", ["123"]) == [10]


def test_m2m_lookup_unknown_name():
    assert invalid("services", "environments", ["prod", "nope"]) == 'Invalid pk "nope" - object does not exist.'
    assert invalid("services", "business_owners", ["carol"]) == 'Invalid pk "carol" - object does not exist.'


def test_m2m_lookup_unknown_id():
    assert invalid("services", "environments", [42]) == 'Invalid pk "42" - object does not exist.'


def test_m2m_unknown_id():
    assert invalid("users", "regions", [42]) == 'Invalid pk "42" - object does not exist.'


def test_m2m_not_a_list():
    assert invalid("services", "environments", "prod") == 'Expected a list of items but got type "str".'
    assert invalid("services", "environments", 1) == 'Expected a list of items but got type "int".'
    assert invalid("services", "environments", {"a": 1}) == 'Expected a list of items but got type "dict".'


def test_m2m_empty_list_not_allowed_when_not_blank():
    # DRF's ModelSerializer builds a to-many field of a model field without
    # blank=True with allow_empty=False.
    strict = replace(field("services", "environments"), blank=False)
    assert invalid_field(strict, []) == "This list may not be empty."
    assert invalid_field(strict, "prod") == 'Expected a list of items but got type "str".'


def test_services_environments_may_be_empty():
    # Ralph's SaveServiceSerializer declares ``environments`` itself
    # (AdditionalLookupRelatedField(many=True, ...)) rather than letting the
    # ModelSerializer derive it from Service.environments (blank=False), so
    # DRF's ManyRelatedField keeps its default allow_empty=True: [] is valid,
    # but the field is still required.
    assert ok("services", "environments", []) == []
    assert "environments" in errors_of("services", {"name": "S", "business_owners": [], "technical_owners": []})


def test_m2m_empty_list_allowed_when_blank():
    assert ok("users", "regions", []) == []


# --- decimals ---------------------------------------------------------------------------

def test_decimal_is_quantized_to_its_places():
    assert ok("data-center-assets", "depreciation_rate", "24.7") == "24.70"
    assert ok("data-center-assets", "depreciation_rate", 25) == "25.00"
    assert ok("data-center-assets", "depreciation_rate", 12.5) == "12.50"
    assert ok("data-center-assets", "depreciation_rate", " 100 ") == "100.00"
    assert ok("data-center-assets", "depreciation_rate", "999.99") == "999.99"


def test_decimal_too_many_whole_digits():
    assert invalid("data-center-assets", "depreciation_rate", "1234.5") == (
        "Ensure that there are no more than 3 digits before the decimal point.")


def test_decimal_too_many_decimal_places():
    assert invalid("data-center-assets", "depreciation_rate", "1.234") == (
        "Ensure that there are no more than 2 decimal places.")


def test_decimal_too_many_digits_in_total():
    assert invalid("data-center-assets", "depreciation_rate", "1234.56") == (
        "Ensure that there are no more than 5 digits in total.")


def test_decimal_not_a_number():
    for raw in ("abc", "", "NaN", "Infinity", "-inf", True, [1]):
        assert invalid("data-center-assets", "depreciation_rate", raw) == "A valid number is required.", raw


def test_decimal_null():
    assert invalid("data-center-assets", "depreciation_rate", None) == "This field may not be null."
    assert ok("data-center-assets", "price", None) is None


# --- dates and times --------------------------------------------------------------------

DATE_ERROR = "Date has wrong format. Use one of these formats instead: YYYY[-MM[-DD]]."


def test_date_ok():
    assert ok("data-center-assets", "invoice_date", "2024-01-02") == "2024-01-02"


def test_date_with_one_digit_month_and_day():
    # DRF parses ISO dates with django.utils.dateparse.parse_date, whose
    # pattern is \d{4}-\d{1,2}-\d{1,2}: "2024-1-2" is the 2nd of January.
    assert ok("data-center-assets", "invoice_date", "2024-1-2") == "2024-01-02"


def test_date_invalid():
    for raw in ("2024-13-01", "2024-02-30", "yesterday", "02/01/2024", "2024-01-02T10:00:00", 20240102):
        assert invalid("data-center-assets", "invoice_date", raw) == DATE_ERROR, raw


def test_date_null():
    assert ok("data-center-assets", "invoice_date", None) is None


def test_datetime_ok_and_normalised_to_naive_utc():
    assert ok("users", "last_login", "2024-01-02T10:11:12") == "2024-01-02T10:11:12"
    assert ok("users", "last_login", "2024-01-02T10:11:12Z") == "2024-01-02T10:11:12"
    assert ok("users", "last_login", "2024-01-02T12:11:12+02:00") == "2024-01-02T10:11:12"


def test_datetime_invalid():
    assert invalid("users", "last_login", "soon") == (
        "Datetime has wrong format. Use one of these formats instead: "
        "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].")


# --- integers, floats, booleans -----------------------------------------------------------

def test_integer():
    assert ok("data-center-assets", "position", "5") == 5
    assert ok("data-center-assets", "position", 5) == 5
    assert ok("data-center-assets", "position", "5.0") == 5
    assert ok("data-center-assets", "position", " -3 ") == -3


def test_integer_invalid():
    for raw in ("x", "", "5.5", 5.5, True, [5]):
        assert invalid("data-center-assets", "position", raw) == "A valid integer is required.", raw


def test_float():
    assert ok("data-centers", "latitude", "52.5") == 52.5
    assert ok("data-centers", "latitude", 1) == 1.0
    assert invalid("data-centers", "latitude", "north") == "A valid number is required."


def test_boolean_values():
    for raw in ("true", "True", 1, "1", True):
        assert ok("data-center-assets", "force_depreciation", raw) is True, raw
    for raw in ("false", "False", 0, "0", False):
        assert ok("data-center-assets", "force_depreciation", raw) is False, raw


def test_boolean_null_not_allowed():
    assert invalid("data-center-assets", "force_depreciation", None) == "This field may not be null."


# --- IP addresses ----------------------------------------------------------------------

IP_ERROR = "Enter a valid IPv4 or IPv6 address."


def ip_field():
    f = resource("ipaddresses").get("address")
    assert f is not None and f.kind == "ip"
    return f


def test_ip_ok():
    assert convert(ip_field(), "10.0.0.1", REFS) == "10.0.0.1"
    assert convert(ip_field(), " 10.0.0.1 ", REFS) == "10.0.0.1"
    assert convert(ip_field(), "::1", REFS) == "::1"


def test_ipv6_is_stored_compressed():
    assert convert(ip_field(), "2001:db8:0:0::1", REFS) == "2001:db8::1"


def test_ip_invalid():
    for raw in ("300.1.1.1", "10.0.0", "abc", "10.0.0.1/24"):
        assert invalid_field(ip_field(), raw) == IP_ERROR, raw


def test_ip_blank_and_null():
    assert invalid_field(ip_field(), "") == "This field may not be blank."
    assert invalid_field(ip_field(), None) == "This field may not be null."


# --- MAC addresses ----------------------------------------------------------------------

def mac_field():
    f = resource("ethernets").get("mac")
    assert f is not None and f.kind == "mac"
    return f


def test_mac_is_normalised():
    for raw in ("aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:ff", " AA:bb-CC:dd:EE:ff "):
        assert convert(mac_field(), raw, REFS) == "AA:BB:CC:DD:EE:FF", raw


def test_mac_invalid():
    """assets/models/components.py MAC_RE and MAC_ERROR_MSG (Django 2.0 leaves its placeholder as written)."""
    for raw in ("xyz", "aa:bb:cc:dd:ee", "AABBCCDDEEFF", "aabb.ccdd.eeff"):
        assert invalid_field(mac_field(), raw) == "'%(value)s' is not a valid MAC address.", raw


def test_mac_null_and_blank_on_nullable_field():
    assert convert(mac_field(), None, REFS) is None
    assert convert(mac_field(), "", REFS) is None


# --- defaults, unknown and read-only fields -------------------------------------------------

DCA_BODY = {"rack": 7, "model": 5}


def test_defaults_on_create():
    values = clean(resource("data-center-assets"), dict(DCA_BODY), REFS, current=None, partial=False)
    assert values["status"] == 1
    assert values["depreciation_rate"] == "25.00"
    assert values["price_currency"] == "XXX"
    assert values["tags"] == []
    assert values["orientation"] == 1
    assert values["force_depreciation"] is False
    assert values["required_support"] is False
    assert values["remarks"] == ""
    assert values["hostname"] is None
    assert values["price"] is None
    assert values["service_env"] is None
    assert values["rack"] == 7
    assert values["model"] == 5


def test_create_gives_every_stored_field_a_value():
    res = resource("data-center-assets")
    values = clean(res, dict(DCA_BODY), REFS, current=None, partial=False)
    assert set(values) == {f.name for f in res.stored_fields}


def test_unknown_fields_are_ignored():
    values = clean(resource("data-center-assets"), {**DCA_BODY, "bogus": 1, "hostname ": "x"}, REFS,
                   current=None, partial=False)
    assert "bogus" not in values
    assert "hostname " not in values
    assert values["hostname"] is None


def test_read_only_fields_are_ignored():
    body = {**DCA_BODY, "id": 123, "created": "2000-01-01T00:00:00", "url": "http://x/",
            "price_currency": "PLN", "__str__": "x", "object_type": "x"}
    values = clean(resource("data-center-assets"), body, REFS, current=None, partial=False)
    assert "id" not in values
    assert "created" not in values
    assert "url" not in values
    assert values["price_currency"] == "XXX"


def test_read_only_fields_ignored_on_update():
    values = clean(resource("data-center-assets"), {"id": 1, "created": "x", "price_currency": "PLN"},
                   REFS, current={"rack": 7, "model": 5}, partial=True)
    assert values == {}


def test_invalid_values_of_read_only_fields_are_ignored():
    # Read-only fields are not validated at all (DRF drops them from the input).
    values = clean(resource("services-environments"), {"service": "bogus", "environment": None},
                   REFS, current=None, partial=False)
    assert values["service"] is None
    assert values["environment"] is None


def test_datetime_default_now_on_create():
    values = clean(resource("users"), {"username": "carol"}, REFS, current=None, partial=False)
    assert isinstance(values["date_joined"], str)
    assert "T" in values["date_joined"]
    assert not values["date_joined"].endswith("Z") and "+" not in values["date_joined"]
    assert values["is_active"] is True
    assert values["regions"] == []
    assert values["country"] == 153


# --- tags -------------------------------------------------------------------------------

def test_tags():
    assert ok("data-center-assets", "tags", ["a", " b ", "a", ""]) == ["a", "b"]
    assert ok("data-center-assets", "tags", "a, b,,c") == ["a", "b", "c"]
    assert ok("data-center-assets", "tags", None) == []


# --- passwords --------------------------------------------------------------------------

def test_password_stored_as_argon2id_hash():
    values = clean(resource("users"), {"username": "carol", "password": "s3cret!"}, REFS,
                   current=None, partial=False)
    stored = values["password"]
    assert stored != "s3cret!"
    assert stored.startswith("$argon2id$")
    assert check_password("s3cret!", stored)
    assert not check_password("wrong", stored)


def test_password_hashes_are_salted():
    first = ok("users", "password", "same")
    second = ok("users", "password", "same")
    assert first != second
    assert check_password("same", first) and check_password("same", second)


def test_password_may_not_be_blank():
    assert invalid("users", "password", "") == "This field may not be blank."
