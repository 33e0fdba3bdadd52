"""Bad input never hurts: bounds, bodies, pagination caps, safe regexes, JSON 500s, a stalled projector."""

from __future__ import annotations

import dataclasses
import logging
import re
import subprocess
import sys

from conftest import ROOT, SECRET, Api, forge_poison, make_user, service_env
from falcon.testing import TestClient

import projections.projector as projector_module
from api.app import create_app
from commands.catalog import BASE_OBJECT_TYPES, CATALOG
from commands.passwords import api_token
from payloads import Builder
from workers.runtime import Runtime

MAX_INT = "Ensure this value is less than or equal to {}."
MIN_INT = "Ensure this value is greater than or equal to {}."


def _rejected(api, rt, method: str, path: str, body, expected: dict) -> None:
    """The write answers 400 with exactly ``expected`` and appends nothing."""
    head = rt.projector.head()
    result = api.request(method, path, json=body)
    assert (result.status_code, result.json) == (400, expected)
    assert rt.projector.head() == head


def test_integers_are_bounded_by_their_model_field(api, rt):
    model = {"name": "M", "type": "data center"}
    _rejected(api, rt, "POST", "/api/assetmodels/", model | {"power_consumption": 10**30},
              {"power_consumption": [MAX_INT.format(2147483647)]})
    _rejected(api, rt, "POST", "/api/assetmodels/", model | {"power_consumption": 2**31},
              {"power_consumption": [MAX_INT.format(2147483647)]})
    _rejected(api, rt, "POST", "/api/assetmodels/", model | {"cores_count": -1},  # PositiveIntegerField
              {"cores_count": [MIN_INT.format(0)]})
    _rejected(api, rt, "POST", "/api/assetmodels/", model | {"cores_count": "9" * 1001},
              {"cores_count": ["String value too large."]})
    _rejected(api, rt, "POST", "/api/assetmodels/", model | {"height_of_device": -0.5},  # MinValueValidator(0)
              {"height_of_device": [MIN_INT.format(0)]})
    _rejected(api, rt, "POST", "/api/assetmodels/", model | {"height_of_device": "inf"},
              {"height_of_device": ["A valid number is required."]})
    created = api.create("assetmodels", model | {"power_consumption": 2147483647, "cores_count": "12.0"})
    assert (created["power_consumption"], created["cores_count"]) == (2147483647, 12)
    pk = created["id"]
    _rejected(api, rt, "PATCH", f"/api/assetmodels/{pk}/", {"power_consumption": 2147483648},
              {"power_consumption": [MAX_INT.format(2147483647)]})
    dc = api.create("data-centers", {"name": "DC"})["id"]
    _rejected(api, rt, "POST", "/api/server-rooms/", {"name": "SR", "data_center": dc, "visualization_cols_num": 0,
                                                      "visualization_rows_num": 101},
              {"visualization_cols_num": [MIN_INT.format(1)], "visualization_rows_num": [MAX_INT.format(100)]})
    options = api.options("/api/assetmodels/").json["actions"]["POST"]
    assert (options["power_consumption"]["min_value"], options["power_consumption"]["max_value"]) == (0, 2147483647)
    assert api.get(f"/api/assetmodels/{pk}/").json["power_consumption"] == 2147483647


def test_data_center_asset_production_year_is_a_small_integer(api, rt):
    builder = Builder(api)
    body = builder.body(CATALOG["data-center-assets"])
    _rejected(api, rt, "POST", "/api/data-center-assets/", body | {"production_year": 32768},
              {"production_year": [MAX_INT.format(32767)]})
    assert api.create("data-center-assets", body | {"production_year": 32767})["production_year"] == 32767


def test_signed_integers_take_negative_values(api, rt):
    licence = {"manufacturer": api.create("manufacturers", {"name": "MS"})["id"], "licence_type":
               api.create("licence-types", {"name": "per seat"})["id"], "software":
               api.create("software", {"name": "Office"})["id"], "region": api.create("regions", {"name": "PL"})["id"],
               "niw": "N-1"}
    _rejected(api, rt, "POST", "/api/licences/", licence | {"number_bought": -2**31 - 1},
              {"number_bought": [MIN_INT.format(-2**31)]})
    assert api.create("licences", licence | {"number_bought": -2**31})["number_bought"] == -2**31


def test_nul_characters_and_long_tags_are_refused(api, rt):
    _rejected(api, rt, "POST", "/api/users/", {"username": "u1", "password": "a\x00b"},
              {"password": ["Null characters are not allowed."]})
    _rejected(api, rt, "POST", "/api/manufacturers/", {"name": "a\x00b"},
              {"name": ["Null characters are not allowed."]})
    body = Builder(api).body(CATALOG["data-center-assets"])
    _rejected(api, rt, "POST", "/api/data-center-assets/", body | {"tags": ["t" * 101]},
              {"tags": ["Ensure this field has no more than 100 characters."]})
    assert api.create("data-center-assets", body | {"tags": ["t" * 100]})["tags"] == ["t" * 100]


def test_ids_beyond_any_record_are_404(api):
    api.create("manufacturers", {"name": "A"})
    for pk in (2**63, 10**30, -1):
        for method in ("GET", "HEAD", "PUT", "PATCH", "DELETE"):
            result = api.request(method, f"/api/manufacturers/{pk}/", json={"name": "x"})
            assert result.status_code == 404, (method, pk)
            if method != "HEAD":
                assert result.json == {"detail": "Not found."}
    assert api.get(f"/api/manufacturers/{2**63 - 1}/").status_code == 404
    big = api.post("/api/assetmodels/", {"name": "M", "type": "data center", "manufacturer": 10**30})
    assert (big.status_code, big.json) == (400, {"manufacturer": [f'Invalid pk "{10**30}" - object does not exist.']})


def _hostnames(api, query: str) -> list[str]:
    result = api.get("/api/data-center-assets/?" + query)
    assert result.status_code == 200, result.text
    return sorted(r["hostname"] for r in result.json["results"])


def test_numbers_beyond_a_column_filter_like_django(api):
    """Out-of-range numbers compare as Django 5 does: nothing equals them, every value is below or above them."""
    builder = Builder(api)
    free = api.create("racks", {"name": "free", "server_room": builder.target_id("server-rooms"),
                                "require_position": False})["id"]
    for n, place in enumerate(({"position": 1}, {"position": 5}, {"position": None, "rack": free})):
        api.create("data-center-assets", builder.body(CATALOG["data-center-assets"]) | {"hostname": f"h{n}"} | place)
    huge = str(10**30)
    assert api.get(f"/api/base-objects/?id={huge}").json["count"] == 0
    everything = api.get("/api/base-objects/").json["count"]
    assert api.get(f"/api/base-objects/?id__gte=-{huge}").json["count"] == everything == 4  # 3 assets, 1 class
    assert _hostnames(api, f"rack={huge}") == []
    assert _hostnames(api, f"service_env__service__id={huge}") == []
    assert _hostnames(api, f"status={huge}") == []
    assert _hostnames(api, f"position__lte={huge}") == ["h0", "h1"]
    assert _hostnames(api, f"position__gt={huge}") == []
    assert _hostnames(api, f"position__gte=-{huge}") == ["h0", "h1"]
    assert _hostnames(api, f"position__lt=-{huge}") == []
    assert _hostnames(api, f"position__in=1,{huge}") == ["h0"]
    assert _hostnames(api, f"position__range=2,{huge}") == ["h1"]
    assert _hostnames(api, "position__isnull=true") == ["h2"]
    assert _hostnames(api, f"invoice_date__year={huge}") == []
    result = api.get("/api/base-objects/?price__gte=1e200")
    assert (result.status_code, result.json) == (400, {"price__gte": ['"1e200" is not valid here: expected a number.']})
    assert _hostnames(api, "hostname=h0%00") == []
    nul = api.get("/api/data-center-assets/?hostname__startswith=h%00")
    assert (nul.status_code, nul.json) == (400, {"hostname__startswith": ["Null characters are not allowed."]})


def test_filter_sizes_are_bounded(api):
    many = api.get("/api/data-center-assets/?" + "&".join(f"customfield__a{n}=x" for n in range(101)))
    assert (many.status_code, many.json) == (400, {"detail": "Too many filter values: at most 100."})
    tags = api.get("/api/data-center-assets/?" + "&".join(f"tag=t{n}" for n in range(101)))
    assert (tags.status_code, tags.json) == (400, {"detail": "Too many filter values: at most 100."})
    assert api.get("/api/data-center-assets/?" + "&".join(f"tag=t{n}" for n in range(100))).status_code == 200
    listed = api.get("/api/data-center-assets/?position__in=" + ",".join(map(str, range(1001))))
    assert (listed.status_code, listed.json) == (400, {"position__in": ["At most 1000 values are allowed."]})
    assert api.get("/api/data-center-assets/?position__in=" + ",".join(map(str, range(1000)))).status_code == 200


def test_regex_lookups_are_re2(api, rt):
    builder = Builder(api)
    for name in ("aaa", "aab", "AAA"):
        api.create("data-center-assets", builder.body(CATALOG["data-center-assets"]) | {"hostname": name})
    assert _hostnames(api, "hostname__regex=^(a%2B)%2B$") == ["aaa"]
    assert _hostnames(api, "hostname__iregex=^(a%2B)%2B$") == ["AAA", "aaa"]
    pg_only = api.get("/api/data-center-assets/?hostname__regex=(%3FP<n>a)")  # RE2 syntax PostgreSQL lacks
    if rt.settings.is_postgres:
        assert pg_only.status_code == 400
        assert pg_only.json["detail"].startswith("Invalid regular expression for PostgreSQL: ")
    else:
        assert _hostnames(api, "hostname__regex=^(%3FP<n>a)a") == ["aaa", "aab"]
    for pattern in ("(a)%5C1", "a(%3F=b)", "x" * 1001):
        result = api.get(f"/api/data-center-assets/?hostname__regex={pattern}")
        assert result.status_code == 400
        assert list(result.json) == ["hostname__regex"]
        assert "RE2 syntax" in result.json["hostname__regex"][0]


def _app(rt, **changes) -> tuple[Api, Runtime]:
    """A client of an app whose settings differ by ``changes`` (same stores)."""
    other = Runtime(dataclasses.replace(rt.settings, **changes))
    pk = make_user(rt, "other", is_staff=True, is_superuser=True)
    return Api(TestClient(create_app(other)), api_token(SECRET, pk)), other


def test_limit_is_capped_with_correct_links(api, rt):
    for n in range(3):
        api.create("manufacturers", {"name": f"m{n}"})
    capped, other = _app(rt, max_limit=2)
    try:
        page = capped.get("/api/manufacturers/", {"limit": str(10**30)}).json
        assert [r["name"] for r in page["results"]] == ["m0", "m1"]
        assert page["next"] == "http://falconframework.org/api/manufacturers/?limit=2&offset=2"
        page = capped.get("/api/manufacturers/", {"limit": "2", "offset": str(10**30)}).json
        assert (page["count"], page["results"], page["next"]) == (3, [], None)
    finally:
        other.close()
    assert len(api.get("/api/manufacturers/", {"limit": "1000000"}).json["results"]) == 3


def test_bodies_are_bounded_and_must_be_objects(api, rt, client):
    expected = {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    for path in ("/api/manufacturers/", "/api-token-auth/"):
        result = client.simulate_post(path, json=[1], headers=api.headers)
        assert (result.status_code, result.json) == (400, expected)
    head = rt.projector.head()
    for raw in (b"[" * 10000 + b"]" * 10000, b'{"a":' * 40 + b"1" + b"}" * 40, b"\xff\xfe", b'{"name": NaN}',
                b'{"name": 1e999}'):
        result = api.request("POST", "/api/manufacturers/", body=raw, headers={"Content-Type": "application/json"})
        assert result.status_code == 400
        assert result.json["detail"].startswith("JSON parse error - ")
    small, other = _app(rt, max_body_bytes=100)
    try:
        result = small.request("POST", "/api/manufacturers/", body=b'{"name": "' + b"x" * 100 + b'"}',
                               headers={"Content-Type": "application/json"})
        assert (result.status_code, result.json) == (413, {"detail": "Request body exceeds the limit of 100 bytes."})
    finally:
        other.close()
    assert rt.projector.head() == head + 2  # only the user "other" (a record and its username claim)


def test_an_unexpected_error_is_a_json_500_with_a_logged_request_id(api, rt, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(rt.reads, "page", broken)
    with caplog.at_level(logging.ERROR, logger="ralph_es.api"):
        result = api.get("/api/manufacturers/")
    assert result.status_code == 500
    request_id = result.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert result.json == {"detail": "A server error occurred.", "request_id": request_id}
    [record] = [r for r in caplog.records if request_id in r.getMessage()]
    assert "disk on fire" in str(record.exc_info[1])


def test_base_objects_filter_by_tag_and_custom_field(api):
    builder = Builder(api)
    asset = api.create("data-center-assets", builder.body(CATALOG["data-center-assets"]) | {"tags": ["red"]})
    server = builder.create(CATALOG["virtual-servers"], full=True)
    assert [r["id"] for r in api.get("/api/base-objects/?tag=red").json["results"]] == [asset["id"]]
    assert api.get("/api/base-objects/?tag=red&tag=blue").json["count"] == 0
    field = api.create("custom-fields", {"name": "owner", "type": "string", "choices": []})
    api.create(f"virtual-servers/{server['id']}/customfields", {"custom_field": field["id"], "value": "ops"})
    found = api.get("/api/base-objects/?customfield__owner=ops")
    assert [r["id"] for r in found.json["results"]] == [server["id"]]
    assert "X-Ignored-Filters" not in found.headers


def test_no_base_object_filter_silently_matches_everything(api):
    """Every filter of a concrete type narrows /api/base-objects/ or is named as ignored."""
    builder = Builder(api)
    for res in BASE_OBJECT_TYPES:
        if "POST" in res.methods:
            builder.create(res, full=True)
    total = api.get("/api/base-objects/").json["count"]
    assert total >= 5
    names = {name for res in BASE_OBJECT_TYPES
             for name in (*res.filter_fields, *res.extended_filters, *res.additional_filters)}
    for name in sorted(names):
        result = api.get("/api/base-objects/", {name: "zz-matches-nothing"})
        assert result.status_code == 200, (name, result.text)
        ignored = result.headers.get("X-Ignored-Filters", "").split(",")
        assert result.json["count"] == 0 or name in ignored, name


def test_configuration_path_filter_on_base_objects(api):
    module = api.create("configuration-modules", {"name": "puppet"})
    klass = api.create("configuration-classes", {"class_name": "web", "module": module["id"]})
    builder = Builder(api)
    server = builder.create(CATALOG["virtual-servers"])
    api.patch(f"/api/virtual-servers/{server['id']}/", {"configuration_path": klass["id"]})
    builder.create(CATALOG["virtual-servers"])
    for query in (f"configuration_path={klass['path']}", "configuration_path__module__name=puppet"):
        assert [r["id"] for r in api.get(f"/api/base-objects/?{query}").json["results"]] == [server["id"]], query


# a stalled projector ------------------------------------------------------

def _fixed_column_value(original):
    """What a fixing release might do: leave a value no column holds out of the column."""
    def column_value(kind, value):
        if kind == "int" and isinstance(value, int) and abs(value) >= 2**63:
            return None
        return original(kind, value)
    return column_value


def _projections(backend, command: str) -> subprocess.CompletedProcess:
    """``ralph-es projections <command>`` in a process of its own."""
    return subprocess.run([sys.executable, "-m", "workers.cli", "projections", command],
                          env=service_env(backend), cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_an_event_the_projector_cannot_apply_stalls_it_visibly(api, rt, backend, caplog, monkeypatch, request):
    caplog.set_level(logging.INFO, logger="ralph_es.projector")
    worker_log = None if backend.embedded else request.getfixturevalue("pg_worker").log_path
    seen = 0 if worker_log is None else len(worker_log.read_text().splitlines())  # earlier tests' lines
    api.create("manufacturers", {"name": "before"})
    poison = forge_poison(rt)
    for name in ("after", "later"):
        result = api.post("/api/manufacturers/", {"name": name})
        assert result.status_code == 201  # stored, so never a 5xx
        assert result.headers["X-Read-Model-Behind"] == result.headers["X-Event-Position"]
    assert rt.projector.position() == poison - 1  # consistent just before the event
    assert [r["name"] for r in api.get("/api/manufacturers/").json["results"]] == ["before"]  # frozen
    failure = rt.projector.failure()
    assert failure["position"] == poison
    assert failure["event"].startswith("ralph-es:Record.Created #1 of ")
    assert ("OverflowError" in failure["error"]) if backend.embedded else ("out of range" in failure["error"])
    status = _projections(backend, "status")
    assert status.returncode == 1
    assert f"STALLED at event {poison} " in status.stdout
    assert failure["error"] in status.stdout
    rebuilt = _projections(backend, "rebuild")  # replays up to the event, and says where it stopped
    assert rebuilt.returncode == 1
    assert f"STALLED at event {poison} " in rebuilt.stdout
    assert rt.projector.position() == poison - 1
    assert [r["name"] for r in api.get("/api/manufacturers/").json["results"]] == ["before"]
    if backend.embedded:
        logged = [r for r in caplog.records if r.levelno == logging.ERROR and "stalled" in r.getMessage()]
    else:
        logged = [line for line in worker_log.read_text().splitlines()[seen:] if f"stalled at event {poison} " in line]
    assert len(logged) == 1

    monkeypatch.setattr(projector_module, "_column_value", _fixed_column_value(projector_module._column_value))
    released = Runtime(backend)  # the fixed release starts
    try:
        assert released.projector.catch_up() == released.projector.head()
        assert released.projector.failure() is None
    finally:
        released.close()
    assert any("resumed" in r.getMessage() for r in caplog.records)
    assert _projections(backend, "status").returncode == 0
    result = api.post("/api/manufacturers/", {"name": "fixed"})
    assert "X-Read-Model-Behind" not in result.headers
    assert [r["name"] for r in api.get("/api/manufacturers/").json["results"]] == ["after", "before", "fixed",
                                                                                  "later"]
    [model] = api.get("/api/assetmodels/").json["results"]
    assert (model["name"], model["power_consumption"]) == ("poison", 10**30)
