"""Text lookups of three characters or more (served by trigram indexes on both backends) and prefixes (by the
column's btree), with exact result sets; on SQLite both ways a trigram lookup can go give the same rows."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from projections import filters as filters_module
from projections.filters import _successor
from projections.generations import rebuild

HOSTS = ["Srv-Alpha-001.dc1", "srv-alpha-002.DC1", "db-ALPHA.dc2", "db-beta.dc2", "web-gamma"]


@pytest.fixture
def named(api, dc):
    """Assets with the hostnames ``HOSTS``: {hostname: id}."""
    return {host: api.create("data-center-assets", {**dc, "hostname": host, "sn": f"SN-{i}", "barcode": f"BC-{i}"})["id"]
            for i, host in enumerate(HOSTS)}


def hosts(api, **params) -> list[str]:
    result = api.get("/api/data-center-assets/", params={"limit": "100", **params})
    assert result.status_code == 200, result.text
    assert result.json["count"] == len(result.json["results"])
    return sorted(item["hostname"] for item in result.json["results"])


LOOKUPS = [
    ({"hostname__icontains": "alpha"}, ["Srv-Alpha-001.dc1", "db-ALPHA.dc2", "srv-alpha-002.DC1"]),
    ({"hostname__icontains": "ALPHA-00"}, ["Srv-Alpha-001.dc1", "srv-alpha-002.DC1"]),
    ({"hostname__contains": "alpha"}, ["srv-alpha-002.DC1"]),
    ({"hostname__contains": "Alpha-001.dc1"}, ["Srv-Alpha-001.dc1"]),
    ({"hostname__contains": "ALPHA-00"}, []),
    ({"hostname__endswith": ".dc2"}, ["db-ALPHA.dc2", "db-beta.dc2"]),
    ({"hostname__iendswith": ".DC1"}, ["Srv-Alpha-001.dc1", "srv-alpha-002.DC1"]),
    ({"hostname__endswith": ".DC1"}, ["srv-alpha-002.DC1"]),
    ({"hostname__icontains": "a-0"}, ["Srv-Alpha-001.dc1", "srv-alpha-002.DC1"]),
    ({"hostname__icontains": "a_0"}, []),  # wildcards are literal
    ({"hostname__icontains": "%.dc"}, []),
    ({"hostname__icontains": 'a"-0'}, []),  # a quote is a character, not the index's syntax
    ({"hostname__icontains": "gamma"}, ["web-gamma"]),
    ({"hostname__icontains": "zzz"}, []),
    ({"sn__icontains": "sn-"}, sorted(HOSTS)),
    ({"hostname__startswith": "srv-"}, ["srv-alpha-002.DC1"]),
    ({"hostname__startswith": "db-"}, ["db-ALPHA.dc2", "db-beta.dc2"]),
]


@pytest.mark.parametrize("candidates", [filters_module.CANDIDATES, 1], ids=["indexed", "scanned"])
def test_text_lookups(api, named, monkeypatch, candidates):
    monkeypatch.setattr(filters_module, "CANDIDATES", candidates)  # 1: every trigram lookup scans (SQLite)
    assert {str(params): hosts(api, **params) for params, _ in LOOKUPS} == {str(p): e for p, e in LOOKUPS}


def test_the_trigram_index_follows_changes(api, named):
    beta = named["db-beta.dc2"]
    assert api.patch(f"/api/data-center-assets/{beta}/", {"hostname": "db-omega.dc2"}).status_code == 200
    assert hosts(api, hostname__icontains="beta") == []
    assert hosts(api, hostname__icontains="OMEGA") == ["db-omega.dc2"]
    assert api.delete(f"/api/data-center-assets/{named['web-gamma']}/").status_code == 204
    assert hosts(api, hostname__icontains="gamma") == []
    assert hosts(api, hostname__icontains="alpha") == ["Srv-Alpha-001.dc1", "db-ALPHA.dc2", "srv-alpha-002.DC1"]


def test_a_rebuilt_read_model_keeps_its_trigram_index(rt, api, named):
    assert rt.dispatcher.wait_for(rt.projector.head())
    assert rebuild(rt.projector) == (rt.projector.head(), None)
    assert hosts(api, hostname__icontains="ALPHA") == ["Srv-Alpha-001.dc1", "db-ALPHA.dc2", "srv-alpha-002.DC1"]
    assert api.patch(f"/api/data-center-assets/{named['web-gamma']}/", {"hostname": "web-delta"}).status_code == 200
    assert hosts(api, hostname__icontains="delta") == ["web-delta"]
    assert hosts(api, hostname__icontains="gamma") == []


@pytest.fixture
def statements(rt):
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(rt.read_engine, "before_cursor_execute", record)
    yield seen
    event.remove(rt.read_engine, "before_cursor_execute", record)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # PostgreSQL's planner picks its index itself
def test_sqlite_asks_the_trigram_index_for_three_characters_or_more(api, named, statements):
    assert hosts(api, hostname__icontains="ph") == ["Srv-Alpha-001.dc1", "db-ALPHA.dc2", "srv-alpha-002.DC1"]
    assert not [s for s in statements if "read_data_center_assets_trigrams" in s]
    assert hosts(api, hostname__icontains="pha") == ["Srv-Alpha-001.dc1", "db-ALPHA.dc2", "srv-alpha-002.DC1"]
    asked = [s for s in statements if "read_data_center_assets_trigrams" in s]
    assert len(asked) == 3 and asked[0].startswith("SELECT count(*)")  # how many candidates; then count and page


MANUFACTURERS = ["ab", "abc", "abd", "ab\U0010ffff", "ab\U0010ffffz", "ac", "a\ud7ff1", "a\ue000", "b"]


def test_prefixes_at_the_end_of_the_code_points(api):
    for name in MANUFACTURERS:
        assert api.post("/api/manufacturers/", {"name": name}).status_code == 201

    def names(prefix):
        found = api.get("/api/manufacturers/", params={"name__startswith": prefix, "limit": "100"}).json["results"]
        return sorted(m["name"] for m in found)

    assert names("ab") == ["ab", "abc", "abd", "ab\U0010ffff", "ab\U0010ffffz"]
    assert names("ab\U0010ffff") == ["ab\U0010ffff", "ab\U0010ffffz"]
    assert names("a\ud7ff") == ["a\ud7ff1"]
    assert names("\U0010ffff") == []


def test_the_successor_of_a_prefix():
    assert _successor("ab") == "ac"
    assert _successor("a\U0010ffff") == "b"
    assert _successor("\U0010ffff\U0010ffff") is None
    assert _successor("a\ud7ff") == "a\ue000"
    assert _successor("") is None
