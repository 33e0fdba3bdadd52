"""Catalogue declarations: back_office."""

from .choices import COUNTRIES  # noqa: F401
from .fields import (CREATED, ID, MODIFIED, OBJECT_TYPE, STR, UI_URL, URL, boolean, choice, const,  # noqa: F401
                     date, datetime, decimal, derived, fk, floating, integer, m2m, password, reverse,
                     string, tags, text)
from .resource import Resource

WAREHOUSES = Resource(
    name='warehouses',
    model='back_office.Warehouse',
    ordering=('name',),
    filter_fields=('name',),
    fields=(
        ID,
        URL,
        UI_URL,
        string('name', 255, required=True, blank=False, unique=True),
        CREATED,
        MODIFIED,
        boolean('stocktaking_enabled', default=False),
        string('stocktaking_tag_suffix', 8, default=''),
    ),
)

BACK_OFFICE_ASSETS = Resource(
    name='back-office-assets',
    model='back_office.BackOfficeAsset',
    verbose_name='Back Office Asset',
    base_object=True,
    filter_fields=('barcode', 'sn', 'hostname', 'invoice_no', 'order_no', 'status', 'imei', 'imei2', 'model', 'purchase_order', 'required_support', 'region', 'warehouse', 'task_url', 'model__category', 'loan_end_date', 'niw', 'model__manufacturer', 'model__manufacturer__manufacturer_kind', 'location', 'remarks', 'user', 'owner', 'user__segment', 'user__company', 'user__department', 'user__employee_id', 'property_of', 'invoice_date', 'provider', 'budget_info', 'depreciation_rate', 'depreciation_end_date', 'force_depreciation', 'buyout_date', 'service_env'),
    str_format='{hostname|-} (BC: {barcode|-} / SN: {sn|-})',
    fields=(
        ID,
        URL,
        OBJECT_TYPE,
        const('custom_fields', {}),
        const('configuration_variables', {}),
        STR,
        tags(help_text='A comma-separated list of tags.'),
        fk('service_env', 'services-environments', ('id', 'service=service__name', 'environment=environment__name', 'url', 'service_uid=service__uid', 'ui_url'), null=True),
        reverse('licences', 'base-objects-licences', 'base_object', ('id', 'url', 'licence', 'quantity', 'base_object')),
        fk('configuration_path', 'configuration-classes', ('id', 'url', 'module', 'ui_url', 'created', 'modified', 'remarks', 'class_name', 'path', 'service_env'), null=True, help_text='path to configuration for this object, for example path to puppet class'),
        UI_URL,
        fk('user', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url', 'department', 'company'), null=True),
        fk('owner', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url', 'department', 'company'), null=True),
        CREATED,
        MODIFIED,
        text('remarks'),
        string('price_currency', 3, read_only=True, default='XXX'),
        decimal('price', 15, 2, null=True),
        string('hostname', 255, null=True),
        string('sn', 200, null=True, unique=True),
        string('barcode', 200, null=True, unique=True),
        string('niw', 200, null=True),
        boolean('required_support', default=False),
        string('order_no', 50, null=True),
        string('invoice_no', 128, null=True),
        date('invoice_date', null=True),
        string('provider', 100, null=True),
        decimal('depreciation_rate', 5, 2, default='25.00', help_text='This value is in percentage. For example value: "100" means it depreciates during a year. Value: "25" means it depreciates during 4 years, and so on... .'),
        boolean('force_depreciation', default=False, help_text='Check if you no longer want to bill for this asset'),
        date('depreciation_end_date', null=True),
        date('buyout_date', null=True),
        string('task_url', 2048, null=True, help_text='External workflow system URL'),
        date('start_usage', null=True, help_text='Fill it if date of first usage is different then date of creation'),
        string('location', 128, null=True),
        string('purchase_order', 50, null=True),
        date('loan_end_date', null=True),
        choice('status', ((1, 'new'), (2, 'in progress'), (3, 'waiting for release'), (4, 'in use'), (5, 'loan'), (6, 'damaged'), (7, 'liquidated'), (8, 'in service'), (9, 'installed'), (10, 'free'), (11, 'reserved'), (12, 'sale'), (13, 'loan in progress'), (14, 'return in progress'), (15, 'to find'), (16, 'sent'), (17, 'to buyout'), (18, 'in use team'), (19, 'in use test'), (20, 'in progress team'), (21, 'in progress test'), (22, 'quarantine'), (23, 'refurbished'), (24, 'reserved to order'), (25, 'replacement')), default=1),
        string('imei', 18, null=True, unique=True),
        string('imei2', 18, null=True, unique=True),
        date('last_status_change', null=True),
        fk('parent', 'base-objects', ('id', 'url', 'tags', 'created', 'modified', 'remarks', 'parent', 'service_env', 'configuration_path'), null=True),
        fk('model', 'assetmodels', ('id', 'url', 'ui_url', 'name', 'created', 'modified', 'type', 'power_consumption', 'height_of_device', 'cores_count', 'visualization_layout_front', 'visualization_layout_back', 'has_parent', 'manufacturer', 'category'), required=True),
        fk('budget_info', 'budget-info', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
        fk('property_of', 'assetholders', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
        fk('region', 'regions', ('id', 'url', 'ui_url', 'name', 'country', 'stocktaking_enabled'), required=True),
        fk('warehouse', 'warehouses', ('id', 'url', 'ui_url', 'name', 'created', 'modified', 'stocktaking_enabled', 'stocktaking_tag_suffix'), required=True),
        fk('office_infrastructure', 'office-infrastructures', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
    ),
)

RESOURCES = (WAREHOUSES, BACK_OFFICE_ASSETS,)
