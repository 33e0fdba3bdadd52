"""Catalogue declarations: Ralph's `assets` app."""

from .fields import (
    CREATED, ID, MODIFIED, OBJECT_TYPE, STR, UI_URL, URL, CUSTOM_FIELDS, CONFIGURATION_VARIABLES,
    boolean, choice, decimal, derived, fk, floating, integer, m2m, mac, nest, reverse, string, tags, text,
    unserved,
)
from .resource import Resource
from .shapes import (
    MANUFACTURER_FLAT,
    BASE_OBJECT_FLAT, BASE_OBJECT_START, COMPONENT_START, CONFIGURATION_CLASS_FLAT, CONFIGURATION_MODULE_SIMPLE, NAMED_FLAT,
    NETWORKABLE_FILTERS, SERVICE_FLAT, named,
)

BASE_OBJECTS = Resource(
    name='base-objects',
    model='assets.BaseObject',
    polymorphic=True,
    methods=('GET', 'OPTIONS', 'HEAD'),
    filter_fields=('id', 'service_env', 'service_env__service__uid', 'content_type', 'scmstatuscheck__check_result'),
    extended_filters={'name': ['asset__hostname', 'virtualserver__hostname', 'cloudhost__hostname', 'cluster__hostname', 'cluster__name', 'configurationclass__path', 'serviceenvironment__service__name', 'cloudproject__name'], '__str__': ['asset__hostname', 'virtualserver__hostname', 'cloudhost__hostname', 'cluster__hostname', 'cluster__name', 'configurationclass__path', 'serviceenvironment__service__name', 'cloudproject__name'], 'hostname': ['asset__hostname', 'virtualserver__hostname', 'cloudhost__hostname', 'cluster__hostname'], 'sn': ['asset__sn'], 'barcode': ['asset__barcode'], 'price': ['asset__price'], 'ip': ['ethernet_set__ipaddress__address'], 'uid': ['serviceenvironment__service__uid'], 'service': ['service_env__service__uid', 'service_env__service__name'], 'env': ['service_env__environment__name']},
    additional_filters=NETWORKABLE_FILTERS,
    fields=(
        ID,
        URL,
        OBJECT_TYPE,
        STR,
        tags(read_only=True, help_text='A comma-separated list of tags.'),
        CREATED,
        MODIFIED,
        text('remarks', read_only=True),
        fk('configuration_path', 'configuration-classes', read_only=True, help_text='path to configuration for this object, for example path to puppet class'),
        fk('service_env', 'services-environments', nest(('id', 'url', 'object_type', 'custom_fields', 'configuration_variables', '__str__', 'business_owners', 'technical_owners', 'tags', 'ui_url', 'created', 'modified', 'remarks', 'configuration_path', 'service', 'environment'), configuration_path=CONFIGURATION_CLASS_FLAT, service=SERVICE_FLAT, environment=NAMED_FLAT), read_only=True),
        reverse('scmstatuscheck', 'scm-info', 'base_object', ('id', 'url', 'created', 'modified', 'last_checked', 'check_result', 'ok', 'base_object'), many=False),
        fk('parent', 'base-objects', read_only=True, on_delete='set_null'),
    ),
)


ASSETMODELS = Resource(
    name='assetmodels',
    verbose_name='model',
    view_name='Asset Model',
    model='assets.AssetModel',
    permissions_by_field=True,
    aliases=('asset-models',),
    filter_fields=('name', 'manufacturer__name', 'type', 'manufacturer', 'category'),
    fields=(
        ID,
        URL,
        CUSTOM_FIELDS,
        CONFIGURATION_VARIABLES,
        fk('category', 'categories', ('id', 'url', 'depreciation_rate', 'ui_url', 'name', 'created', 'modified', 'code', 'imei_required', 'allow_deployment', 'show_buyout_date', 'default_depreciation_rate', 'lft', 'rght', 'tree_id', 'level', 'parent'), null=True, on_delete='cascade'),
        string('name', 75, required=True, blank=False),
        CREATED,
        MODIFIED,
        choice('type', ((1, 'back office'), (2, 'data center'), (3, 'part'), (4, 'all')), required=True),
        integer('power_consumption', 'PositiveIntegerField', default=0),
        floating('height_of_device', default=0, min_value=0),
        integer('cores_count', 'PositiveIntegerField', default=0),
        choice('visualization_layout_front', ((1, 'N/A'), (2, '1 row x 2 columns'), (3, '2 rows x 8 columns'), (4, '2 rows x 16 columns (A/B)'), (5, '4 rows x 2 columns'), (6, '2 rows x 4 columns'), (7, '2 rows x 2 columns'), (8, '1 rows x 14 columns'), (9, '2 rows x 1 columns')), default=1),
        choice('visualization_layout_back', ((1, 'N/A'), (2, '1 row x 2 columns'), (3, '2 rows x 8 columns'), (4, '2 rows x 16 columns (A/B)'), (5, '4 rows x 2 columns'), (6, '2 rows x 4 columns'), (7, '2 rows x 2 columns'), (8, '1 rows x 14 columns'), (9, '2 rows x 1 columns')), default=1),
        boolean('has_parent', default=False),
        fk('manufacturer', 'manufacturers', MANUFACTURER_FLAT, null=True),
        UI_URL,
    ),
)


MANUFACTURERS = named(
    'manufacturers',
    'assets.Manufacturer',
    fk('manufacturer_kind', 'manufacturer-kind', null=True, on_delete='set_null'),
    filter_fields=('name', 'manufacturer_kind'),
)


CATEGORIES = Resource(
    name='categories',
    model='assets.Category',
    ordering=('tree_id', 'lft'),
    tree=True,
    inherit=(('depreciation_rate', 'default_depreciation_rate'),),
    filter_fields=('name',),
    fields=(
        ID,
        URL,
        floating('depreciation_rate', read_only=True),
        UI_URL,
        string('name', 75, required=True, blank=False),
        CREATED,
        MODIFIED,
        string('code', 4, default=''),
        boolean('imei_required', default=False),
        boolean('allow_deployment', default=False),
        boolean('show_buyout_date', default=False),
        decimal('default_depreciation_rate', 5, 2, default='25.00', help_text='This value is in percentage. For example value: "100" means it depreciates during a year. Value: "25" means it depreciates during 4 years, and so on... .'),
        integer('lft', 'PositiveIntegerField', read_only=True),
        integer('rght', 'PositiveIntegerField', read_only=True),
        integer('tree_id', 'PositiveIntegerField', read_only=True),
        integer('level', 'PositiveIntegerField', read_only=True),
        fk('parent', 'categories', null=True, on_delete='cascade'),
    ),
)


SERVICES = Resource(
    name='services',
    model='assets.Service',
    permissions_by_field=True,
    filter_fields=('name', 'uid', 'active', 'business_segment', 'profit_center', 'support_team'),
    write_url=True,
    additional_filters={'active': 'active'},
    fields=(
        ID,
        URL,
        m2m('business_owners', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url'), required=True, lookup='username'),
        m2m('technical_owners', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url'), required=True, lookup='username'),
        UI_URL,
        string('name', 255, required=True, blank=False, unique=True),
        CREATED,
        MODIFIED,
        boolean('active', default=True),
        string('uid', 40, null=True, unique=True, empty_as_null=True),
        string('cost_center', 100),
        fk('profit_center', 'profit-centers', ('id', 'url', 'ui_url', 'name', 'description'), null=True, lookup='name', on_delete='cascade'),
        fk('business_segment', 'business-segments', ('id', 'url', 'ui_url', 'name'), null=True, on_delete='cascade'),
        fk('support_team', 'teams', ('id', 'url', 'ui_url', 'name'), null=True, lookup='name', on_delete='cascade'),
        m2m('environments', 'environments', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), required=True, lookup='name', through='services-environments'),
    ),
)


SERVICES_ENVIRONMENTS = Resource(
    name='services-environments',
    model='assets.ServiceEnvironment',
    aliases=('service-environments',),
    base_object=True,
    methods=('GET', 'DELETE'),
    ordering=('service__name', 'environment__name'),
    filter_fields=('service__uid', 'service__name', 'service__id', 'environment__name', 'environment__id'),
    str_format='{service__name} - {environment__name}',
    unique_together=(('service', 'environment'),),
    fields=(
        *BASE_OBJECT_START,
        STR,
        derived('business_owners', 'service__business_owners', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url'), many=True, target='users'),
        derived('technical_owners', 'service__technical_owners', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url'), many=True, target='users'),
        tags(read_only=True, help_text='A comma-separated list of tags.'),
        UI_URL,
        CREATED,
        MODIFIED,
        text('remarks', read_only=True, default=''),
        fk('configuration_path', 'configuration-classes', CONFIGURATION_CLASS_FLAT, read_only=True, help_text='path to configuration for this object, for example path to puppet class'),
        fk('service', 'services', SERVICE_FLAT, read_only=True, on_delete='cascade'),
        fk('environment', 'environments', NAMED_FLAT, read_only=True, on_delete='cascade'),
    ),
)


ENVIRONMENTS = named('environments', 'assets.Environment')


CONFIGURATION_MODULES = Resource(
    name='configuration-modules',
    write_url=True,
    model='assets.ConfigurationModule',
    unique_together=(('parent', 'name'),),
    methods=('GET', 'POST', 'OPTIONS', 'HEAD'),
    ordering=('parent__name', 'name'),
    filter_fields=('parent', 'name'),
    fields=(
        ID,
        URL,
        string('name', 255, required=True, blank=False, validators=(('regex', r'\w+', 'Enter a valid value.'),),
               help_text='module name (ex. directory name in puppet)'),
        fk('parent', 'configuration-modules', null=True, on_delete='cascade'),
        fk('support_team', 'teams', null=True, on_delete='set_null'),
        UI_URL,
        reverse('children_modules', 'configuration-modules', 'parent', None),
        CUSTOM_FIELDS,
    ),
)


CONFIGURATION_CLASSES = Resource(
    name='configuration-classes',
    hooks=('configuration_class_path',),
    model='assets.ConfigurationClass',
    unique_together=(('module', 'class_name'),),
    base_object=True,
    methods=('GET', 'POST', 'OPTIONS', 'HEAD'),
    ordering=('path',),
    filter_fields=('module', 'module__name', 'class_name', 'path'),
    str_format='{path}',
    fields=(
        *BASE_OBJECT_START,
        STR,
        fk('module', 'configuration-modules', CONFIGURATION_MODULE_SIMPLE, required=True, on_delete='cascade'),
        tags(help_text='A comma-separated list of tags.'),
        UI_URL,
        CREATED,
        MODIFIED,
        text('remarks'),
        string('class_name', 255, required=True, blank=False, validators=(('regex', r'\w+', 'Enter a valid value.'),),
               help_text='ex. puppet class'),
        string('path', 511, read_only=True, default='', help_text='path is constructed from name of module and name of class'),
        fk('parent', 'base-objects', null=True, on_delete='set_null'),
    ),
)


BUDGET_INFO = named('budget-info', 'assets.BudgetInfo', ordering=(), verbose_name='Budget info')


PROFIT_CENTERS = Resource(
    name='profit-centers',
    write_url=True,
    model='assets.ProfitCenter',
    ordering=('name',),
    filter_fields=('name',),
    fields=(
        ID,
        string('name', 255, required=True, blank=False, unique=True),
        text('description'),
        URL,
        UI_URL,
    ),
)


BUSINESS_SEGMENTS = named('business-segments', 'assets.BusinessSegment', timestamps=False)


ETHERNETS = Resource(
    name='ethernets',
    model='assets.Ethernet',
    clean_hooks=('ethernet_dhcp',),
    delete_hooks=('ethernet_not_exposed',),
    ordering=('base_object', 'mac'),
    filter_fields=('base_object', 'ipaddress__address', 'label', 'mac'),
    fields=(
        ID,
        URL,
        reverse('ipaddress', 'ipaddresses', 'ethernet', ('id', 'address', 'hostname', 'dhcp_expose', 'is_management', 'url', 'ui_url'), many=False),
        UI_URL,
        CREATED,
        MODIFIED,
        string('model_name', 255, null=True),
        string('label', 255, null=True, empty_as_null=True),
        mac('mac', null=True, unique=True, verbose_name='MAC address'),
        choice('speed', ((1, '10 Mbps'), (2, '100 Mbps'), (3, '1 Gbps'), (4, '10 Gbps'), (5, '40 Gbps'), (6, '100 Gbps'), (7, '25 Gbps'), (11, 'unknown speed')), default=11),
        string('firmware_version', 255, null=True),
        fk('base_object', 'base-objects', BASE_OBJECT_FLAT, required=True, on_delete='cascade'),
        unserved('model'),  # Component.model: component models have no endpoint
    ),
    write_include=('model',),
)


ASSETHOLDERS = named('assetholders', 'assets.AssetHolder', max_length=75, unique=False)


MANUFACTURER_KIND = named('manufacturer-kind', 'assets.ManufacturerKind', timestamps=False)


MEMORY = Resource(
    name='memory',
    model='assets.Memory',
    filter_fields=('base_object', 'size'),
    fields=(
        *COMPONENT_START,
        integer('size', 'PositiveIntegerField', required=True),
        integer('speed', 'PositiveIntegerField', null=True),
        fk('base_object', 'base-objects', BASE_OBJECT_FLAT, required=True, on_delete='cascade'),
    ),
)


DISKS = Resource(
    name='disks',
    model='assets.Disk',
    filter_fields=('base_object', 'serial_number', 'size'),
    fields=(
        *COMPONENT_START,
        integer('size', 'PositiveIntegerField', required=True),
        string('serial_number', 255, null=True),
        integer('slot', 'PositiveIntegerField', null=True),
        string('firmware_version', 255, null=True),
        fk('base_object', 'base-objects', BASE_OBJECT_FLAT, required=True, on_delete='cascade'),
    ),
)


PROCESSORS = Resource(
    name='processors',
    model='assets.Processor',
    filter_fields=('base_object', 'cores'),
    fields=(
        *COMPONENT_START,
        integer('speed', 'PositiveIntegerField', null=True),
        integer('cores', 'PositiveIntegerField', null=True),
        integer('logical_cores', 'PositiveIntegerField', null=True),
        fk('base_object', 'base-objects', BASE_OBJECT_FLAT, required=True, on_delete='cascade'),
    ),
)


FIBRE_CHANNEL_CARDS = Resource(
    name='fibre-channel-cards',
    model='assets.FibreChannelCard',
    filter_fields=('base_object', 'wwn'),
    fields=(
        *COMPONENT_START,
        string('firmware_version', 255, null=True),
        choice('speed', ((1, '1 Gbit'), (2, '2 Gbit'), (3, '4 Gbit'), (4, '8 Gbit'), (5, '16 Gbit'), (6, '32 Gbit'), (11, 'unknown speed')), default=11),
        string('wwn', 255, null=True, unique=True, verbose_name='WWN', empty_as_null=True),
        fk('base_object', 'base-objects', BASE_OBJECT_FLAT, required=True, on_delete='cascade'),
    ),
)

#: Ralph's hostname counters: the last number given to hostnames ``<prefix><counter><postfix>``.
ASSET_LAST_HOSTNAMES = Resource(
    name='asset-last-hostnames',
    model='assets.AssetLastHostname',
    internal=True,
    unique_together=(('prefix', 'postfix'),),
    fields=(
        ID,
        string('prefix', 30, read_only=True),
        integer('counter', 'PositiveIntegerField', default=1, read_only=True),
        string('postfix', 30, default='', read_only=True),
    ),
)

RESOURCES = (
    BASE_OBJECTS,
    ASSET_LAST_HOSTNAMES,
    ASSETMODELS,
    MANUFACTURERS,
    CATEGORIES,
    SERVICES,
    SERVICES_ENVIRONMENTS,
    ENVIRONMENTS,
    CONFIGURATION_MODULES,
    CONFIGURATION_CLASSES,
    BUDGET_INFO,
    PROFIT_CENTERS,
    BUSINESS_SEGMENTS,
    ETHERNETS,
    ASSETHOLDERS,
    MANUFACTURER_KIND,
    MEMORY,
    DISKS,
    PROCESSORS,
    FIBRE_CHANNEL_CARDS,
)
