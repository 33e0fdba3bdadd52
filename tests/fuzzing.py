"""Hypothesis strategies for hostile requests over every route the catalogue generates."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from commands.catalog import RESOURCES, Resource
from projections.filters import LOOKUPS

#: Writes weigh more: they reach validation, the store and the projector.
METHODS = ("GET", "GET", "HEAD", "POST", "POST", "POST", "PUT", "PUT", "PATCH", "PATCH", "DELETE", "OPTIONS")
BIG = (2**31, 2**63, 10**30, -(2**63) - 1, 10**400)
#: Values that break naive code: wrong types, out-of-range numbers, huge and hostile strings.
NASTY_SCALARS = st.one_of(
    st.sampled_from(BIG), st.sampled_from([str(n) for n in BIG]),
    st.sampled_from([None, True, False, 0, -1, 1.5, -0.0, 1e308, "", " ", "\x00", "a\x00b", "null", "NaN", "inf",
                     "-inf", "1e999", "0x10", "١٢", "💥" * 50, "x" * 5000, "9" * 1001, "(a+)+$", "%", "_", "\\",
                     "'; DROP TABLE read_users; --", "2024-02-30", "2024-01-02T25:00:00", "not a choice",
                     "front", "in use", "10.0.0.1", "::1", "AA:BB:CC:DD:EE:FF", "1,2", "a,b,c"]),
    st.sampled_from(BIG), st.sampled_from([str(n) for n in BIG]),
    st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
)
NASTY = st.recursive(NASTY_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=8)
QUERY_VALUES = st.one_of(
    st.sampled_from(["", "\x00", "a\x00", "(a+)+$", "(a)\\1", "(?=x)", "[", "(?P<n>a)", "\\Qa.b\\E", "\\pL", "\\z",
                     "a(?i)b", "x" * 1001, "1,2", "1,", ",", "true",
                     "maybe", "2024-01-02", "2024-13-45", "-1", "0", "1e200", "NaN", "Infinity", "💥"]),
    st.sampled_from([str(n) for n in BIG]), st.sampled_from([str(-n) for n in BIG]), st.text(max_size=20),
)
RAW_BODIES = st.sampled_from([
    b"[" * 5000 + b"]" * 5000, b'{"a":' * 100 + b"1" + b"}" * 100, b"\xff\xfe\xfd", b'{"name": NaN}',
    b'{"name": 1e999}', b"{", b"[1, 2]", b'"text"', b"42", b"null", b"true", b'{"name": "\\ud800"}',
    b"--xyz\r\nContent-Disposition: form-data\r\n\r\n", b"a=1&a=2&%zz=%", b"<xml/>",
])
CONTENT_TYPES = st.sampled_from(["application/json", "application/x-www-form-urlencoded", "multipart/form-data",
                                 "multipart/form-data; boundary=xyz", "text/plain", "application/xml", ""])
ROUTED = [r for r in RESOURCES if not r.internal]


def _filter_names(res: Resource) -> list[str]:
    names = [*res.filter_fields, *res.extended_filters, *res.additional_filters, "tag", "ordering",
             "customfield__x", "unknown"]
    lookups = sorted(set().union(*LOOKUPS.values()))
    return names + [f"{name}__{lookup}" for name in names[:6] for lookup in lookups]


@st.composite
def requests(draw, ids: list[int], bodies: dict[str, dict]) -> dict:
    """One request: method, path, query parameters, body and content type.

    ``bodies`` holds a valid body per resource; most requests send one with a
    few values replaced by hostile ones, so that validation is passed
    everywhere but in one place.
    """
    res = draw(st.sampled_from(ROUTED))
    method = draw(st.sampled_from(METHODS))
    pk = draw(st.one_of(st.sampled_from(ids), st.sampled_from([0, -1, 2**63 - 1, 2**63, 10**30]),
                        st.sampled_from(["abc", "1.5", "%00", "1e3", " 1"])))
    prefix = draw(st.sampled_from((res.name, *res.aliases)))
    path = draw(st.sampled_from([f"/api/{prefix}/"] * 3 + [f"/api/{prefix}/{pk}/"] * 4 + [
        f"/api/{prefix}/{pk}/customfields/", f"/api/{prefix}/{pk}/customfields/{pk}/", f"/api/{prefix}"]))
    params = draw(st.dictionaries(st.sampled_from(_filter_names(res) + ["limit", "offset"]), QUERY_VALUES,
                                  max_size=3))
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "fields", "value", "raw"]))
    if kind in ("mutated", "fields"):
        names = [f.name for f in (res.writable_fields if kind == "mutated" else res.fields)] + ["unknown"]
        changes = draw(st.dictionaries(st.sampled_from(names), NASTY, max_size=2 if kind == "mutated" else 6))
        base = bodies.get(res.name, {}) if kind == "mutated" else {}
        body = json.dumps(base | changes, allow_nan=False)
        content_type = draw(st.sampled_from(["application/json", "application/json; charset=utf-8"]))
        data = body.encode("utf-8", "surrogatepass")
    elif kind == "value":
        data = json.dumps(draw(NASTY), allow_nan=False).encode("utf-8", "surrogatepass")
        content_type = draw(CONTENT_TYPES)
    else:
        data, content_type = draw(RAW_BODIES), draw(CONTENT_TYPES)
    accept = draw(st.sampled_from([None] * 4 + ["application/xml", "text/html"]))
    return {"method": method, "path": path, "params": params, "body": data, "content_type": content_type,
            "accept": accept}
