"""Formats as Ralph negotiates them: JSON, XML (djangorestframework-xml) and the HTML preview, ``?format=``, the
preview's browser session with its CSRF token, and escaping; both backends (issue 13)."""

from __future__ import annotations

import re

from conftest import SECRET, Api, make_user

from api.auth import csrf_token
from commands.passwords import api_token

EMPTY_XML = ('<?xml version="1.0" encoding="utf-8"?>\n'
             "<root><count>0</count><next></next><previous></previous><results></results></root>")  # Ralph, observed
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _format(answer) -> str:
    return answer.headers["content-type"].split(";")[0]


def test_xml_answers_as_ralph_does(api):
    empty = api.get("/api/manufacturers/", headers={"Accept": "application/xml"})
    assert (empty.status_code, empty.text, empty.headers["content-type"]) == (
        200, EMPTY_XML, "application/xml; charset=utf-8")
    pk = api.create("manufacturers", {"name": "A & <B>"})["id"]
    detail = api.get(f"/api/manufacturers/{pk}/", params={"format": "xml"})
    assert re.fullmatch(
        r'<\?xml version="1.0" encoding="utf-8"\?>\n<root><id>\d+</id><url>http://[^<]+/api/manufacturers/\d+/</url>'
        r"<ui_url>[^<]+</ui_url><name>A &amp; &lt;B&gt;</name><created>[^<]+</created><modified>[^<]+</modified>"
        r"<manufacturer_kind></manufacturer_kind></root>", detail.text), detail.text
    missing = api.get("/api/manufacturers/999999/", headers={"Accept": "application/xml"})
    assert (missing.status_code, missing.text) == (
        404, '<?xml version="1.0" encoding="utf-8"?>\n<root><detail>Not found.</detail></root>')


def test_xml_bodies_are_parsed(api):
    xml = {"Content-Type": "application/xml"}
    body = ('<?xml version="1.0"?><root><name>Lab</name><show_on_dashboard>false</show_on_dashboard>'
            "<latitude>52.5</latitude><type>depot</type><city></city></root>")
    created = api.post("/api/data-centers/", headers=xml, body=body)
    assert created.status_code == 201, created.text
    assert {k: created.json[k] for k in ("name", "show_on_dashboard", "latitude", "type", "city")} == {
        "name": "Lab", "show_on_dashboard": False, "latitude": 52.5, "type": "depot", "city": None}
    entity = '<!DOCTYPE r [<!ENTITY e "x">]><root><name>&e;</name></root>'
    refused = api.post("/api/data-centers/", headers=xml, body=entity)
    assert refused.status_code == 400 and refused.json["detail"].startswith("XML parse error - EntitiesForbidden")
    broken = api.post("/api/data-centers/", headers=xml, body="<root><name>x</root>")
    assert broken.status_code == 400 and broken.json["detail"].startswith("XML parse error - mismatched tag")
    deep = api.post("/api/data-centers/", headers=xml, body="<root>" + "<a>" * 40 + "x" + "</a>" * 40 + "</root>")
    assert deep.json == {"detail": "XML parse error - nested deeper than 32 levels"}


def test_negotiation_follows_drf(api):
    def chosen(accept=None, **params):
        headers = {"Accept": accept} if accept is not None else {}
        return _format(api.get("/api/manufacturers/", headers=headers, params=params or None))

    assert chosen() == chosen("*/*") == chosen("application/*") == "application/json"
    assert chosen(BROWSER) == chosen("text/*") == chosen("text/html") == "text/html"
    assert chosen("application/xml") == chosen("text/html", format="xml") == "application/xml"
    assert chosen("application/json;q=0.1, text/html") == "application/json"  # DRF ignores q, renderer order wins
    assert chosen("text/html, application/json; version=v1") == "application/json"  # parameters: more specific
    assert chosen(format="api") == "text/html" and chosen("text/html", format="json") == "application/json"
    unknown = api.get("/api/manufacturers/", params={"format": "yaml"})
    assert (unknown.status_code, unknown.json) == (404, {"detail": "Not found."})
    v2 = api.get("/api/manufacturers/", headers={"Accept": "application/xml; version=v2"})
    assert (v2.status_code, v2.json) == (406, {"detail": 'Invalid version in "Accept" header.'})
    assert api.get("/api/manufacturers/").headers["vary"] == "Accept"


def test_the_preview_escapes_what_it_shows(api):
    pk = api.create("manufacturers", {"name": "<script>alert(1)</script>"})["id"]
    page = api.get(f"/api/manufacturers/{pk}/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and _format(page) == "text/html"
    assert "<script>alert" not in page.text
    assert "&#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;" in page.text
    nonce = re.search(r"script-src 'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert scripts == [' type="application/json" id="preview-data"', f' nonce="{nonce}"']
    assert re.search(rf'<a href="http://[^"]+/api/manufacturers/{pk}/" rel="nofollow">', page.text)
    assert api.get(f"/api/manufacturers/{pk}/", params={"format": "api"}).headers["etag"].endswith('-api"')


def test_the_preview_shows_filters_pages_and_the_forms_the_user_may_use(rt, api, client):
    for name in ("A", "B", "C"):
        api.create("manufacturers", {"name": name})
    pk = make_user(rt, "viewer", "pw", ("view_manufacturer", "change_manufacturer"), is_staff=True)
    viewer = Api(client, api_token(SECRET, pk))
    listed = viewer.get("/api/manufacturers/", params={"limit": 1, "offset": 1, "format": "api"})
    assert re.findall(r'<a id="(previous|next)" href="([^"]+)"', listed.text) == [
        ("previous", "http://falconframework.org/api/manufacturers/?format=api&amp;limit=1"),
        ("next", "http://falconframework.org/api/manufacturers/?format=api&amp;limit=1&amp;offset=2")]
    assert "x-ignored-filters" not in listed.headers  # format is not a filter
    assert re.findall(r"<option>([^<]+)</option>", listed.text) == ["manufacturer_kind", "name"]  # its filters
    assert 'id="form-post"' not in listed.text  # no add permission
    first = api.get("/api/manufacturers/").json["results"][0]["id"]
    detail = viewer.get(f"/api/manufacturers/{first}/", params={"format": "api"})
    assert re.findall(r'<form class="write" data-method="(\w+)"', detail.text) == ["PUT", "PATCH"]
    assert 'id="form-post"' in api.get("/api/manufacturers/", params={"format": "api"}).text


def test_a_browser_session_logs_in_writes_with_its_csrf_token_and_logs_out(rt, api, client):
    make_user(rt, "sam", "pw", ("view_manufacturer", "add_manufacturer"), is_staff=True)
    make_user(rt, "nostaff", "pw")
    anonymous = client.simulate_get("/api/manufacturers/", headers={"Accept": BROWSER})
    assert anonymous.status_code == 401 and 'action="/api-auth/login/"' in anonymous.text
    form = client.simulate_get("/api-auth/login/", params={"next": "/api/manufacturers/"})
    assert form.status_code == 200 and 'name="next" value="/api/manufacturers/"' in form.text
    for user, password in (("sam", "wrong"), ("nostaff", "pw"), ("", "")):
        refused = client.simulate_post("/api-auth/login/", headers=FORM, body=f"username={user}&password={password}")
        assert refused.status_code == 200 and "Please enter the correct username and password" in refused.text
        assert "set-cookie" not in refused.headers
    login = client.simulate_post("/api-auth/login/", headers=FORM,
                                 body="username=sam&password=pw&next=/api/manufacturers/")
    assert (login.status_code, login.headers["location"]) == (303, "/api/manufacturers/")
    cookie = login.cookies["ralph_es_session"]
    assert (cookie.http_only, cookie.same_site, cookie.path) == (True, "Strict", "/")
    session = {"ralph_es_session": cookie.value}
    assert client.simulate_get("/api/manufacturers/", cookies=session).status_code == 200
    forged = client.simulate_post("/api/manufacturers/", json={"name": "X"}, cookies=session)
    assert (forged.status_code, forged.json) == (403, {"detail": "CSRF Failed: CSRF token missing or incorrect."})
    token = {"X-CSRFToken": csrf_token(SECRET, cookie.value)}
    assert client.simulate_post("/api/manufacturers/", json={"name": "X"}, cookies=session,
                                headers=token).status_code == 201
    page = client.simulate_get("/api/manufacturers/", cookies=session, headers={"Accept": "text/html"})
    assert f'"csrf": "{token["X-CSRFToken"]}"' in page.text
    away = client.simulate_post("/api-auth/login/", headers=FORM, body="username=sam&password=pw&next=//evil.example/")
    assert away.headers["location"] == "/api/"  # only this site's paths
    pk = rt.commands.find("users", "username", "sam")
    assert api.post(f"/api/users/{pk}/rotate-token/").status_code == 204
    assert client.simulate_get("/api/manufacturers/", cookies=session).status_code == 401  # revoked with the key
    logout = client.simulate_get("/api-auth/logout/", cookies=session)
    assert logout.status_code == 303 and logout.cookies["ralph_es_session"].value == ""


def test_xml_stays_well_formed_where_ralphs_breaks():
    from api.xml import render_xml

    rendered = render_xml({"custom_fields": {"rack size": "1\x00U", "2nd": "x"}, "ok": True})
    assert rendered.decode() == ('<?xml version="1.0" encoding="utf-8"?>\n<root><custom_fields><rack_size>1\ufffdU'
                                 "</rack_size><_2nd>x</_2nd></custom_fields><ok>True</ok></root>")
