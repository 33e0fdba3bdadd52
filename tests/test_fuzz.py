"""Fuzz every route and method: never a 5xx, answers well-formed in the format asked for (JSON, XML or the HTML
preview), rejected writes leave the store unchanged.

(A redirect to the URL with a final slash has no body, as Django's APPEND_SLASH.)

``RALPH_ES_FUZZ_EXAMPLES`` sets the number of requests per backend (``bench/fuzz.py`` runs a long one).
"""

from __future__ import annotations

import json
import os

import defusedxml.ElementTree as SafeTree
import pytest

from fuzzing import requests
from hypothesis import HealthCheck, given, settings
from payloads import Builder

from commands.catalog import CATALOG, RESOURCES

EXAMPLES = int(os.environ.get("RALPH_ES_FUZZ_EXAMPLES", "600"))
#: A long run (bench/fuzz.py) explores new examples each time; the suite replays the same ones.
RANDOM = os.environ.get("RALPH_ES_FUZZ_RANDOM") == "1"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.mark.slow
def test_hostile_requests_never_hurt(api, rt):
    builder = Builder(api)
    seeded = builder.create(CATALOG["data-center-assets"], full=True)
    bodies = {res.name: builder.body(res) for res in RESOURCES if "POST" in res.methods and not res.internal}
    ids = sorted({seeded["id"], *builder.made.values()})

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
              suppress_health_check=list(HealthCheck))
    @given(req=requests(ids, bodies))
    def one(req):
        head = rt.projector.head()
        headers = {"Content-Type": req["content_type"]} if req["content_type"] else {}
        headers |= {"Accept": req["accept"]} if req["accept"] else {}
        result = api.request(req["method"], req["path"], params=req["params"], body=req["body"], headers=headers)
        assert result.status_code < 500, (req, result.status_code, result.text)
        if req["method"] != "HEAD" and result.status_code != 204 and not 300 <= result.status_code < 400:
            _well_formed(req, result)
        if result.status_code >= 400 and req["method"] in WRITES:
            assert rt.projector.head() == head, req
        assert "X-Read-Model-Behind" not in result.headers, req

    one()
    assert rt.projector.failure() is None
    written = api.create("manufacturers", {"name": "after the storm"})
    assert api.get(f"/api/manufacturers/{written['id']}/").json["name"] == "after the storm"


def _well_formed(req: dict, result) -> None:
    """The answer parses in the format asked for (406s and other errors of negotiation are JSON)."""
    media = result.headers["Content-Type"].split(";")[0]
    if media == "application/xml":
        assert req["accept"] == "application/xml" or req["params"].get("format") == "xml", req
        SafeTree.fromstring(result.content)
    elif media == "text/html":
        assert result.text.startswith("<!DOCTYPE html>") and result.text.count("<script") == 2, (req, result.text)
    else:
        assert media == "application/json", (req, result.headers)
        json.loads(result.text)


#: One hostile value of each kind, sent in place of every writable field.
HOSTILE = (10**30, "x" * 5000, "a\x00b", None, [[1]], {"a": {}})


@pytest.mark.slow
def test_every_field_of_every_resource_refuses_hostile_values(api, rt):
    """A valid body with one field replaced, POSTed and PATCHed: a 4xx naming that field, or a stored write."""
    builder = Builder(api)
    for res in RESOURCES:
        if "POST" not in res.methods or res.internal:
            continue
        body = builder.body(res)
        created = api.post(f"/api/{res.name}/", body)
        assert created.status_code == 201, (res.name, created.text)
        paths = (("POST", f"/api/{res.name}/"), ("PATCH", f"/api/{res.name}/{created.json['id']}/"))
        for f in res.writable_fields:
            for n, value in enumerate(HOSTILE):
                method, path = paths[n % 2]  # each value once per field, creates and updates alternating
                head = rt.projector.head()
                result = api.request(method, path, json=body | {f.name: value})
                assert result.status_code < 500, (res.name, f.name, value, result.text)
                assert "X-Read-Model-Behind" not in result.headers, (res.name, f.name, value)
                if result.status_code >= 400:
                    assert rt.projector.head() == head, (res.name, f.name, value)
                    assert result.json, (res.name, f.name, value)
    assert rt.projector.failure() is None
