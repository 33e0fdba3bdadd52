"""Catalogue declarations: data_center."""

from .choices import COUNTRIES
from .fields import (
    CREATED, ID, MODIFIED, OBJECT_TYPE, UI_URL, URL, boolean, choice, const, date, derived, fk,
    floating, integer, m2m, reverse, string, text,
)
from .resource import Resource
from .shapes import ASSET_FIELDS, BASE_OBJECT_HEAD

DATA_CENTERS = Resource(
    name='data-centers',
    model='data_center.DataCenter',
    ordering=('name',),
    filter_fields=('name', 'shortcut', 'company', 'country', 'city', 'address', 'type'),
    fields=(
        ID,
        URL,
        UI_URL,
        string('name', 255, required=True, blank=False, unique=True),
        boolean('show_on_dashboard', default=True),
        string('company', 256, null=True),
        choice('country', COUNTRIES, null=True),
        string('city', 256, null=True),
        string('address', 256, null=True),
        floating('latitude', null=True),
        floating('longitude', null=True),
        choice('type', ((1, 'dc'), (2, 'cowork'), (3, 'callcenter'), (4, 'depot'), (5, 'warehouse'), (6, 'retail'), (7, 'office')), null=True),
        string('shortcut', 256, null=True),
    ),
)

SERVER_ROOMS = Resource(
    name='server-rooms',
    model='data_center.ServerRoom',
    ordering=('name',),
    filter_fields=('name', 'data_center__name'),
    fields=(
        ID,
        URL,
        UI_URL,
        string('name', 75, required=True, blank=False),
        integer('visualization_cols_num', default=20),
        integer('visualization_rows_num', default=20),
        fk('data_center', 'data-centers', ('id', 'url', 'ui_url', 'name', 'show_on_dashboard', 'company', 'country', 'city', 'address', 'latitude', 'longitude', 'type', 'shortcut'), required=True),
    ),
)

RACKS = Resource(
    name='racks',
    model='data_center.Rack',
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
        integer('visualization_col', default=0),
        integer('visualization_row', default=0),
        boolean('require_position', default=True, help_text='Uncheck if position is optional for this rack (ex. when rack has warehouse-kind role'),
        boolean('reverse_ordering', default=False, help_text='Check if RU numbers count from top to bottom with position 1 starting at the top of the rack. If unchecked position 1 is at the bottom of the rack'),
        fk('server_room', 'server-rooms', ('id', 'url', 'ui_url', 'name', 'visualization_cols_num', 'visualization_rows_num', 'data_center'), required=True, null=True),
    ),
)

DATA_CENTER_ASSETS = Resource(
    name='data-center-assets',
    model='data_center.DataCenterAsset',
    base_object=True,
    filter_fields=('service_env__service__uid', 'service_env__service__name', 'service_env__service__id', 'service_env__environment__name', 'firmware_version', 'bios_version', 'barcode', 'sn', 'hostname', 'invoice_no', 'order_no', 'ethernet_set__ipaddress__address', 'ethernet_set__ipaddress__hostname', 'service_env', 'configuration_path__path', 'configuration_path__module', 'securityscan__vulnerabilities__patch_deadline', 'securityscan__vulnerabilities', 'securityscan__is_patched', 'invoice_date', 'status', 'model__name', 'model__category', 'depreciation_end_date', 'force_depreciation', 'remarks', 'budget_info', 'rack', 'rack__server_room', 'rack__server_room__data_center', 'position', 'property_of', 'fibrechannelcard_set__wwn', 'scmstatuscheck__check_result', 'scmstatuscheck__last_checked'),
    extended_filters={'service': ['service_env__service__uid', 'service_env__service__name'], 'env': ['service_env__environment__name']},
    str_format='{hostname|-} (BC: {barcode|-} / SN: {sn|-})',
    fields=(
        ID,
        URL,
        derived('business_owners', 'service_env__service__business_owners', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url'), many=True, target='users'),
        derived('technical_owners', 'service_env__service__technical_owners', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url'), many=True, target='users'),
        reverse('ethernet', 'ethernets', 'base_object', ('id', 'mac', 'ipaddress', 'url', 'ui_url')),
        const('ipaddresses', []),
        reverse('disk', 'disks', 'base_object', ('id', 'url', 'size', 'serial_number', 'slot', 'firmware_version', 'ui_url')),
        reverse('memory', 'memory', 'base_object', ('id', 'url', 'size', 'speed', 'ui_url')),
        reverse('processors', 'processors', 'base_object', ('id', 'url', 'speed', 'cores', 'logical_cores', 'ui_url')),
        OBJECT_TYPE,
        const('custom_fields', {}),
        const('configuration_variables', {}),
        *BASE_OBJECT_HEAD,
        fk('rack', 'racks', ('id', 'url', 'ui_url', 'name', 'description', 'orientation', 'max_u_height', 'visualization_col', 'visualization_row', 'require_position', 'reverse_ordering', 'server_room'), required=True, null=True),
        reverse('scmstatuscheck', 'scm-info', 'base_object', ('id', 'url', 'created', 'modified', 'last_checked', 'check_result', 'ok', 'base_object'), many=False),
        reverse('securityscan', 'security-scans', 'base_object', ('id', 'url', 'vulnerabilities', 'tags', 'ui_url', 'created', 'modified', 'last_scan_date', 'scan_status', 'next_scan_date', 'details_url', 'rescan_url', 'is_patched', 'base_object'), many=False),
        const('related_hosts', {'virtual_servers': [], 'physical_servers': [], 'cloud_hosts': []}),
        CREATED,
        MODIFIED,
        text('remarks'),
        *ASSET_FIELDS,
        choice('status', ((1, 'new'), (2, 'in use'), (3, 'free'), (4, 'damaged'), (5, 'liquidated'), (6, 'to deploy'), (7, 'cleaned'), (8, 'pre liquidated')), default=1),
        integer('position', null=True),
        choice('orientation', ((1, 'front'), (2, 'back'), (3, 'middle'), (101, 'left'), (102, 'right')), default=1),
        string('vendor_contract_number', 256, null=True),
        floating('leasing_rate', null=True),
        string('slot_no', 3, null=True, help_text='Fill it if asset is blade server'),
        string('firmware_version', 256, null=True),
        string('bios_version', 256, null=True),
        choice('source', ((1, 'shipment'), (2, 'salvaged')), null=True),
        date('delivery_date', null=True),
        integer('production_year', null=True),
        date('production_use_date', null=True),
        fk('parent', 'base-objects', ('id', 'url', 'tags', 'created', 'modified', 'remarks', 'parent', 'service_env', 'configuration_path'), null=True),
        fk('model', 'assetmodels', ('id', 'url', 'ui_url', 'name', 'created', 'modified', 'type', 'power_consumption', 'height_of_device', 'cores_count', 'visualization_layout_front', 'visualization_layout_back', 'has_parent', 'manufacturer', 'category'), required=True),
        fk('budget_info', 'budget-info', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
        fk('property_of', 'assetholders', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
        m2m('connections', 'data-center-assets', ('id', 'url', 'tags', 'ui_url', 'created', 'modified', 'remarks', 'price_currency', 'price', 'hostname', 'sn', 'barcode', 'niw', 'required_support', 'order_no', 'invoice_no', 'invoice_date', 'provider', 'depreciation_rate', 'force_depreciation', 'depreciation_end_date', 'buyout_date', 'task_url', 'start_usage', 'status', 'position', 'orientation', 'vendor_contract_number', 'leasing_rate', 'slot_no', 'firmware_version', 'bios_version', 'source', 'delivery_date', 'production_year', 'production_use_date', 'parent', 'service_env', 'configuration_path', 'model', 'budget_info', 'property_of', 'rack', 'connections'), read_only=True),
    ),
)

RESOURCES = (DATA_CENTERS, SERVER_ROOMS, RACKS, DATA_CENTER_ASSETS,)
