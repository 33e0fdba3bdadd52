"""ETags from the stream version, If-Match on writes, If-None-Match on reads (issue 12); both backends."""

from __future__ import annotations

import threading

from payloads import Builder

from commands.catalog import CATALOG


def test_a_detail_sends_its_version_and_answers_304_when_unchanged(api):
    pk = api.create("manufacturers", {"name": "Dell"})["id"]
    shown = api.get(f"/api/manufacturers/{pk}/")
    assert shown.headers["etag"] == '"1"'
    unchanged = api.get(f"/api/manufacturers/{pk}/", headers={"If-None-Match": '"1"'})
    assert (unchanged.status_code, unchanged.text, unchanged.headers["etag"]) == (304, "", '"1"')
    assert api.get(f"/api/manufacturers/{pk}/", headers={"If-None-Match": 'W/"1"'}).status_code == 200
    patched = api.patch(f"/api/manufacturers/{pk}/", {"name": "Dell Inc."})
    assert patched.headers["etag"] == '"2"'
    assert api.get(f"/api/manufacturers/{pk}/", headers={"If-None-Match": '"1"'}).status_code == 200
    assert api.get(f"/api/manufacturers/{pk}/", headers={"If-None-Match": '"1", "2"'}).status_code == 304
    asset = Builder(api).create(CATALOG["data-center-assets"])["id"]
    api.patch(f"/api/data-center-assets/{asset}/", {"hostname": "h"})
    assert api.get(f"/api/base-objects/{asset}/").headers["etag"] == '"2"'  # the same stream, polymorphic


def test_a_write_on_a_stale_etag_is_412_and_applies_nothing(api):
    pk = api.create("manufacturers", {"name": "Dell"})["id"]
    assert api.patch(f"/api/manufacturers/{pk}/", {"name": "A"}, headers={"If-Match": '"1"'}).status_code == 200
    stale = api.patch(f"/api/manufacturers/{pk}/", {"name": "B"}, headers={"If-Match": '"1"'})
    assert (stale.status_code, stale.json, stale.headers["etag"]) == (
        412, {"detail": 'The record has changed since: its ETag is now "2".'}, '"2"')
    assert api.put(f"/api/manufacturers/{pk}/", {"name": "C"}, headers={"If-Match": 'W/"2"'}).status_code == 412
    assert api.delete(f"/api/manufacturers/{pk}/", headers={"If-Match": '"7"'}).status_code == 412
    assert api.get(f"/api/manufacturers/{pk}/").json["name"] == "A"
    assert api.get(f"/api/manufacturers/{pk}/history/").json["count"] == 2  # nothing stored by the refused ones
    assert api.patch(f"/api/manufacturers/{pk}/", {"name": "D"}, headers={"If-Match": "*"}).status_code == 200
    assert api.delete(f"/api/manufacturers/{pk}/", headers={"If-Match": '"3"'}).status_code == 204


def test_two_patches_on_the_same_etag_one_wins(api):
    for round_ in range(10):
        pk = api.create("manufacturers", {"name": f"M{round_}"})["id"]
        barrier, results = threading.Barrier(2), [None, None]

        def patch(n):
            barrier.wait()
            results[n] = api.patch(f"/api/manufacturers/{pk}/", {"name": f"M{round_}-{n}"},
                                   headers={"If-Match": '"1"'})

        threads = [threading.Thread(target=patch, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(r.status_code for r in results) == [200, 412], [r.text for r in results]
        winner = next(r for r in results if r.status_code == 200)
        assert api.get(f"/api/manufacturers/{pk}/").json["name"] == winner.json["name"]
