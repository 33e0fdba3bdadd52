"""ETags from the stream version, If-Match on writes, If-None-Match on reads (issue 12); both backends."""

from __future__ import annotations

import re
import threading

from payloads import Builder

from commands.catalog import CATALOG


def test_a_detail_sends_its_etag_and_answers_304_when_unchanged(api):
    pk = api.create("manufacturers", {"name": "Dell"})["id"]
    first = api.get(f"/api/manufacturers/{pk}/").headers["etag"]
    assert re.fullmatch(r'"1-[0-9a-f]{12}"', first)
    unchanged = api.get(f"/api/manufacturers/{pk}/", headers={"If-None-Match": first})
    assert (unchanged.status_code, unchanged.text, unchanged.headers["etag"]) == (304, "", first)
    assert api.get(f"/api/manufacturers/{pk}/", headers={"If-None-Match": f"W/{first}"}).status_code == 304
    assert api.get(f"/api/manufacturers/{pk}/", headers={"If-None-Match": "*"}).status_code == 304
    patched = api.patch(f"/api/manufacturers/{pk}/", {"name": "Dell Inc."})
    second = api.get(f"/api/manufacturers/{pk}/").headers["etag"]
    assert patched.headers["etag"] == second and second.startswith('"2-')
    assert api.get(f"/api/manufacturers/{pk}/", headers={"If-None-Match": first}).status_code == 200
    assert api.get(f"/api/manufacturers/{pk}/", headers={"If-None-Match": f'{first}, {second}'}).status_code == 304


def test_a_nested_change_changes_the_etag(api):
    maker = api.create("manufacturers", {"name": "Dell"})["id"]
    model = api.create("assetmodels", {"name": "R640", "type": "data center", "manufacturer": maker})["id"]
    before = api.get(f"/api/assetmodels/{model}/").headers["etag"]
    api.patch(f"/api/manufacturers/{maker}/", {"name": "Dell Inc."})
    after = api.get(f"/api/assetmodels/{model}/", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.json["manufacturer"]["name"] == "Dell Inc."
    assert after.headers["etag"] != before and after.headers["etag"].startswith('"1-')  # its own stream: still 1
    asset = Builder(api).create(CATALOG["data-center-assets"])["id"]
    api.patch(f"/api/data-center-assets/{asset}/", {"hostname": "h"})
    assert api.get(f"/api/base-objects/{asset}/").headers["etag"].startswith('"2-')  # polymorphic: the same stream


def test_a_write_on_a_stale_etag_is_412_and_applies_nothing(api):
    pk = api.create("manufacturers", {"name": "Dell"})["id"]
    tag = api.get(f"/api/manufacturers/{pk}/").headers["etag"]
    assert api.patch(f"/api/manufacturers/{pk}/", {"name": "A"}, headers={"If-Match": tag}).status_code == 200
    stale = api.patch(f"/api/manufacturers/{pk}/", {"name": "B"}, headers={"If-Match": tag})
    assert (stale.status_code, stale.json) == (412, {"detail": "The record has changed since: it is at version 2 now."})
    current = api.get(f"/api/manufacturers/{pk}/").headers["etag"]
    assert api.put(f"/api/manufacturers/{pk}/", {"name": "C"}, headers={"If-Match": f"W/{current}"}).status_code == 412
    for odd in ('"²"', '"99999999999999999999999"', "garbage"):
        assert api.patch(f"/api/manufacturers/{pk}/", {"name": "C"}, headers={"If-Match": odd}).status_code == 412
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
