"""The OpenAPI document (``GET /api/schema/``): valid OpenAPI 3.1, true to Ralph's API, and to the app's answers.

The schemathesis run is on the embedded server (SQLite, projections inline), the one the issue names.
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from payloads import Builder
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from api.schema import JSON, MEDIA, document
from commands.catalog import CATALOG, RESOURCES

DOC = document()
PATHS = DOC["paths"]
ROUTED = [r for r in RESOURCES if not r.internal]
#: The embedded server only.
SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
#: Examples per operation in each generation mode (the run stays near a minute on 2 cores).
POSITIVE, NEGATIVE = 3, 1
#: What schemathesis checks of every answer.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def validator(path: str, method: str, status: int) -> Draft202012Validator:
    """The JSON Schema the document gives for an answer (formats asserted)."""
    response = PATHS[path][method]["responses"][str(status)]
    if "$ref" in response:
        response = DOC["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = {**response["content"][JSON]["schema"], "components": DOC["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def conforms(result, path: str, method: str = "get", status: int = 200) -> dict:
    """Assert ``result`` (a falcon test result) has ``status`` and a body the document describes; its JSON."""
    assert result.status_code == status, (path, method, result.text[:500])
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator(path, method, result.status_code).iter_errors(result.json)]
    assert not errors, (path, method, result.status_code, errors[:5])
    return result.json


def parameters(path: str, method: str = "get") -> dict:
    return {p["name"]: p for p in PATHS[path][method].get("parameters", [])}


@pytest.mark.slow
def test_the_document_is_valid_openapi_3_1():
    assert DOC["openapi"] == "3.1.0"
    OpenAPIV31SpecValidator(DOC).validate()


def test_methods_are_ralphs():
    assert set(PATHS["/api/data-center-assets/"]) == {"get", "head", "post", "options"}
    assert set(PATHS["/api/data-center-assets/{id}/"]) - {"parameters"} == {"get", "head", "put", "patch", "delete",
                                                                          "options"}
    assert set(PATHS["/api/base-objects/"]) == {"get", "head", "options"}
    assert set(PATHS["/api/services-environments/"]) == {"get"}
    assert set(PATHS["/api/services-environments/{id}/"]) - {"parameters"} == {"get", "delete"}
    assert set(PATHS["/api/configuration-classes/{id}/"]) - {"parameters"} == {"get", "head", "options"}
    assert set(PATHS["/api/data-center-assets/{id}/history/"]) - {"parameters"} == {"get", "head"}
    assert set(PATHS["/api-token-auth/"]) == {"post"}


def test_every_routed_resource_is_described_under_its_prefix():
    for res in ROUTED:
        assert f"/api/{res.name}/" in PATHS, res.name
        assert (f"/api/{res.name}/{{key}}/" if res.key else f"/api/{res.name}/{{id}}/") in PATHS, res.name
    assert "/api/asset-models/" not in PATHS  # an alias: the same operations as /api/assetmodels/
    assert "/api/customfieldvalues/" not in PATHS  # internal: served under its owners only
    assert "/api/data-center-assets/{id}/customfields/{value_id}/" in PATHS
    assert PATHS["/api/transitions-job/{key}/"]["parameters"][0]["schema"]["type"] == "string"  # a UUID
    assert PATHS["/api/racks/{id}/"]["parameters"][0]["schema"] == {"type": "integer", "minimum": 0,
                                                                    "maximum": 2**63 - 1}


def test_filters_carry_their_lookups():
    listing = parameters("/api/data-center-assets/")
    assert {"limit", "offset", "ordering", "hostname", "hostname__icontains", "hostname__iregex", "tag"} <= set(listing)
    assert listing["invoice_date__gt"]["schema"] == {"type": "string", "format": "date"}
    assert listing["position__lt"]["schema"] == {"type": "integer"}
    assert listing["hostname__isnull"]["schema"] == {"type": "boolean"}
    assert "hostname__gte" not in listing
    assert "remarks" in listing and "remarks__icontains" not in listing  # a TextField: exact only, as in Ralph
    assert parameters("/api/data-center-assets/", "head") == listing
    base = parameters("/api/base-objects/")
    assert {"name", "name__icontains", "id__startswith", "ip"} <= set(base)  # extended and additional filters
    assert "as_of" in parameters("/api/data-center-assets/{id}/")


def test_request_bodies_follow_the_declarations():
    schemas = DOC["components"]["schemas"]
    model = schemas["assetmodels.body"]
    assert "type" in model["required"] and "name" in model["required"]
    assert {"data center", 2} <= set(model["properties"]["type"]["enum"])
    assert model["properties"]["power_consumption"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1,
                                                        "default": 0}
    assert model["properties"]["name"] == {"type": "string", "maxLength": 75, "minLength": 1}
    assert "required" not in schemas["assetmodels.patch"]
    asset = schemas["data-center-assets.body"]["properties"]
    assert asset["hostname"] == {"type": ["string", "null"], "maxLength": 255}
    assert asset["price"]["pattern"] == r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$"
    assert asset["model"] == {"type": "integer"}
    assert schemas["users.body"]["properties"]["password"]["writeOnly"] is True
    assert "id" not in asset and "url" not in asset and "created" not in asset
    read = schemas["data-center-assets"]
    assert read["required"] == [f.name for f in CATALOG["data-center-assets"].read_fields]
    assert read["properties"]["object_type"] == {"const": "datacenterasset"}


def test_security_and_error_bodies():
    assert DOC["components"]["securitySchemes"] == {
        "tokenAuth": {"type": "apiKey", "in": "header", "name": "Authorization",
                      "description": "`Authorization: Token <key>` (the key from `POST /api-token-auth/`)."},
        "basicAuth": {"type": "http", "scheme": "basic"}}
    assert DOC["security"] == [{"tokenAuth": []}, {"basicAuth": []}]
    assert PATHS["/api-token-auth/"]["post"]["security"] == [] and PATHS["/api/health/"]["get"]["security"] == []
    responses = DOC["components"]["responses"]
    for code in ("401", "403", "404", "405", "406", "409", "412", "413", "415", "422", "503"):
        assert responses[code]["content"][JSON]["schema"]["required"] == ["detail"], code
    bad = validator("/api/racks/", "post", 400)
    assert bad.is_valid({"name": ["This field is required."]}) and bad.is_valid({"detail": "JSON parse error"})
    assert not bad.is_valid({"name": [1]})
    assert set(PATHS["/api/racks/{id}/"]["delete"]["responses"]) >= {"204", "401", "403", "404", "409", "412"}


@SQLITE
def test_served_to_the_authenticated(api):
    result = api.get("/api/schema/")
    assert result.status_code == 200
    assert result.headers["Content-Type"] == MEDIA
    assert result.json == DOC
    assert api.get("/api/schema/", headers={"Accept": "application/json"}).headers["Content-Type"] == JSON
    anonymous = api.client.simulate_get("/api/schema/")
    assert conforms(anonymous, "/api/schema/", status=401) == {
        "detail": "Authentication credentials were not provided."}


@SQLITE
def test_answers_conform_to_the_document(api):
    builder, made = Builder(api), {}
    for name in ("data-center-assets", "back-office-assets", "networks", "ipaddresses", "clusters", "users",
                 "groups", "custom-fields", "virtual-servers"):
        res = CATALOG[name]
        created = api.post(f"/api/{name}/", builder.body(res, full=True))
        pk = made[name] = conforms(created, f"/api/{name}/", "post", 201)["id"]
        detail = f"/api/{name}/{{id}}/"
        conforms(api.get(f"/api/{name}/{pk}/"), detail)
        conforms(api.get(f"/api/{name}/", params={"limit": "5"}), f"/api/{name}/")
        conforms(api.patch(f"/api/{name}/{pk}/", {}), detail, "patch")
        conforms(api.options(f"/api/{name}/{pk}/"), detail, "options")
        conforms(api.options(f"/api/{name}/"), f"/api/{name}/", "options")
        conforms(api.get(f"/api/{name}/{pk}/history/"), f"/api/{name}/{{id}}/history/")
        conforms(api.get(f"/api/{name}/{pk}/", params={"as_of": "2000-01-01T00:00:00Z"}), detail, status=404)
        conforms(api.get(f"/api/{name}/{pk}/", params={"as_of": "2100-01-01T00:00:00Z"}), detail)
    asset = made["data-center-assets"]
    field = api.create("custom-fields", {"name": "Owner", "choices": []})
    value = api.post(f"/api/data-center-assets/{asset}/customfields/", {"custom_field": field["id"], "value": "x"})
    conforms(value, "/api/data-center-assets/{id}/customfields/", "post", 201)
    conforms(api.get(f"/api/data-center-assets/{asset}/customfields/"), "/api/data-center-assets/{id}/customfields/")
    conforms(api.get(f"/api/data-center-assets/{asset}/"), "/api/data-center-assets/{id}/")
    conforms(api.get("/api/base-objects/", params={"limit": "100"}), "/api/base-objects/")
    conforms(api.get("/api/events/", params={"limit": "50"}), "/api/events/")
    conforms(api.get("/api/"), "/api/")
    conforms(api.client.simulate_get("/api/health/"), "/api/health/")
    conforms(api.get("/api/racks/999/"), "/api/racks/{id}/", status=404)
    conforms(api.post("/api/racks/", {}), "/api/racks/", "post", 400)
    conforms(api.get("/api/data-center-assets/", params={"position__gte": "abc"}), "/api/data-center-assets/",
             status=400)


@SQLITE
def test_a_history_page_past_the_end_is_empty(api):
    """Regression (schemathesis): an offset beyond what SQLite's integers hold was a 500."""
    pk = api.create("manufacturers", {"name": "Dell"})["id"]
    result = api.get(f"/api/manufacturers/{pk}/history/", params={"offset": str(10**30)})
    assert result.status_code == 200, result.text
    assert (result.json["count"], result.json["results"]) == (1, [])


@SQLITE
def test_an_ignored_name_with_a_line_break_keeps_the_header_valid(api):
    result = api.get("/api/regions/", params={"zz": "1", "a\nb,c": "1"})
    assert result.headers["X-Ignored-Filters"] == "a%0Ab%2Cc,zz"  # found by schemathesis: it broke the header


def _known_ids(api) -> dict[str, list]:
    """A record of each resource that takes POST made, the ids of a few records of each, by list URL."""
    builder = Builder(api)
    for res in ROUTED:
        if "POST" in res.methods:
            builder.create(res, full=True)
    return {f"/api/{res.name}/": [r["id"] for r in api.get(f"/api/{res.name}/", {"limit": "3"}).json["results"]]
            for res in ROUTED if not res.key}


def _cases(operation, mode, headers: dict, ids: dict, keep):
    """Generated requests of ``operation``; on a URL with an ``{id}``, most of them name a record that exists."""
    fixed = {"query": {"wait": 0}} if operation.path == "/api/events/" else {}  # no long polls
    plain = operation.as_strategy(mode, headers=headers, **fixed)
    known = ids.get(operation.path.partition("{")[0], []) if "{id}" in operation.path else []
    existing = [operation.as_strategy(mode, headers=headers, path_parameters={"id": pk}, **fixed) for pk in known]
    return st.one_of(plain, *existing).filter(keep)


def _fuzz(label: str, cases, examples: int, failures: dict) -> None:
    """Send ``examples`` generated requests, noting the first failed check under ``label``."""
    @settings(max_examples=examples, deadline=None, phases=[Phase.generate], derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def run(case):
        try:
            case.call_and_validate(checks=CHECKS)
        except (FailureGroup, AssertionError) as ex:
            failures.setdefault(label, f"{case.as_curl_command()}\n{ex}")

    run()


@pytest.mark.slow
@SQLITE
def test_schemathesis_finds_no_server_error_and_no_answer_off_the_document(api):
    """Every operation, positive and negative requests: no 5xx, and every answer as the document says."""
    started = time.monotonic()
    ids = _known_ids(api)
    root = api.get("/api/users/", {"username": "root"}).json["results"][0]["id"]
    schema = schemathesis.openapi.from_wsgi("/api/schema/", api.client.app, headers=api.headers)
    failures: dict[str, str] = {}

    def keep(case) -> bool:
        """The run's own user stays a superuser."""
        mine = case.operation.path == "/api/users/{id}/" and case.path_parameters.get("id") == root
        return not (mine and case.method != "GET")

    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode, examples in ((schemathesis.GenerationMode.POSITIVE, POSITIVE),
                               (schemathesis.GenerationMode.NEGATIVE, NEGATIVE)):
            cases = _cases(operation, mode, dict(api.headers), ids, keep)
            try:
                _fuzz(operation.label, cases, examples, failures)
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                assert mode == schemathesis.GenerationMode.NEGATIVE, operation.label
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    print(f"schemathesis: {len(operations)} operations in {time.monotonic() - started:.0f} s")
