"""What Ralph's serializers nest (issue 14), each with the serializer it comes from.

DRF nests a relation by the serializer's remaining ``Meta.depth``: at depth 0 a nested
object's own relations are hyperlinks; a declared nested serializer keeps its own fields.
"""

from __future__ import annotations

from payloads import Builder

from commands.catalog import CATALOG

H = "http://falconframework.org"
#: A BaseObject nested at depth 0 (every relation a URL).
BASE_OBJECT_KEYS = ["id", "url", "tags", "created", "modified", "remarks", "parent", "service_env",
                    "configuration_path"]


def _service_env(api) -> tuple[int, int, int]:
    """A service environment, its service and its environment."""
    env = api.create("environments", {"name": "prod"})["id"]
    service = api.create("services", {"name": "web", "uid": "sc-1", "environments": ["prod"], "business_owners": [],
                                      "technical_owners": []})["id"]
    return api.get("/api/services-environments/").json["results"][0]["id"], service, env


def test_a_data_center_asset_nests_at_depth_2(api, dc):
    """data_center/api/serializers.py DataCenterAssetSerializer (Meta.depth = 2; rack = SimpleRackSerializer,
    depth 2); assets/api/serializers.py BaseObjectSerializer.configuration_path = ConfigurationClassSimpleSerializer."""
    se, service, env = _service_env(api)
    module = api.create("configuration-modules", {"name": "mod"})["id"]
    klass = api.create("configuration-classes", {"module": module, "class_name": "cls"})["id"]
    category = api.create("categories", {"name": "servers", "code": "SR"})["id"]
    kind = api.create("manufacturer-kind", {"name": "vendor"})["id"]
    maker = api.create("manufacturers", {"name": "HP", "manufacturer_kind": kind})["id"]
    model = api.create("assetmodels", {"name": "DL380", "type": "data center", "category": category,
                                       "manufacturer": maker})["id"]
    top = api.create("data-center-assets", {**dc, "sn": "P0"})["id"]
    chassis = api.create("data-center-assets", {**dc, "sn": "P1", "parent": top, "service_env": se,
                                                 "configuration_path": klass})["id"]
    blade = api.create("data-center-assets", {**dc, "sn": "B1", "parent": chassis, "model": model,
                                               "configuration_path": klass})["id"]
    doc = api.get(f"/api/data-center-assets/{blade}/").json

    parent = doc["parent"]  # depth 1: its relations nested at depth 0
    assert list(parent) == BASE_OBJECT_KEYS
    assert parent["url"] == f"{H}/api/base-objects/{chassis}/"
    assert list(parent["parent"]) == BASE_OBJECT_KEYS
    assert (parent["parent"]["url"], parent["parent"]["parent"]) == (f"{H}/api/base-objects/{top}/", None)
    assert list(parent["service_env"]) == ["id", "url", "tags", "ui_url", "created", "modified", "remarks", "parent",
                                           "service_env", "configuration_path", "service", "environment"]
    assert (parent["service_env"]["service"], parent["service_env"]["environment"]) == (
        f"{H}/api/services/{service}/", f"{H}/api/environments/{env}/")
    assert list(parent["configuration_path"]) == ["id", "url", "tags", "ui_url", "created", "modified", "remarks",
                                                  "class_name", "path", "parent", "service_env",
                                                  "configuration_path", "module"]
    assert parent["configuration_path"]["module"] == f"{H}/api/configuration-modules/{module}/"

    assert doc["configuration_path"]["module"] == {  # declared: ConfigurationModuleSimpleSerializer
        "id": module, "url": f"{H}/api/configuration-modules/{module}/", "name": "mod", "parent": None,
        "support_team": None, "ui_url": f"{H}/assets/configurationmodule/{module}/change/"}
    category_doc = doc["model"]["category"]  # the auto nested Category: no depreciation_rate
    assert list(category_doc) == ["id", "url", "ui_url", "name", "created", "modified", "code", "imei_required",
                                  "allow_deployment", "show_buyout_date", "default_depreciation_rate", "lft", "rght",
                                  "tree_id", "level", "parent"]
    assert doc["model"]["manufacturer"]["manufacturer_kind"] == f"{H}/api/manufacturer-kind/{kind}/"
    data_center = doc["rack"]["server_room"]["data_center"]  # SimpleRackSerializer depth 2: nested, not a URL
    assert (data_center["name"], data_center["url"]) == ("DC", f"{H}/api/data-centers/{data_center['id']}/")


def test_licence_assignments_nest_the_simple_licence(api, dc):
    """licences/api_simple.py SimpleBaseObjectLicenceSerializer and SimpleLicenceUserSerializer (licence =
    SimpleLicenceSerializer, depth 1); licences/api.py LicenceUserSerializer.user = ExtendedRalphUserSerializer."""
    host = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    region = api.create("regions", {"name": "PL"})["id"]
    software = api.create("software", {"name": "office"})["id"]
    licence_type = api.create("licence-types", {"name": "seat"})["id"]
    licence = api.create("licences", {"number_bought": 3, "licence_type": licence_type, "software": software,
                                      "region": region})["id"]
    link = api.create("base-objects-licences", {"licence": licence, "base_object": host, "quantity": 2})["id"]
    root = api.get("/api/users/", params={"username": "root"}).json["results"][0]["id"]
    seat = api.create("licence-users", {"licence": licence, "user": root})["id"]

    entry = api.get(f"/api/data-center-assets/{host}/").json["licences"]
    assert [list(e) for e in entry] == [["id", "url", "licence", "quantity", "base_object"]]
    assert (entry[0]["id"], entry[0]["quantity"], entry[0]["base_object"]) == (
        link, 2, f"{H}/api/base-objects/{host}/")
    nested = entry[0]["licence"]
    assert list(nested) == ["id", "url", "ui_url", "created", "modified", "remarks", "price_currency", "price",
                            "number_bought", "sn", "niw", "invoice_date", "valid_thru", "order_no",
                            "depreciation_rate", "accounting_id", "provider", "invoice_no", "license_details",
                            "start_usage", "region", "manufacturer", "licence_type", "property_of", "software",
                            "office_infrastructure", "budget_info"]
    assert (nested["url"], nested["number_bought"], nested["manufacturer"]) == (
        f"{H}/api/licences/{licence}/", 3, None)
    assert nested["region"] == api.get(f"/api/regions/{region}/").json  # RegionSerializer: the same fields
    assert nested["software"]["name"] == "office"

    user_doc = api.get(f"/api/users/{root}/").json
    assert [(e["id"], e["user"], e["licence"]["id"]) for e in user_doc["licences"]] == [
        (seat, f"{H}/api/users/{root}/", licence)]
    seats = api.get(f"/api/licences/{licence}/").json["users"]
    assert list(seats[0]["user"]) == ["id", "url", "username", "first_name", "last_name", "ui_url", "department",
                                      "company", "manager", "email"]
    assert seats[0]["licence"] == f"{H}/api/licences/{licence}/"


def test_depth_1_and_simple_serializers_link_what_their_nested_objects_reference(api, dc):
    """assets/api/serializers.py EthernetSerializer and ServiceEnvironmentSerializer (depth 1);
    supports/api.py SupportSimpleSerializer and access_cards/api.py AccessZoneSimpleSerializer (depth 0);
    data_center/api/serializers.py VIPSerializer (depth 1)."""
    se, service, env = _service_env(api)
    host = api.create("data-center-assets", {**dc, "sn": "H1", "service_env": se})["id"]
    eth = api.create("ethernets", {"base_object": host, "mac": "02:00:00:00:00:01"})["id"]
    base_object = api.get(f"/api/ethernets/{eth}/").json["base_object"]
    assert list(base_object) == BASE_OBJECT_KEYS
    assert base_object["service_env"] == f"{H}/api/services-environments/{se}/"

    se_doc = api.get(f"/api/services-environments/{se}/").json
    assert (se_doc["service"]["environments"], se_doc["service"]["business_owners"], se_doc["remarks"]) == (
        [f"{H}/api/environments/{env}/"], [], "")  # remarks: BaseObject's TextField(blank=True) default

    builder = Builder(api)
    support = builder.create(CATALOG["supports"], full=True)["id"]
    link = api.create("base-objects-supports", {"support": support, "baseobject": host})["id"]
    support_type = api.get(f"/api/supports/{support}/").json["support_type"]
    assert api.get(f"/api/base-objects-supports/{link}/").json["support"]["support_type"] == support_type["url"]

    outer = api.create("access-zone", {"name": "campus", "parent": None})["id"]
    middle = api.create("access-zone", {"name": "building", "parent": outer})["id"]
    inner = api.create("access-zone", {"name": "floor", "parent": middle})["id"]
    zone = api.get(f"/api/access-zone/{inner}/").json
    assert (zone["parent"]["id"], zone["parent"]["parent"]) == (middle, f"{H}/api/access-zone/{outer}/")
    card = builder.create(CATALOG["access-card"], full=True)
    api.patch(f"/api/access-card/{card['id']}/", {"access_zones": [inner]})
    assert api.get(f"/api/access-card/{card['id']}/").json["access_zones"] == [
        {"id": inner, "name": "floor", "parent": f"{H}/api/access-zone/{middle}/", "description": None,
         "ui_url": f"{H}/access_cards/accesszone/{inner}/change/"}]

    vip = builder.create(CATALOG["vips"], full=True)
    ip = api.get(f"/api/vips/{vip['id']}/").json["ip"]
    assert ip["network"] == (None if ip["network"] is None else f"{H}/api/networks/{builder.made['networks']}/")
    assert ip["ethernet"] is None or ip["ethernet"].startswith(f"{H}/api/ethernets/")


def test_an_ip_address_nests_its_ethernet_at_depth_1(api, dc):
    """networks/api.py IPAddressSerializer: ethernet = EthernetSerializer (depth 1), network =
    NetworkSimpleSerializer (no depth: its parent and environment are URLs)."""
    host = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    eth = api.create("ethernets", {"base_object": host, "mac": "02:00:00:00:00:02"})["id"]
    outer = api.create("networks", {"name": "big", "address": "10.0.0.0/16"})["id"]
    inner = api.create("networks", {"name": "small", "address": "10.0.1.0/24"})["id"]
    address = api.create("ipaddresses", {"address": "10.0.1.5", "ethernet": eth})["id"]
    doc = api.get(f"/api/ipaddresses/{address}/").json
    assert list(doc["ethernet"]["base_object"]) == BASE_OBJECT_KEYS
    assert doc["ethernet"]["base_object"]["url"] == f"{H}/api/base-objects/{host}/"
    assert (doc["network"]["id"], doc["network"]["parent"], doc["network"]["network_environment"]) == (
        inner, f"{H}/api/networks/{outer}/", None)


def test_back_office_assets_of_a_user_are_simple(api, bo):
    """back_office/api.py BackOfficeAssetSimpleSerializer (depth 0): relations are URLs but service_env and
    configuration_path, which BaseObjectSerializer declares."""
    se, _, _ = _service_env(api)
    root = api.get("/api/users/", params={"username": "root"}).json["results"][0]["id"]
    asset = api.create("back-office-assets", {**bo, "sn": "L1", "user": root, "service_env": se})["id"]
    mine = api.get(f"/api/users/{root}/").json["assets_as_user"]
    assert [(a["id"], a["model"], a["region"], a["user"]) for a in mine] == [
        (asset, f"{H}/api/assetmodels/{bo['model']}/", f"{H}/api/regions/{bo['region']}/", f"{H}/api/users/{root}/")]
    assert mine[0]["service_env"] == {"id": se, "service": "web", "environment": "prod",
                                      "url": f"{H}/api/services-environments/{se}/", "service_uid": "sc-1",
                                      "ui_url": f"{H}/assets/serviceenvironment/{se}/change/"}


def test_an_ssl_certificate_nests_at_depth_2(api):
    """ssl_certificates/api.py SSLCertificateSerializer (depth 2): issued_by's manufacturer_kind is nested."""
    kind = api.create("manufacturer-kind", {"name": "CA"})["id"]
    maker = api.create("manufacturers", {"name": "DigiCert", "manufacturer_kind": kind})["id"]
    cert = api.create("sslcertificates", Builder(api).body(CATALOG["sslcertificates"], full=False) | {"issued_by": maker})
    issued_by = api.get(f"/api/sslcertificates/{cert['id']}/").json["issued_by"]
    assert issued_by["manufacturer_kind"] == api.get(f"/api/manufacturer-kind/{kind}/").json


def test_custom_field_values_read_as_ralph_serializes_them(api, dc):
    """lib/custom_fields/api/serializers.py CustomFieldValueSerializer (id, custom_field, value, url) with
    CustomFieldSimpleSerializer (name, attribute_name, type, default_value, and ui_url the metaclass adds)."""
    field = api.create("custom-fields", {"name": "Size", "type": "string", "choices": []})
    host = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    value = api.create(f"data-center-assets/{host}/customfields", {"custom_field": "size", "value": "M"})
    assert list(value) == ["id", "url", "custom_field", "value"]  # the save serializer's order
    assert api.get(f"/api/data-center-assets/{host}/customfields/").json["results"] == [{
        "id": value["id"],
        "custom_field": {"name": "Size", "attribute_name": "size", "type": "string", "default_value": "",
                         "ui_url": f"{H}/custom_fields/customfield/{field['id']}/change/"},
        "value": "M", "url": f"{H}/api/data-center-assets/{host}/customfields/{value['id']}/"}]
