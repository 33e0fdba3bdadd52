"""Ralph's field-level permissions (PermByFieldMixin; spec API.md §8.3): fields shown only with their view or
change permission (also where nested), written only with the change permission; both backends (issue 13)."""

from __future__ import annotations

from conftest import SECRET, Api, make_user
from payloads import Builder

from commands.catalog import CATALOG
from commands.passwords import api_token

READ_ONLY = ["You cannot update readonly field."]
#: What Ralph's data-center asset serializer always shows: the fields that are not the model's own
#: (src/ralph/lib/permissions/api.py PermissionsPerFieldSerializerMixin.get_field_names keeps declared fields,
#: reverse relations and the primary key), in its key order.
ALWAYS = ["id", "url", "business_owners", "technical_owners", "ethernet", "ipaddresses", "disk", "memory",
          "processors", "object_type", "custom_fields", "configuration_variables", "__str__", "tags", "licences",
          "ui_url", "scmstatuscheck", "securityscan", "related_hosts", "created", "modified"]


def _asset(api) -> dict:
    return Builder(api).create(CATALOG["data-center-assets"], full=True)


def _user(rt, client, *codenames) -> Api:
    pk = make_user(rt, "fields", "pw", ("view_datacenterasset", "change_datacenterasset", *codenames),
                   all_fields=False, is_staff=True)
    return Api(client, api_token(SECRET, pk))


def test_only_fields_the_user_may_view_are_shown(rt, api, client):
    asset = _asset(api)
    user = _user(rt, client, "view_datacenterasset_hostname_field", "change_datacenterasset_sn_field",
                 "view_assetmodel", "view_assetmodel_name_field")
    detail = user.get(f"/api/data-center-assets/{asset['id']}/")
    assert detail.status_code == 200
    assert list(detail.json) == ALWAYS + ["hostname", "sn"]  # a change permission lets the field be seen too
    assert detail.json["hostname"] == asset["hostname"] and detail.json["sn"] == asset["sn"]
    listed = user.get("/api/data-center-assets/").json["results"]
    assert [list(r) for r in listed] == [ALWAYS + ["hostname", "sn"]]
    assert detail.headers["etag"] != api.get(f"/api/data-center-assets/{asset['id']}/").headers["etag"]
    assert "remarks" in api.get(f"/api/data-center-assets/{asset['id']}/").json  # superusers see every field


def test_nested_objects_follow_their_own_models_field_permissions(rt, api, client):
    asset = _asset(api)
    user = _user(rt, client, "view_datacenterasset_model_field", "view_assetmodel_name_field")
    model = user.get(f"/api/data-center-assets/{asset['id']}/").json["model"]
    full = api.get(f"/api/data-center-assets/{asset['id']}/").json["model"]
    assert model == {k: v for k, v in full.items() if k in ("id", "url", "ui_url", "name", "created", "modified")}
    assert "manufacturer" in full and "manufacturer" not in model


def test_writes_need_the_fields_change_permission(rt, api, client):
    asset = _asset(api)
    user = _user(rt, client, "view_datacenterasset_hostname_field", "change_datacenterasset_sn_field")
    path = f"/api/data-center-assets/{asset['id']}/"
    history = api.get(f"{path}history/").json["count"]
    ok = user.patch(path, {"sn": "SN-NEW"})
    assert ok.status_code == 200 and ok.json["sn"] == "SN-NEW" and "remarks" not in ok.json
    for body in ({"hostname": "h"}, {"remarks": "r"}, {"sn": "SN-2", "remarks": "r", "hostname": "h"}):
        refused = user.patch(path, body)
        assert refused.status_code == 400
        assert refused.json == {k: READ_ONLY for k in body if k != "sn"}
    assert api.get(f"{path}history/").json["count"] == history + 1  # only the allowed PATCH was stored
    assert api.get(path).json["sn"] == "SN-NEW"


def test_histories_and_the_feed_leave_out_hidden_fields(rt, api, client):
    asset = _asset(api)
    path = f"/api/data-center-assets/{asset['id']}/"
    assert api.patch(path, {"remarks": "secret remark", "sn": "SN-9"}).status_code == 200
    user = _user(rt, client, "change_datacenterasset_sn_field")
    last = user.get(f"{path}history/", params={"ordering": "-position", "limit": 1}).json["results"][0]
    assert last["changes"] == {"sn": {"old": asset["sn"], "new": "SN-9"}}
    feed = user.get("/api/events/", params={"resource": "data-center-assets", "id": asset["id"]}).json["results"]
    assert [(e["kind"], sorted(e["changes"])) for e in feed] == [("created", ["sn", "tags"]), ("changed", ["sn"])]
    assert "remarks" in api.get(f"{path}history/", params={"ordering": "-position"}).json["results"][0]["changes"]


def test_groups_take_field_permissions_and_other_models_are_unaffected(rt, api, client):
    group = api.post("/api/groups/", {"name": "g", "permissions": [
        "data_center.view_datacenterasset_sn_field", "change_assetmodel_name_field"]})
    assert group.status_code == 201
    assert api.get(f"/api/groups/{group.json['id']}/").json["permissions"] == [
        "change_assetmodel_name_field", "view_datacenterasset_sn_field"]
    unknown = api.post("/api/groups/", {"name": "h", "permissions": ["view_manufacturer_name_field"]})
    assert unknown.json == {"permissions": ["Object with codename=view_manufacturer_name_field does not exist."]}
    pk = api.create("manufacturers", {"name": "Dell"})["id"]
    viewer = Api(client, api_token(SECRET, make_user(rt, "m", "pw", ("view_manufacturer",), all_fields=False,
                                                     is_staff=True)))
    assert viewer.get(f"/api/manufacturers/{pk}/").json["name"] == "Dell"  # manufacturers have no field permissions


def test_the_preview_offers_only_fields_the_user_may_change(rt, api, client):
    asset = _asset(api)
    user = _user(rt, client, "view_datacenterasset_hostname_field", "change_datacenterasset_sn_field")
    page = user.get(f"/api/data-center-assets/{asset['id']}/", params={"format": "api"}).text
    assert 'id="PATCH-sn"' in page and 'id="PATCH-hostname"' not in page and 'id="PATCH-remarks"' not in page
