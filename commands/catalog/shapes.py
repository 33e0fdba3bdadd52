"""Field groups and shapes shared by several resources (Ralph's parent models)."""

from .fields import (
    CONFIGURATION_VARIABLES, CREATED, CUSTOM_FIELDS, ID, MODIFIED, OBJECT_TYPE, STR, UI_URL, URL, boolean,
    computed, date, decimal, derived, fk, nest, reverse, string, tags,
)
from .resource import Resource

# Nested shapes. A plain tuple is what DRF nests at depth 0: the model's fields, relations as URLs.

#: A BaseObject nested at depth 0.
BASE_OBJECT_FLAT = ('id', 'url', 'tags', 'created', 'modified', 'remarks', 'parent', 'service_env', 'configuration_path')
#: A ServiceEnvironment nested at depth 0.
SERVICE_ENV_FLAT = ('id', 'url', 'tags', 'ui_url', 'created', 'modified', 'remarks', 'parent', 'service_env', 'configuration_path', 'service', 'environment')
#: A ConfigurationClass nested at depth 0.
CONFIGURATION_CLASS_FLAT = ('id', 'url', 'tags', 'ui_url', 'created', 'modified', 'remarks', 'class_name', 'path', 'parent', 'service_env', 'configuration_path', 'module')
#: A Service nested at depth 0.
SERVICE_FLAT = ('id', 'url', 'ui_url', 'name', 'created', 'modified', 'active', 'uid', 'cost_center', 'profit_center', 'business_segment', 'support_team', 'environments', 'business_owners', 'technical_owners')
#: Named records with timestamps nested at depth 0 (environments, budget info, asset holders...).
NAMED_FLAT = ('id', 'url', 'ui_url', 'name', 'created', 'modified')
#: A Category nested at depth 0 (AssetModelSerializer's own adds ``depreciation_rate``).
CATEGORY_FLAT = ('id', 'url', 'ui_url', 'name', 'created', 'modified', 'code', 'imei_required', 'allow_deployment', 'show_buyout_date', 'default_depreciation_rate', 'lft', 'rght', 'tree_id', 'level', 'parent')
#: A Manufacturer nested at depth 0.
MANUFACTURER_FLAT = ('id', 'url', 'ui_url', 'name', 'created', 'modified', 'manufacturer_kind')
#: An AssetModel nested at depth 0.
ASSET_MODEL_FLAT = ('id', 'url', 'ui_url', 'name', 'created', 'modified', 'type', 'power_consumption', 'height_of_device', 'cores_count', 'visualization_layout_front', 'visualization_layout_back', 'has_parent', 'manufacturer', 'category')
#: An AssetModel nested at depth 1 (in data-center and back-office assets).
ASSET_MODEL = nest(ASSET_MODEL_FLAT, manufacturer=MANUFACTURER_FLAT, category=CATEGORY_FLAT)
#: A Region nested at depth 0.
REGION_FLAT = ('id', 'url', 'ui_url', 'name', 'country', 'stocktaking_enabled')
#: The parent of a BaseObject serialized with depth 2 (a BaseObject nested at depth 1).
BASE_OBJECT_DEEP = nest(BASE_OBJECT_FLAT, parent=BASE_OBJECT_FLAT, service_env=SERVICE_ENV_FLAT, configuration_path=CONFIGURATION_CLASS_FLAT)

#: ServiceEnvironmentSimpleSerializer.
SERVICE_ENV_SIMPLE = ('id', 'service=service__name', 'environment=environment__name', 'url', 'service_uid=service__uid', 'ui_url')
#: ConfigurationModuleSimpleSerializer.
CONFIGURATION_MODULE_SIMPLE = ('id', 'url', 'name', 'parent', 'support_team', 'ui_url')
#: ConfigurationClassSimpleSerializer (the ``configuration_path`` of BaseObjects).
CONFIGURATION_CLASS_SIMPLE = ('id', 'url', ('module', CONFIGURATION_MODULE_SIMPLE), 'ui_url', 'created', 'modified', 'remarks', 'class_name', 'path', 'service_env')
#: SimpleLicenceSerializer (a licence as its assignments nest it: depth 1, no links to base objects or users).
LICENCE_SIMPLE = ('id', 'url', 'ui_url', 'created', 'modified', 'remarks', 'price_currency', 'price', 'number_bought', 'sn', 'niw', 'invoice_date', 'valid_thru', 'order_no', 'depreciation_rate', 'accounting_id', 'provider', 'invoice_no', 'license_details', 'start_usage',
                  ('region', REGION_FLAT), ('manufacturer', MANUFACTURER_FLAT), ('licence_type', ('id', 'url', 'ui_url', 'name')), ('property_of', NAMED_FLAT),
                  ('software', ('id', 'url', 'ui_url', 'name', 'asset_type')), ('office_infrastructure', NAMED_FLAT), ('budget_info', NAMED_FLAT))
#: A Vulnerability as security scans nest it.
VULNERABILITY = ('id', 'url', 'tags', 'ui_url', 'created', 'modified', 'name', 'display_name', 'patch_deadline', 'risk', 'external_vulnerability_id')

#: Type and custom fields of a BaseObject.
BASE_OBJECT_META = (
    OBJECT_TYPE,
    CUSTOM_FIELDS,
    CONFIGURATION_VARIABLES,
)

#: The first fields of most BaseObject representations.
BASE_OBJECT_START = (ID, URL, *BASE_OBJECT_META)

#: Owners of the record's service (through its service environment).
SERVICE_OWNERS = (
    derived('business_owners', 'service_env__service__business_owners', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url'), many=True, target='users'),
    derived('technical_owners', 'service_env__service__technical_owners', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url'), many=True, target='users'),
)

#: Ethernets, IP addresses and components of a host.
HOST_PARTS = (
    reverse('ethernet', 'ethernets', 'base_object', ('id', 'mac', 'ipaddress', 'url', 'ui_url')),
    computed('ipaddresses', 'ip_addresses', [('ethernets', 'base_object')]),
    reverse('disk', 'disks', 'base_object', ('id', 'url', 'size', 'serial_number', 'slot', 'firmware_version', 'ui_url')),
    reverse('memory', 'memory', 'base_object', ('id', 'url', 'size', 'speed', 'ui_url')),
    reverse('processors', 'processors', 'base_object', ('id', 'url', 'speed', 'cores', 'logical_cores', 'ui_url')),
)

#: The record's SCM status check and security scan.
SCANS = (
    reverse('scmstatuscheck', 'scm-info', 'base_object', ('id', 'url', 'created', 'modified', 'last_checked', 'check_result', 'ok', 'base_object'), many=False),
    reverse('securityscan', 'security-scans', 'base_object', ('id', 'url', ('vulnerabilities', VULNERABILITY), 'tags', 'ui_url', 'created', 'modified', 'last_scan_date', 'scan_status', 'next_scan_date', 'details_url', 'rescan_url', 'is_patched', 'base_object'), many=False),
)

#: The first fields of every component (disks, memory, processors...).
COMPONENT_START = (
    ID,
    URL,
    UI_URL,
    CREATED,
    MODIFIED,
    string('model_name', 255, null=True),
)

#: Links every BaseObject renders: ``__str__``, tags, service environment, licences, configuration.
BASE_OBJECT_LINKS = (
    STR,
    tags(help_text='A comma-separated list of tags.'),
    fk('service_env', 'services-environments', SERVICE_ENV_SIMPLE, null=True),
    reverse('licences', 'base-objects-licences', 'base_object', ('id', 'url', ('licence', LICENCE_SIMPLE), 'quantity', 'base_object')),
    fk('configuration_path', 'configuration-classes', CONFIGURATION_CLASS_SIMPLE, null=True, help_text='path to configuration for this object, for example path to puppet class'),
)

#: BaseObject fields that assets render right after ``__str__``.
BASE_OBJECT_HEAD = (*BASE_OBJECT_LINKS, UI_URL)

#: ISO 4217's code for "no currency": the default currency of Ralph's (django-money) prices.
NO_CURRENCY = 'XXX'
#: The currency of ``price``: read-only in Ralph's API, so it stays the default.
PRICE_CURRENCY = string('price_currency', 3, read_only=True, default=NO_CURRENCY)
#: A price with its currency, in the order most of Ralph's models declare them.
PRICE = (PRICE_CURRENCY, decimal('price', 15, 2, null=True))

#: Fields of Ralph's ``assets.Asset`` (data-center and back-office assets).
ASSET_FIELDS = (
    *PRICE,
    string('hostname', 255, null=True, empty_as_null=True),
    string('sn', 200, null=True, unique=True, verbose_name='SN', declared_on='asset', empty_as_null=True,
           validators=(('not_regex', r'\s', 'No spaces allowed'),)),
    string('barcode', 200, null=True, unique=True, declared_on='asset', empty_as_null=True,
           validators=(('not_regex', r'\s', 'No spaces allowed'),)),
    string('niw', 200, null=True, empty_as_null=True),
    boolean('required_support', default=False),
    string('order_no', 50, null=True),
    string('invoice_no', 128, null=True),
    date('invoice_date', null=True),
    string('provider', 100, null=True),
    decimal('depreciation_rate', 5, 2, default='25.00', help_text='This value is in percentage. For example value: "100" means it depreciates during a year. Value: "25" means it depreciates during 4 years, and so on... .'),
    boolean('force_depreciation', default=False, help_text='Check if you no longer want to bill for this asset'),
    date('depreciation_end_date', null=True),
    date('buyout_date', null=True),
    string('task_url', 2048, null=True, text_format='url', help_text='External workflow system URL'),
    date('start_usage', null=True, help_text='Fill it if date of first usage is different then date of creation'),
)


def named(name: str, model: str, *extra, max_length: int = 255, unique: bool = True, timestamps: bool = True,
          ordering: tuple[str, ...] = ("name",), filter_fields: tuple[str, ...] = ("name",), **kw) -> Resource:
    """A Ralph "named" dictionary: id, url, ui_url, name, created, modified, then ``extra``."""
    fields = (ID, URL, UI_URL, string("name", max_length, required=True, blank=False, unique=unique),
              *((CREATED, MODIFIED) if timestamps else ()), *extra)
    return Resource(name=name, model=model, ordering=ordering, filter_fields=filter_fields, fields=fields, **kw)


#: Extended filters of every networkable BaseObject (``service`` and ``env``).
SERVICE_FILTERS = {'service': ['service_env__service__uid', 'service_env__service__name'], 'env': ['service_env__environment__name']}

#: Additional filters of networkable BaseObjects (Ralph's NetworkableBaseObjectFilter).
NETWORKABLE_FILTERS = {'configuration_path__module__name': 'configuration_path__module__name', 'configuration_path': 'configuration_path__path', 'ip': 'ethernet_set__ipaddress__address'}
