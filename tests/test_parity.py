"""Rules of Ralph's models and serializers (issue 14), each with the Ralph source it comes from.

Ralph 20241023.1 (DRF 3.7.5): field validators run first and all their messages are collected; a model's
``clean()`` runs only when every field passed; a unique message names the model declaring the field.
"""

from __future__ import annotations

import datetime as dt

H = "http://falconframework.org"

LONG_SLOT = ["Slot number should be a number from range 1-16 with an optional postfix 'A' or 'B' (e.g. '16A')",
             "Ensure this field has no more than 3 characters."]


def test_asset_needs_an_sn_or_barcode_and_an_owner(api, dc):
    """assets/models/assets.py Asset.clean, collected with DataCenterAsset.clean's own validators."""
    body = {"model": dc["model"], "rack": dc["rack"]}
    assert api.post("/api/data-center-assets/", body).json == {
        "sn": ["SN or BARCODE field is required"], "barcode": ["SN or BARCODE field is required"],
        "__all__": ["Property of field is required"]}
    assert api.post("/api/data-center-assets/", {**body, "sn": "S1", "position": 0}).json == {
        "__all__": ["Property of field is required"],
        "orientation": ["Valid orientations for picked position are: left, right"]}
    made = api.create("data-center-assets", {**body, "barcode": "B1", "property_of": dc["property_of"]})
    assert api.patch(f"/api/data-center-assets/{made['id']}/", {"barcode": ""}).json == {
        "sn": ["SN or BARCODE field is required"], "barcode": ["SN or BARCODE field is required"]}


def test_back_office_asset_rules_stop_at_the_first(api, bo):
    """back_office/models.py BackOfficeAsset.clean: Asset.clean first, then imei, then imei2."""
    body = {"model": bo["model"], "region": bo["region"], "warehouse": bo["warehouse"]}
    assert api.post("/api/back-office-assets/", {**body, "imei": "123"}).json == {
        "sn": ["SN or BARCODE field is required"], "barcode": ["SN or BARCODE field is required"],
        "__all__": ["Property of field is required"]}
    owned = {**body, "sn": "b1", "property_of": bo["property_of"]}
    assert api.post("/api/back-office-assets/", {**owned, "imei": "123", "imei2": "x"}).json == {
        "imei": ["123 is not IMEI format"]}
    assert api.post("/api/back-office-assets/", {**owned, "imei2": "35-209900-176148-1"}).json == {
        "imei2": ["35-209900-176148-1 is not IMEI format"]}
    made = api.create("back-office-assets", {**owned, "imei": "35209900 176148 1", "imei2": "352099001761481"})
    assert made["imei"] == "35209900 176148 1"
    again = api.post("/api/back-office-assets/", {**owned, "sn": "b2", "imei": "35209900 176148 1"})
    assert again.json == {"imei": ["Back Office Asset with this IMEI already exists."]}


def test_asset_field_validators(api, dc):
    """assets/models/assets.py Asset.sn/barcode (RegexValidator "No spaces allowed"), Asset.task_url (URLField);
    data_center/models/physical.py DataCenterAsset.slot_no (RegexValidator, collected with max_length)."""
    body = {**dc, "sn": "S1"}
    assert api.post("/api/data-center-assets/", {**body, "sn": "a b", "barcode": "c\td"}).json == {
        "sn": ["No spaces allowed"], "barcode": ["No spaces allowed"]}
    assert api.post("/api/data-center-assets/", {**body, "task_url": "not a url"}).json == {
        "task_url": ["Enter a valid URL."]}
    assert api.post("/api/data-center-assets/", {**body, "task_url": "http://x"}).json == {
        "task_url": ["Enter a valid URL."]}  # Django's URLValidator wants a top-level domain, localhost or an IP
    assert api.post("/api/data-center-assets/", {**body, "slot_no": "ABCD", "orientation": "left"}).json == {
        "slot_no": LONG_SLOT}  # a field error: clean() (the orientation rule) does not run
    made = api.create("data-center-assets", {**body, "task_url": "https://jira.example.com/browse/OPS-1"})
    assert made["task_url"] == "https://jira.example.com/browse/OPS-1"


def test_unique_messages_name_the_declaring_model_and_verbose_field(api, dc, bo):
    """DRF field_mapping.get_unique_error_message: "<model verbose name> with this <field verbose name> already
    exists." with the model that declares the field (sn and barcode: assets.Asset)."""
    api.create("data-center-assets", {**dc, "sn": "S1", "barcode": "B1"})
    assert api.post("/api/data-center-assets/", {**dc, "sn": "S1"}).json == {
        "sn": ["asset with this SN already exists."]}
    assert api.post("/api/back-office-assets/", {**bo, "barcode": "B1"}).json == {
        "barcode": ["asset with this barcode already exists."]}
    cases = [("domains", {"name": "a.com"}, "name", "domain with this domain name already exists."),
             ("dns-servers", {"ip_address": "10.0.0.1"}, "ip_address", "DNS Server with this IP address already exists."),
             ("networks", {"name": "n1", "address": "10.0.0.0/24"}, "address",
              "network with this network address already exists."),
             ("budget-info", {"name": "BI"}, "name", "Budget info with this name already exists."),
             ("office-infrastructures", {"name": "OI"}, "name", "Office Infrastructure with this name already exists."),
             ("dns-server-group", {"name": "G"}, "name", "DNS Server Group with this name already exists."),
             ("cloud-providers", {"name": "P"}, "name", "Cloud provider with this name already exists.")]
    for prefix, body, field, message in cases:
        api.create(prefix, body)
        again = {**body, "name": "other"} if field != "name" else body
        assert api.post(f"/api/{prefix}/", again).json == {field: [message]}, prefix


def test_blank_values_of_nullable_char_fields_are_null_and_never_clash(api, dc):
    """lib/mixins/fields.py NullableCharFieldMixin: '' is stored as NULL (so unique values never clash)."""
    first = api.create("data-center-assets", {**dc, "sn": "", "barcode": "e1", "hostname": ""})
    api.create("data-center-assets", {**dc, "sn": "", "barcode": "e2", "hostname": ""})
    doc = api.get(f"/api/data-center-assets/{first['id']}/").json
    assert (doc["sn"], doc["hostname"], doc["niw"]) == (None, None, None)
    kind = api.create("cluster-types", {"name": "k8s"})["id"]
    for name in ("a", "b"):
        assert api.post("/api/clusters/", {"name": name, "hostname": "", "type": kind}).status_code == 201


def test_user_rules(api):
    """accounts/models.py RalphUser (AbstractUser): username's own unique message and UnicodeUsernameValidator,
    email an EmailField."""
    made = api.create("users", {"username": "alice", "password": "pw"})
    assert api.post("/api/users/", {"username": "alice", "password": "pw"}).json == {
        "username": ["A user with that username already exists."]}
    assert api.patch(f"/api/users/{made['id']}/", {"username": "a b", "email": "bad"}).json == {
        "username": ["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ "
                     "characters."], "email": ["Enter a valid email address."]}
    assert api.patch(f"/api/users/{made['id']}/", {"email": "alice@example.com"}).json["email"] == "alice@example.com"
    assert api.options("/api/users/").json["name"] == "Ralph User List"


def test_sim_card_field_validators(api):
    """sim_cards/models.py SIMCard: RegexValidators then MinLengthValidators, every message collected."""
    carrier = api.create("sim-card-cellular-carrier", {"name": "Orange"})["id"]
    warehouse = api.create("warehouses", {"name": "W1"})["id"]
    body = {"carrier": carrier, "warehouse": warehouse, "card_number": "abc", "phone_number": "123", "pin1": "12a", "puk1": "12"}
    assert api.post("/api/sim-card/", body).json == {
        "card_number": ["Required numeric characters only."],
        "phone_number": ["Phone number must have +2920181234 format."],
        "pin1": ["Required numeric characters only.", "Ensure this field has at least 4 characters."],
        "puk1": ["Ensure this field has at least 5 characters."]}
    good = {**body, "card_number": "8948", "phone_number": "+48600100200", "pin1": "1234", "puk1": "12345"}
    assert api.post("/api/sim-card/", good).status_code == 201


def test_url_fields(api, dc):
    """security/models.py SecurityScan.details_url/rescan_url and domains/models/domains.py Domain.website_url:
    URLFields."""
    assert api.post("/api/domains/", {"name": "c.com", "website_url": "notaurl"}).json == {
        "website_url": ["Enter a valid URL."]}
    assert api.create("domains", {"name": "d.com", "website_url": "http://[::1]:8080/x"})["website_url"] == \
        "http://[::1]:8080/x"
    host = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    eth = api.create("ethernets", {"base_object": host, "mac": "02:00:00:00:00:08"})["id"]
    api.create("ipaddresses", {"address": "10.0.0.8", "ethernet": eth})
    scan = {"last_scan_date": "2024-01-01T00:00:00", "scan_status": "ok", "next_scan_date": "2024-02-01T00:00:00",
            "details_url": "x", "rescan_url": "ftp://10.0.0.1/r", "host_ip": "10.0.0.8"}
    answer = api.post("/api/security-scans/", scan).json
    assert answer["details_url"] == ["Enter a valid URL."] and "rescan_url" not in answer


def test_configuration_names_need_a_word_character(api):
    """assets/models/configuration.py dir_file_name_validator (RegexValidator r'\\w+', a search)."""
    assert api.post("/api/configuration-modules/", {"name": "!!!"}).json == {"name": ["Enter a valid value."]}
    module = api.create("configuration-modules", {"name": "-ok-"})["id"]
    assert api.post("/api/configuration-classes/", {"module": module, "class_name": "---"}).json == {
        "class_name": ["Enter a valid value."]}


def test_custom_field_values_as_django_forms_take_them(api, dc):
    """custom_fields/models.py CustomFieldValue.clean: the custom field's form field cleans the value, its error
    is reported under __all__; the value may not be blank."""
    pk = api.create("data-center-assets", {**dc, "sn": "S1"})["id"]
    base = f"/api/data-center-assets/{pk}/customfields/"
    kinds = {"num": "integer", "day": "date", "link": "url"}
    for name, kind in kinds.items():
        api.create("custom-fields", {"name": name, "type": kind, "choices": []})
    assert api.post(base, {"custom_field": "num", "value": ""}).json == {"value": ["This field may not be blank."]}
    assert api.post(base, {"custom_field": "num", "value": "abc"}).json == {"__all__": ["Enter a whole number."]}
    assert api.post(base, {"custom_field": "day", "value": "20061025"}).json == {"__all__": ["Enter a valid date."]}
    assert api.post(base, {"custom_field": "link", "value": "http://x"}).json == {"__all__": ["Enter a valid URL."]}
    for name, value in (("num", "5.0"), ("day", "10/25/2006"), ("link", "example.com")):
        assert api.post(base, {"custom_field": name, "value": value}).status_code == 201, name
    # Model.full_clean: clean() (the type check) comes before validate_unique (the object's field taken)
    assert api.post(base, {"custom_field": "num", "value": "abc"}).json == {"__all__": ["Enter a whole number."]}
    assert api.post(base, {"custom_field": "num", "value": "6"}).json == {
        "__all__": ["Custom field of the same type already exists for this object."]}


def test_view_names_in_options(api):
    """DRF's view name is the viewset's class name in words (IPAddressViewSet: "IP Address")."""
    names = {prefix: api.options(f"/api/{prefix}/").json["name"]
             for prefix in ("ipaddresses", "dns-servers", "virtual-servers", "vips", "scm-info", "assetmodels")}
    assert names == {"ipaddresses": "IP Address List", "dns-servers": "DNS Server List",
                     "virtual-servers": "Virtual Server List", "vips": "VIP List", "scm-info": "SCM Info List",
                     "assetmodels": "Asset Model List"}


def test_links_to_a_base_object_are_base_object_urls(api, dc):
    """Ralph's HyperlinkedRelatedField to BaseObject uses view baseobject-detail (data_center/tests/test_api.py,
    cluster base_objects and masters; licences/tests/test_api.py test_get_licence_with_base_object_details)."""
    host = api.create("data-center-assets", {**dc, "sn": "H1", "hostname": "h1"})["id"]
    kind = api.create("cluster-types", {"name": "k8s"})["id"]
    cluster = api.create("clusters", {"name": "c1", "type": kind})["id"]
    link = api.create("base-object-clusters", {"cluster": cluster, "base_object": host, "is_master": True})["id"]
    doc = api.get(f"/api/clusters/{cluster}/").json
    assert doc["masters"] == [f"{H}/api/base-objects/{host}/"]
    assert doc["base_objects"] == [{"id": link, "url": f"{H}/api/base-object-clusters/{link}/",
                                    "base_object": f"{H}/api/base-objects/{host}/", "is_master": True}]
    assert api.get(f"/api/base-object-clusters/{link}/").json["base_object"] == f"{H}/api/base-objects/{host}/"
    vtype = api.create("virtual-server-types", {"name": "kvm"})["id"]
    vm = api.create("virtual-servers", {"hostname": "vm1", "type": vtype, "hypervisor": host})["id"]
    assert api.get(f"/api/virtual-servers/{vm}/").json["parent"] == f"{H}/api/base-objects/{host}/"
    assert api.get(f"/api/data-center-assets/{host}/").json["related_hosts"]["virtual_servers"] == [
        {"hostname": "vm1", "url": f"{H}/api/virtual-servers/{vm}/",
         "ui_url": f"{H}/virtual/virtualserver/{vm}/change/"}]  # DeclaredFieldsMetaclass appends ui_url


def test_write_answers_with_a_url(api, dc):
    """Save serializers that are hyperlinked (data_center BaseObjectClusterSerializer, assets
    ConfigurationModuleSimpleSerializer and ProfitCenterSerializer, licences BaseObjectLicenceSerializer,
    custom_fields CustomFieldValueSaveSerializer) answer with the record's url."""
    host = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    cluster = api.create("clusters", {"name": "c1", "type": api.create("cluster-types", {"name": "k"})["id"]})["id"]
    boc = api.create("base-object-clusters", {"cluster": cluster, "base_object": host})
    assert list(boc) == ["id", "url", "base_object", "is_master", "cluster"]
    assert boc["url"] == f"{H}/api/base-object-clusters/{boc['id']}/"
    module = api.create("configuration-modules", {"name": "mod"})
    assert module["url"] == f"{H}/api/configuration-modules/{module['id']}/"
    profit = api.create("profit-centers", {"name": "pc"})
    assert list(profit) == ["id", "name", "description", "url", "ui_url"]
    software = api.create("software", {"name": "office"})["id"]
    licence_type = api.create("licence-types", {"name": "seat"})["id"]
    region = api.create("regions", {"name": "PL"})["id"]
    licence = api.create("licences", {"number_bought": 1, "licence_type": licence_type, "software": software,
                                      "region": region})["id"]
    link = api.create("base-objects-licences", {"licence": licence, "base_object": host})
    assert link["url"] == f"{H}/api/base-objects-licences/{link['id']}/"
    api.create("custom-fields", {"name": "size", "type": "string", "choices": []})
    value = api.create(f"data-center-assets/{host}/customfields", {"custom_field": "size", "value": "M"})
    assert value["url"] == f"{H}/api/data-center-assets/{host}/customfields/{value['id']}/"


def test_str_of_models_that_define_it():
    """sim_cards/models.py SIMCard.__str__, access_cards/models.py AccessCard.__str__, virtual/models.py
    CloudImage.__str__, accounts/models.py RalphUser.__str__ (shown in histories, transition reports and
    choices)."""
    from commands.catalog import CATALOG
    from commands.catalog.display import display

    assert display(CATALOG["sim-card"], 1, {"phone_number": "+48600100200"}, None) == "SIM Card: +48600100200"
    assert display(CATALOG["access-card"], 1, {"visual_number": "V-7"}, None) == "Access Card: V-7"
    assert display(CATALOG["cloud-images"], 1, {"name": "debian"}, None) == "Cloud Image: debian"
    users = CATALOG["users"]  # accounts/models.py RalphUser.__str__
    assert display(users, 1, {"username": "jdoe", "first_name": "John", "last_name": ""}, None) == "John (jdoe)"
    assert display(users, 1, {"username": "jdoe", "first_name": "", "last_name": ""}, None) == "jdoe"
    servers = {1: {"ip_address": "10.0.0.1"}, 2: {"ip_address": "10.0.0.2"}}  # dhcp/models.py DNSServerGroup

    class States:
        def state(self, resource, pk):
            return (CATALOG[resource], servers[pk]) if resource == "dns-servers" and pk in servers else None

    group = CATALOG["dns-server-group"]
    assert display(group, 1, {"name": "ns", "servers": [2, 1]}, States()) == "ns (10.0.0.2, 10.0.0.1)"
    assert display(group, 1, {"name": "ns", "servers": []}, States()) == "ns ()"


def test_configuration_class_path_follows_its_module(api, dc):
    """assets/models/configuration.py ConfigurationClass.save: path = module name + '/' + class name."""
    module = api.create("configuration-modules", {"name": "mod"})["id"]
    made = api.create("configuration-classes", {"module": module, "class_name": "cls"})
    assert made["path"] == "mod/cls"
    doc = api.get(f"/api/configuration-classes/{made['id']}/").json
    assert (doc["path"], doc["__str__"]) == ("mod/cls", "configuration class: mod/cls")
    found = api.get("/api/configuration-classes/", params={"path": "mod/cls"}).json
    assert [c["id"] for c in found["results"]] == [made["id"]]


def _cloud(api) -> dict:
    """A provider with a flavor and a project whose service environment is set."""
    provider = api.create("cloud-providers", {"name": "openstack"})["id"]
    flavor = api.create("cloud-flavors", {"name": "m1", "flavor_id": "f1", "cores": 2, "memory": 1024, "disk": 10,
                                          "cloudprovider": provider})["id"]
    api.create("environments", {"name": "prod"})
    api.create("services", {"name": "web", "uid": "sc-1", "environments": ["prod"], "business_owners": [],
                            "technical_owners": []})
    se = api.get("/api/services-environments/").json["results"][0]["id"]
    project = api.create("cloud-projects", {"name": "p", "project_id": "p1", "cloudprovider": provider,
                                            "service_env": se})["id"]
    return {"provider": provider, "flavor": flavor, "project": project, "se": se}


def test_cloud_hosts(api):
    """virtual/models.py CloudHost.save (service_env from the parent); virtual/api.py CloudHostSerializer.parent =
    CloudProjectSimpleSerializer(source='cloudproject')."""
    cloud = _cloud(api)
    host = api.create("cloud-hosts", {"host_id": "h1", "hostname": "vm1", "cloudflavor": cloud["flavor"],
                                      "cloudprovider": cloud["provider"], "parent": cloud["project"],
                                      "ip_addresses": []})["id"]
    doc = api.get(f"/api/cloud-hosts/{host}/").json
    assert doc["parent"] == {"name": "p", "url": f"{H}/api/cloud-projects/{cloud['project']}/", "project_id": "p1",
                             "ui_url": f"{H}/virtual/cloudproject/{cloud['project']}/change/"}
    assert doc["service_env"]["id"] == cloud["se"]


def test_cloud_flavors_and_providers_in_use_need_force(api):
    """virtual/api.py CloudFlavorViewSet.destroy and CloudProviderViewSet.destroy (409 unless {"force": true});
    Ralph's test_delete_cloud_flavor_returns_409_if_is_used_by_cloud_hosts."""
    cloud = _cloud(api)
    host = api.create("cloud-hosts", {"host_id": "h1", "hostname": "vm1", "cloudflavor": cloud["flavor"],
                                      "cloudprovider": cloud["provider"], "ip_addresses": []})["id"]
    answer = api.delete(f"/api/cloud-flavors/{cloud['flavor']}/")
    assert (answer.status_code, answer.json) == (409, {"detail": "Cloud flavor is in use and hence is not deletable. "
                                                                 "Use {\"force\": true} to force deletion."})
    answer = api.delete(f"/api/cloud-providers/{cloud['provider']}/")
    assert (answer.status_code, answer.json) == (409, {"detail": "Cloud provider is in use and hence is not "
                                                                 "deletable. Use {\"force\": true} to force deletion."})
    assert api.delete(f"/api/cloud-flavors/{cloud['flavor']}/", json={"force": True}).status_code == 204
    assert api.get(f"/api/cloud-hosts/{host}/").status_code == 404  # cascaded, as Ralph's force does


def test_a_hypervisor_is_a_host(api, dc):
    """virtual/api.py VirtualServerSaveSerializer.hypervisor: PrimaryKeyRelatedField(queryset=DCHost.objects)."""
    vtype = api.create("virtual-server-types", {"name": "kvm"})["id"]
    module = api.create("configuration-modules", {"name": "mod"})["id"]
    klass = api.create("configuration-classes", {"module": module, "class_name": "cls"})["id"]
    assert api.post("/api/virtual-servers/", {"type": vtype, "hypervisor": klass, "hostname": "a"}).json == {
        "hypervisor": [f'Invalid pk "{klass}" - object does not exist.']}
    host = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    assert api.post("/api/virtual-servers/", {"type": vtype, "hypervisor": host, "hostname": "a"}).status_code == 201


def test_network_and_ip_writes(api):
    """networks/api.py NetworkSaveSerializer (exclude min_ip, max_ip); networks/models/networks.py
    IPAddress(LastSeenMixin): last_seen is set on creation (auto_now_add)."""
    made = api.create("networks", {"name": "n", "address": "10.0.0.0/24"})
    assert {"min_ip", "max_ip"} & set(made) == set()
    assert {"min_ip", "max_ip"} & set(api.options("/api/networks/").json["actions"]["POST"]) == set()
    ip = api.create("ipaddresses", {"address": "10.0.0.7"})
    seen, created = (dt.datetime.fromisoformat(ip[k]) for k in ("last_seen", "created"))
    assert abs(seen - created) < dt.timedelta(seconds=5)
    assert api.get(f"/api/ipaddresses/{ip['id']}/").json["last_seen"] == ip["last_seen"]


def test_a_back_office_asset_takes_licences_of_its_region(api, bo):
    """licences/models.py BaseObjectLicence.clean (called by BaseObjectLicenceSerializer.validate)."""
    asset = api.create("back-office-assets", {**bo, "sn": "L1"})["id"]
    other = api.create("regions", {"name": "DE"})["id"]
    common = {"number_bought": 1, "licence_type": api.create("licence-types", {"name": "seat"})["id"],
              "software": api.create("software", {"name": "office"})["id"]}
    foreign = api.create("licences", {**common, "region": other, "niw": "L-DE"})["id"]
    local = api.create("licences", {**common, "region": bo["region"], "niw": "L-PL"})["id"]
    assert api.post("/api/base-objects-licences/", {"licence": foreign, "base_object": asset}).json == {
        "non_field_errors": ["Asset region is in a different region than licence."]}
    assert api.post("/api/base-objects-licences/", {"licence": local, "base_object": asset}).status_code == 201


def test_a_duplicate_custom_field_name_is_reported_on_the_name(api):
    """lib/custom_fields/models.py CustomField: attribute_name is not editable, so DRF validates only name."""
    api.create("custom-fields", {"name": "Size", "type": "string", "choices": []})
    assert api.post("/api/custom-fields/", {"name": "Size", "type": "string", "choices": []}).json == {
        "name": ["custom field with this name already exists."]}
    assert api.post("/api/custom-fields/", {"name": "size", "type": "string", "choices": []}).json == {
        "attribute_name": ["custom field with this attribute name already exists."]}  # Ralph: an IntegrityError


def test_a_support_lists_the_objects_it_covers(api, dc):
    """supports/api.py SupportSerializer.base_objects: HyperlinkedRelatedField(view_name='baseobject-detail')
    over the BaseObjectsSupport through table."""
    host = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    support = api.create("supports", {"name": "care", "contract_id": "c1", "date_to": "2030-01-01",
                                      "region": api.create("regions", {"name": "PL"})["id"]})["id"]
    assert api.get(f"/api/supports/{support}/").json["base_objects"] == []
    link = api.create("base-objects-supports", {"support": support, "baseobject": host})["id"]
    assert api.get(f"/api/supports/{support}/").json["base_objects"] == [f"{H}/api/base-objects/{host}/"]
    api.delete(f"/api/base-objects-supports/{link}/")
    assert api.get(f"/api/supports/{support}/").json["base_objects"] == []


def test_scm_checks_are_reported_by_hostname(api, dc):
    """configuration_management/api.py SCMInfoViewSet.create and .delete (urlpattern ^scm-info/(?P<hostname>...));
    configuration_management/models.py SCMStatusCheck.save (ok); Ralph's test_post_by_hostname_*."""
    host = api.create("data-center-assets", {**dc, "sn": "H1", "hostname": "srv1.local"})["id"]
    body = {"last_checked": "2024-01-01T00:00:00", "check_result": 1}
    made = api.post("/api/scm-info/srv1.local", body)
    assert made.status_code == 201
    assert {k: v for k, v in made.json.items() if k not in ("created", "modified")} == {
        "id": made.json["id"], "last_checked": "2024-01-01T00:00:00", "check_result": "OK", "ok": True,
        "base_object": host}
    again = api.post("/api/scm-info/srv1.local/", {**body, "check_result": 3})
    assert (again.status_code, again.json["id"], again.json["ok"]) == (200, made.json["id"], False)
    assert api.get(f"/api/data-center-assets/{host}/").json["scmstatuscheck"]["check_result"] == "Error"
    missing = api.post("/api/scm-info/nope.local", body)
    assert (missing.status_code, missing.json) == (404, "No hostname matching nope.local found.")
    assert api.post("/api/scm-info/", body).status_code == 405  # Ralph: a 500 (create needs a hostname)
    assert api.delete("/api/scm-info/srv1.local").status_code == 204
    gone = api.delete("/api/scm-info/srv1.local")
    assert (gone.status_code, gone.json) == (404, "SCM status is not set for the hostname srv1.local")
    assert api.get(f"/api/data-center-assets/{host}/").json["scmstatuscheck"] is None


def test_security_scans_are_posted_by_host_ip(api, dc):
    """security/api.py SaveSecurityScanSerializer.to_internal_value (host_ip, external_vulnerabilities,
    is_patched) and SecurityScanViewSet.create (a new scan replaces the host's old one); Ralph's
    security/tests/test_api.py test_create_security_scan, test_posting_scan_replace_old_one_when_scan_already_exists."""
    host = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    eth = api.create("ethernets", {"base_object": host, "mac": "02:00:00:00:00:09"})["id"]
    api.create("ipaddresses", {"address": "10.0.0.9", "ethernet": eth})
    api.create("ipaddresses", {"address": "10.0.0.10"})
    late = api.create("vulnerabilities", {"name": "v1", "display_name": "V1", "patch_deadline": "2020-01-01T00:00:00",
                                          "external_vulnerability_id": 1001})["id"]
    body = {"last_scan_date": "2024-01-01T00:00:00", "scan_status": "ok", "next_scan_date": "2024-02-01T00:00:00",
            "details_url": "https://scan.example.com/1", "rescan_url": "https://scan.example.com/r"}
    assert api.post("/api/security-scans/", body).json == {"host_ip": "Host IP is required"}
    assert api.post("/api/security-scans/", {**body, "host_ip": "10.0.0.10",
                                             "external_vulnerabilities": [1001, 77]}).json == {
        "external_vulnerability": "Unknow external_vulnerabilities: 77", "host_ip": "IP is not assigned to any host"}
    first = api.create("security-scans", {**body, "host_ip": "10.0.0.9", "vulnerabilities": []})
    assert (first["base_object"], first["is_patched"]) == (host, True)
    second = api.create("security-scans", {**body, "host_ip": "10.0.0.9", "is_patched": True,
                                           "external_vulnerabilities": ["1001"]})
    assert (second["vulnerabilities"], second["is_patched"]) == ([late], False)  # past its deadline
    assert second["id"] != first["id"]
    assert api.get(f"/api/security-scans/{first['id']}/").status_code == 404
    assert api.get(f"/api/data-center-assets/{host}/").json["securityscan"]["id"] == second["id"]


def test_an_ethernet_exposed_in_dhcp_keeps_its_mac(api, dc):
    """assets/models/components.py Ethernet.clean (_validate_expose_in_dhcp_and_mac,
    _validate_change_when_exposing_in_dhcp), MAC_RE; assets/api/views.py EthernetViewSet.destroy."""
    host = api.create("data-center-assets", {**dc, "sn": "H1", "hostname": "h1.local"})["id"]
    assert api.post("/api/ethernets/", {"base_object": host, "mac": "AABBCCDDEE02"}).json == {
        "mac": ["'%(value)s' is not a valid MAC address."]}
    eth = api.create("ethernets", {"base_object": host, "mac": "aa-bb-cc-dd-ee-01"})["id"]
    api.create("ipaddresses", {"address": "10.0.0.5", "ethernet": eth, "hostname": "h1.local", "dhcp_expose": True})
    assert api.patch(f"/api/ethernets/{eth}/", {"mac": None}).json == {"__all__": [
        "MAC cannot be empty if record is exposed in DHCP", "Cannot change MAC when exposing in DHCP"]}
    assert api.patch(f"/api/ethernets/{eth}/", {"mac": "AA:BB:CC:DD:EE:09"}).json == {
        "__all__": ["Cannot change MAC when exposing in DHCP"]}
    assert api.patch(f"/api/ethernets/{eth}/", {"label": "eth0"}).status_code == 200
    assert api.delete(f"/api/ethernets/{eth}/").json == ["Could not delete Ethernet when it is exposed in DHCP"]


def test_a_chassis_moves_its_blades(api, dc):
    """data_center/models/physical.py DataCenterAsset.save: children take a new rack and position (update())."""
    chassis = api.create("data-center-assets", {**dc, "sn": "C1", "position": 3})["id"]
    blade = api.create("data-center-assets", {**dc, "sn": "B1", "parent": chassis, "position": 3})["id"]
    other = api.create("racks", {"name": "R2", "server_room": api.get(f"/api/racks/{dc['rack']}/").json[
        "server_room"]["id"], "require_position": False})["id"]
    assert api.patch(f"/api/data-center-assets/{chassis}/", {"rack": other, "position": 7}).status_code == 200
    doc = api.get(f"/api/data-center-assets/{blade}/").json
    assert (doc["rack"]["id"], doc["position"]) == (other, 7)


def test_a_cloud_project_gives_its_hosts_its_service_environment(api):
    """virtual/models.py update_service_env_on_cloudproject_save; Ralph's
    test_inheritance_of_service_env_on_change_in_a_cloud_project."""
    cloud = _cloud(api)
    host = api.create("cloud-hosts", {"host_id": "h1", "hostname": "vm1", "cloudflavor": cloud["flavor"],
                                      "cloudprovider": cloud["provider"], "parent": cloud["project"],
                                      "ip_addresses": []})["id"]
    api.create("environments", {"name": "test"})
    api.patch(f"/api/services/{api.get('/api/services/').json['results'][0]['id']}/",
              {"environments": ["prod", "test"]})
    other = next(se["id"] for se in api.get("/api/services-environments/").json["results"] if se["id"] != cloud["se"])
    assert api.patch(f"/api/cloud-projects/{cloud['project']}/", {"service_env": other}).status_code == 200
    assert api.get(f"/api/cloud-hosts/{host}/").json["service_env"]["id"] == other


def test_a_slot_holds_one_blade(api, dc):
    """data_center/models/physical.py DataCenterAsset._validate_slot_no (filter parent, slot_no, orientation)."""
    chassis = api.create("data-center-assets", {**dc, "sn": "C1"})["id"]
    blades = api.create("assetmodels", {"name": "M630", "type": "data center", "has_parent": True})["id"]
    blade = {**dc, "model": blades, "parent": chassis, "slot_no": "1"}
    first = api.create("data-center-assets", {**blade, "sn": "c1"})["id"]
    assert api.post("/api/data-center-assets/", {**blade, "sn": "c2"}).json == {"slot_no": [
        f'Slot is already occupied by: <a href="/data_center/datacenterasset/{first}/change/" target="_blank">'
        f'- (BC: - / SN: c1)</a>']}
    assert api.post("/api/data-center-assets/", {**blade, "sn": "c2", "slot_no": "2"}).status_code == 201
    assert api.patch(f"/api/data-center-assets/{first}/", {"remarks": "same slot, itself"}).status_code == 200


def test_dhcp_removal_is_reported_alone(api, dc):
    """networks/api.py IPAddressSaveSerializer.validate_dhcp_expose: a field validator, so clean() does not run."""
    host = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    eth = api.create("ethernets", {"base_object": host, "mac": "02:00:00:00:00:05"})["id"]
    ip = api.create("ipaddresses", {"address": "10.0.0.5", "ethernet": eth, "hostname": "h1", "dhcp_expose": True})
    assert api.patch(f"/api/ipaddresses/{ip['id']}/", {"dhcp_expose": False, "hostname": "h2"}).json == {
        "dhcp_expose": ["Cannot remove entry from DHCP. Use transition to do this."]}


def test_cloud_host_ip_addresses_are_a_list(api):
    """virtual/api.py SaveCloudHostSerializer.ip_addresses = serializers.ListField()."""
    cloud = _cloud(api)
    body = {"host_id": "h1", "hostname": "vm1", "cloudflavor": cloud["flavor"], "cloudprovider": cloud["provider"]}
    assert api.post("/api/cloud-hosts/", {**body, "ip_addresses": "notalist"}).json == {
        "ip_addresses": ['Expected a list of items but got type "str".']}


def test_a_virtual_server_write_answers_its_hypervisor_not_its_parent(api, dc):
    """virtual/api.py VirtualServerSaveSerializer (hypervisor = PrimaryKeyRelatedField(source='parent'),
    exclude parent)."""
    host = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    vtype = api.create("virtual-server-types", {"name": "kvm"})["id"]
    made = api.create("virtual-servers", {"type": vtype, "hypervisor": host, "hostname": "vm1"})
    assert (made["hypervisor"], "parent" in made) == (host, False)


def test_custom_field_choices_are_a_list(api):
    """lib/custom_fields/api/custom_fields_api.py CustomFieldChoicesField (a list, stored joined with |)."""
    made = api.create("custom-fields", {"name": "ch", "type": "choice list", "choices": ["a", "b"]})
    assert (made["choices"], api.get(f"/api/custom-fields/{made['id']}/").json["choices"]) == (["a", "b"], ["a", "b"])
    assert api.post("/api/custom-fields/", {"name": "c2", "type": "choice list", "choices": "a|b"}).json == {
        "choices": ["Incorrect type. Expected a list, but got str"]}


def test_cloud_host_addresses_become_ethernets_and_ips(api, dc):
    """virtual/models.py CloudHost.ip_addresses setter (run by SaveCloudHostSerializer.create and update): a new
    address gets an Ethernet and an IPAddress, a free IP is taken over, one on another object stays there, and
    the ethernets of dropped addresses are deleted; virtual/api.py CloudProjectSerializer.cloud_hosts."""
    cloud = _cloud(api)
    free = api.create("ipaddresses", {"address": "10.9.9.2"})["id"]
    asset = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    taken = api.create("ipaddresses", {"address": "10.9.9.3", "ethernet": api.create(
        "ethernets", {"base_object": asset})["id"]})["id"]
    body = {"host_id": "h1", "hostname": "vm1", "cloudflavor": cloud["flavor"], "cloudprovider": cloud["provider"],
            "parent": cloud["project"]}
    assert api.post("/api/cloud-hosts/", {**body, "ip_addresses": ["10.9.9.1", "x"]}).json == {
        "ip_addresses": ["Enter a valid IPv4 or IPv6 address."]}
    made = api.create("cloud-hosts", {**body, "ip_addresses": ["10.9.9.1", "10.9.9.2", "10.9.9.3", "10.9.9.1"]})
    assert made["ip_addresses"] == ["10.9.9.1", "10.9.9.2"]
    host = made["id"]
    doc = api.get(f"/api/cloud-hosts/{host}/").json
    assert doc["ipaddresses"] == ["10.9.9.1", "10.9.9.2"]
    assert [e["ipaddress"]["address"] for e in doc["ethernet"]] == ["10.9.9.1", "10.9.9.2"]
    assert api.get(f"/api/ipaddresses/{free}/").json["ethernet"]["base_object"]["id"] == host
    assert api.get(f"/api/ipaddresses/{taken}/").json["ethernet"]["base_object"]["id"] == asset
    assert api.get("/api/ipaddresses/", params={"address": "10.9.9.1"}).json["count"] == 1
    assert api.patch(f"/api/cloud-hosts/{host}/", {"hostname": "vm2"}).json["ip_addresses"] == [
        "10.9.9.1", "10.9.9.2"]  # not sent: kept
    assert api.patch(f"/api/cloud-hosts/{host}/", {"ip_addresses": ["10.9.9.2", "10.9.9.4"]}).json[
        "ip_addresses"] == ["10.9.9.2", "10.9.9.4"]
    assert api.get(f"/api/cloud-hosts/{host}/").json["ipaddresses"] == ["10.9.9.2", "10.9.9.4"]
    assert api.get("/api/ipaddresses/", params={"address": "10.9.9.1"}).json["count"] == 0
    assert api.get(f"/api/cloud-projects/{cloud['project']}/").json["cloud_hosts"] == [
        {"hostname": "vm2", "ip_addresses": ["10.9.9.2", "10.9.9.4"], "url": f"{H}/api/cloud-hosts/{host}/",
         "ui_url": f"{H}/virtual/cloudhost/{host}/change/"}]
    api.delete(f"/api/ipaddresses/{free}/")
    assert api.get(f"/api/cloud-projects/{cloud['project']}/").json["cloud_hosts"][0]["ip_addresses"] == [
        "10.9.9.4"]  # read from the host's ethernets, as Ralph's property
    exposed = api.get("/api/ipaddresses/", params={"address": "10.9.9.4"}).json["results"][0]
    api.patch(f"/api/ethernets/{exposed['ethernet']['id']}/", {"mac": "02:00:00:00:00:44"})
    api.patch(f"/api/ipaddresses/{exposed['id']}/", {"hostname": "vm2", "dhcp_expose": True})
    assert api.patch(f"/api/cloud-hosts/{host}/", {"ip_addresses": []}).json == {
        "ip_addresses": ["Could not delete Ethernet when it is exposed in DHCP"]}  # Ralph-ES: kept, not deleted


def test_save_serializers_with_all_fields(api, dc):
    """networks/api.py IPAddressSaveSerializer (fields="__all__": number) and NetworkEnvironmentSerializer (queue);
    virtual/api.py VirtualServerSaveSerializer (cluster); assets/api/serializers.py EthernetSerializer (model)."""
    ip = api.create("ipaddresses", {"address": "10.0.0.7"})
    assert ip["number"] == "167772167" and "number" not in api.get(f"/api/ipaddresses/{ip['id']}/").json
    vtype = api.create("virtual-server-types", {"name": "kvm"})["id"]
    host = api.create("data-center-assets", {**dc, "sn": "H1"})["id"]
    assert api.create("virtual-servers", {"type": vtype, "hypervisor": host, "hostname": "vm1"})["cluster"] is None
    eth = api.create("ethernets", {"base_object": host})
    assert (list(eth)[-1], eth["model"]) == ("model", None)
    assert list(api.get(f"/api/ethernets/{eth['id']}/").json)[-1] == "model"
    centre = api.get("/api/data-centers/").json["results"][0]["id"]
    env = api.create("network-environments", {"name": "e", "data_center": centre, "hostname_template_prefix": "s",
                                              "hostname_template_postfix": ".dc"})
    assert (list(env)[-1], env["queue"]) == ("queue", None)
    assert api.get(f"/api/network-environments/{env['id']}/").json["queue"] is None


def test_a_network_address_is_its_network(api):
    """networks/models/networks.py Network.network (ip_network(address, strict=False)) and IPNetwork.from_db_value:
    Ralph stores 10.0.0.5/24 as sent and then cannot read it; Ralph-ES stores the network."""
    made = api.create("networks", {"name": "n", "address": "10.0.0.5/24"})
    assert made["address"] == "10.0.0.0/24"
    assert api.create("networks", {"name": "v6", "address": "2001:DB8::/32"})["address"] == "2001:db8::/32"
    assert api.get("/api/networks/", params={"address": "2001:db8::/32"}).json["count"] == 1
    assert api.post("/api/networks/", {"name": "again", "address": "10.0.0.9/24"}).json == {
        "address": ["network with this network address already exists."]}  # DRF: the verbose names as declared


def test_a_virtual_server_links_its_hypervisor_as_an_asset(api, dc):
    """virtual/api.py VirtualServerSerializer.hypervisor = DataCenterAssetSimpleSerializer(source='parent'): its
    url is datacenterasset-detail of the parent's id."""
    host = api.create("data-center-assets", {**dc, "sn": "H1", "hostname": "h1"})["id"]
    vtype = api.create("virtual-server-types", {"name": "kvm"})["id"]
    vm = api.create("virtual-servers", {"type": vtype, "hypervisor": host, "hostname": "vm1"})["id"]
    assert api.get(f"/api/virtual-servers/{vm}/").json["hypervisor"] == {
        "hostname": "h1", "url": f"{H}/api/data-center-assets/{host}/",
        "ui_url": f"{H}/data_center/datacenterasset/{host}/change/"}


def test_a_domain_website_url_follows_its_type(api):
    """domains/models/domains.py Domain.clean (WebsiteType none: no URL; redirect: a URL)."""
    assert api.post("/api/domains/", {"name": "a.com", "website_type": "None",
                                      "website_url": "http://x.com"}).json == {
        "website_url": ["Website url should be empty for this website type"]}
    assert api.post("/api/domains/", {"name": "b.com", "website_type": "Redirect"}).json == {
        "website_url": ["Website url should be filled for this website type"]}
    made = api.create("domains", {"name": "b.com", "website_type": "Redirect", "website_url": "http://x.com"})
    assert api.patch(f"/api/domains/{made['id']}/", {"website_url": None}).json == {
        "website_url": ["Website url should be filled for this website type"]}
    assert api.create("domains", {"name": "c.com", "website_type": "None"})["website_type"] == "None"
