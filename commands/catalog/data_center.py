"""Catalogue declarations: Ralph's `data_center` app."""

from .choices import COUNTRIES
from .fields import (
    computed, CREATED, ID, MODIFIED, UI_URL, URL, boolean,
    choice, date, fk, floating, integer, m2m, nest, reverse, string, text, value,
)
from .resource import Resource
from .shapes import (
    ASSET_FIELDS, ASSET_MODEL, ASSET_MODEL_FLAT, BASE_OBJECT_DEEP, BASE_OBJECT_FLAT, BASE_OBJECT_HEAD, BASE_OBJECT_META,
    BASE_OBJECT_START, CONFIGURATION_CLASS_FLAT, HOST_PARTS, NAMED_FLAT, NETWORKABLE_FILTERS, SCANS, SERVICE_ENV_FLAT,
    SERVICE_FILTERS, SERVICE_OWNERS, named,
)

#: A Rack, ServerRoom and DataCenter nested at depth 0.
RACK_FLAT = ('id', 'url', 'ui_url', 'name', 'description', 'orientation', 'max_u_height', 'visualization_col', 'visualization_row', 'require_position', 'reverse_ordering', 'server_room')
SERVER_ROOM_FLAT = ('id', 'url', 'ui_url', 'name', 'visualization_cols_num', 'visualization_rows_num', 'data_center')
DATA_CENTER_FLAT = ('id', 'url', 'ui_url', 'name', 'show_on_dashboard', 'company', 'country', 'city', 'address', 'latitude', 'longitude', 'type', 'shortcut')
#: A server room nested at depth 1 (in racks and, through SimpleRackSerializer, in data-center assets).
SERVER_ROOM = nest(SERVER_ROOM_FLAT, data_center=DATA_CENTER_FLAT)

DATA_CENTER_ASSETS = Resource(
    name='data-center-assets',
    transitions=True,
    model='data_center.DataCenterAsset',
    base_object=True,
    filter_fields=('service_env__service__uid', 'service_env__service__name', 'service_env__service__id', 'service_env__environment__name', 'firmware_version', 'bios_version', 'barcode', 'sn', 'hostname', 'invoice_no', 'order_no', 'ethernet_set__ipaddress__address', 'ethernet_set__ipaddress__hostname', 'service_env', 'configuration_path__path', 'configuration_path__module', 'securityscan__vulnerabilities__patch_deadline', 'securityscan__vulnerabilities', 'securityscan__is_patched', 'invoice_date', 'status', 'model__name', 'model__category', 'depreciation_end_date', 'force_depreciation', 'remarks', 'budget_info', 'rack', 'rack__server_room', 'rack__server_room__data_center', 'position', 'property_of', 'fibrechannelcard_set__wwn', 'scmstatuscheck__check_result', 'scmstatuscheck__last_checked'),
    extended_filters=SERVICE_FILTERS,
    str_format='{hostname|-} (BC: {barcode|-} / SN: {sn|-})',
    clean_hooks=('asset_identity',),
    hooks=('rack_position',),
    propagate=(('data-center-assets', 'parent', ('rack', 'position')),),  # DataCenterAsset.save: blades follow
    additional_filters=NETWORKABLE_FILTERS,
    fields=(
        ID,
        URL,
        *SERVICE_OWNERS,
        *HOST_PARTS,
        *BASE_OBJECT_META,
        *BASE_OBJECT_HEAD,
        fk('rack', 'racks', nest(RACK_FLAT, server_room=SERVER_ROOM),  required=True),
        *SCANS,
        computed('related_hosts', 'related_hosts', [('virtual-servers', 'parent'), ('data-center-assets', 'parent'),
                                                    ('cloud-hosts', 'hypervisor')]),
        CREATED,
        MODIFIED,
        text('remarks'),
        *ASSET_FIELDS,
        choice('status', ((1, 'new'), (2, 'in use'), (3, 'free'), (4, 'damaged'), (5, 'liquidated'), (6, 'to deploy'), (7, 'cleaned'), (8, 'pre liquidated')), default=1),
        integer('position', null=True),
        choice('orientation', ((1, 'front'), (2, 'back'), (3, 'middle'), (101, 'left'), (102, 'right')), default=1),
        string('vendor_contract_number', 256, null=True),
        floating('leasing_rate', null=True),
        string('slot_no', 3, null=True, help_text='Fill it if asset is blade server',
               validators=(('regex', r'^([1-9][A,B]?|1[0-6][A,B]?)$', "Slot number should be a number from range 1-16 with an optional postfix 'A' or 'B' (e.g. '16A')"),)),
        string('firmware_version', 256, null=True),
        string('bios_version', 256, null=True),
        choice('source', ((1, 'shipment'), (2, 'salvaged')), null=True),
        date('delivery_date', null=True),
        integer('production_year', 'PositiveSmallIntegerField', null=True),
        date('production_use_date', null=True),
        fk('parent', 'base-objects', BASE_OBJECT_DEEP, null=True, on_delete='set_null'),
        fk('model', 'assetmodels', ASSET_MODEL, required=True),
        fk('budget_info', 'budget-info', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
        fk('property_of', 'assetholders', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
        m2m('connections', 'data-center-assets', nest(('id', 'url', 'tags', 'ui_url', 'created', 'modified', 'remarks', 'price_currency', 'price', 'hostname', 'sn', 'barcode', 'niw', 'required_support', 'order_no', 'invoice_no', 'invoice_date', 'provider', 'depreciation_rate', 'force_depreciation', 'depreciation_end_date', 'buyout_date', 'task_url', 'start_usage', 'status', 'position', 'orientation', 'vendor_contract_number', 'leasing_rate', 'slot_no', 'firmware_version', 'bios_version', 'source', 'delivery_date', 'production_year', 'production_use_date', 'parent', 'service_env', 'configuration_path', 'model', 'budget_info', 'property_of', 'rack', 'connections'),
             parent=BASE_OBJECT_FLAT, service_env=SERVICE_ENV_FLAT, configuration_path=CONFIGURATION_CLASS_FLAT, model=ASSET_MODEL_FLAT,
             budget_info=NAMED_FLAT, property_of=NAMED_FLAT, rack=RACK_FLAT), read_only=True),
    ),
)


RACKS = Resource(
    name='racks',
    model='data_center.Rack',
    unique_together=(('name', 'server_room'),),
    filter_fields=('name', 'server_room__data_center'),
    fields=(
        ID,
        URL,
        reverse('accessories', 'rack-accessories', 'rack', ('id', 'url', 'name', 'ui_url', 'orientation', 'position', 'remarks', 'accessory', 'rack')),
        UI_URL,
        string('name', 75, required=True, blank=False),
        string('description', 250),
        choice('orientation', ((1, 'top'), (2, 'bottom'), (3, 'left'), (4, 'right')), default=1),
        integer('max_u_height', default=48),
        integer('visualization_col', 'PositiveIntegerField', default=0),
        integer('visualization_row', 'PositiveIntegerField', default=0),
        boolean('require_position', default=True, help_text='Uncheck if position is optional for this rack (ex. when rack has warehouse-kind role'),
        boolean('reverse_ordering', default=False, help_text='Check if RU numbers count from top to bottom with position 1 starting at the top of the rack. If unchecked position 1 is at the bottom of the rack'),
        fk('server_room', 'server-rooms', SERVER_ROOM, required=True, null=True, on_delete='cascade'),
    ),
)


SERVER_ROOMS = named(
    'server-rooms',
    'data_center.ServerRoom',
    integer('visualization_cols_num', 'PositiveIntegerField', default=20, min_value=1, max_value=100),
    integer('visualization_rows_num', 'PositiveIntegerField', default=20, min_value=1, max_value=100),
    fk('data_center', 'data-centers', DATA_CENTER_FLAT, required=True, on_delete='cascade'),
    max_length=75,
    unique=False,
    timestamps=False,
    filter_fields=('name', 'data_center__name'),
)


DATA_CENTERS = named(
    'data-centers',
    'data_center.DataCenter',
    boolean('show_on_dashboard', default=True),
    string('company', 256, null=True),
    choice('country', COUNTRIES, null=True),
    string('city', 256, null=True),
    string('address', 256, null=True),
    floating('latitude', null=True),
    floating('longitude', null=True),
    choice('type', ((1, 'dc'), (2, 'cowork'), (3, 'callcenter'), (4, 'depot'), (5, 'warehouse'), (6, 'retail'), (7, 'office')), null=True),
    string('shortcut', 256, null=True),
    timestamps=False,
    filter_fields=('name', 'shortcut', 'company', 'country', 'city', 'address', 'type'),
)


ACCESSORIES = named('accessories', 'data_center.Accessory', timestamps=False, ordering=())


CLUSTERS = Resource(
    name='clusters',
    transitions=True,
    model='data_center.Cluster',
    base_object=True,
    filter_fields=('name', 'hostname', 'ethernet_set__ipaddress__hostname', 'type', 'service_env', 'configuration_path', 'status'),
    extended_filters=SERVICE_FILTERS,
    str_format='{name,hostname} ({type|None})',
    hooks=('name_or_hostname',),
    additional_filters=NETWORKABLE_FILTERS,
    fields=(
        ID,
        URL,
        *SERVICE_OWNERS,
        reverse('ethernet', 'ethernets', 'base_object', ('id', 'mac', 'ipaddress', 'url', 'ui_url')),
        computed('ipaddresses', 'ip_addresses', [('ethernets', 'base_object')]),
        *BASE_OBJECT_META,
        *BASE_OBJECT_HEAD,
        reverse('base_objects', 'base-object-clusters', 'cluster', ('id', 'url', 'base_object', 'is_master')),
        computed('masters', 'cluster_masters', [('base-object-clusters', 'cluster')]),
        CREATED,
        MODIFIED,
        text('remarks'),
        string('name', 255, null=True),
        string('hostname', 255, null=True, unique=True, unique_scope='cluster', empty_as_null=True),
        choice('status', ((1, 'in use'), (2, 'for deploy')), default=1),
        fk('type', 'cluster-types', ('id', 'url', 'ui_url', 'name', 'show_master_summary'), required=True, on_delete='cascade'),
    ),
)


RACK_ACCESSORIES = Resource(
    name='rack-accessories',
    model='data_center.RackAccessory',
    filter_fields=('accessory__name', 'rack__name'),
    fields=(
        ID,
        URL,
        value('name', 'accessory__name'),
        UI_URL,
        choice('orientation', ((1, 'front'), (2, 'back'), (3, 'middle'), (101, 'left'), (102, 'right')), default=1),
        integer('position', null=True),
        string('remarks', 1024),
        fk('accessory', 'accessories', required=True, on_delete='cascade'),
        fk('rack', 'racks', required=True, on_delete='cascade'),
    ),
)


DATABASES = Resource(
    name='databases',
    model='data_center.Database',
    base_object=True,
    filter_fields=(),
    str_format='Database: {service_env|None}',
    fields=(
        *BASE_OBJECT_START,
        *BASE_OBJECT_HEAD,
        CREATED,
        MODIFIED,
        text('remarks'),
        fk('parent', 'base-objects', BASE_OBJECT_FLAT, null=True, on_delete='set_null'),
    ),
)


VIPS = Resource(
    name='vips',
    verbose_name='VIP',
    view_name='VIP',
    model='data_center.VIP',
    unique_together=(('ip', 'port', 'protocol'),),
    base_object=True,
    filter_fields=('name', 'ip__address', 'ip', 'port', 'protocol', 'service_env', 'parent'),
    str_format='IP: {ip|None}, port: {port|None}, protocol: {protocol|None}',
    fields=(
        *BASE_OBJECT_START,
        *BASE_OBJECT_HEAD,
        CREATED,
        MODIFIED,
        text('remarks'),
        string('name', 255, required=True, blank=False),
        integer('port', 'PositiveIntegerField', default=0),
        choice('protocol', ((1, 'TCP'), (2, 'UDP')), default=1),
        fk('parent', 'base-objects', BASE_OBJECT_FLAT, null=True, on_delete='set_null'),
        fk('ip', 'ipaddresses', ('id', 'url', 'ui_url', 'created', 'modified', 'last_seen', 'address', 'hostname', 'number', 'is_management', 'is_public', 'is_gateway', 'status', 'dhcp_expose', 'ethernet', 'network'), required=True, on_delete='cascade'),
    ),
)


CLUSTER_TYPES = named(
    'cluster-types',
    'data_center.ClusterType',
    boolean('show_master_summary', default=False, help_text='show master information on cluster page, ex. hostname, model, location etc.'),
    timestamps=False,
)


BASE_OBJECT_CLUSTERS = Resource(
    name='base-object-clusters',
    write_url=True,
    model='data_center.BaseObjectCluster',
    unique_together=(('cluster', 'base_object'),),
    filter_fields=(),
    fields=(
        ID,
        URL,
        fk('base_object', 'base-objects', required=True, on_delete='cascade'),
        boolean('is_master', default=False),
        fk('cluster', 'clusters', required=True, on_delete='cascade'),
    ),
)

RESOURCES = (
    DATA_CENTER_ASSETS,
    RACKS,
    SERVER_ROOMS,
    DATA_CENTERS,
    ACCESSORIES,
    CLUSTERS,
    RACK_ACCESSORIES,
    DATABASES,
    VIPS,
    CLUSTER_TYPES,
    BASE_OBJECT_CLUSTERS,
)
