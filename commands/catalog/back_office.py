"""Catalogue declarations: Ralph's `back_office` app."""

from .fields import (
    CREATED, MODIFIED, boolean, choice,
    date, fk, string, text,
)
from .resource import Resource
from .shapes import ASSET_FIELDS, ASSET_MODEL, BASE_OBJECT_DEEP, BASE_OBJECT_HEAD, BASE_OBJECT_START, named

BACK_OFFICE_ASSETS = Resource(
    name='back-office-assets',
    transitions=True,
    model='back_office.BackOfficeAsset',
    verbose_name='Back Office Asset',
    base_object=True,
    region_column='region',
    clean_hooks=('back_office_asset',),
    filter_fields=('barcode', 'sn', 'hostname', 'invoice_no', 'order_no', 'status', 'imei', 'imei2', 'model', 'purchase_order', 'required_support', 'region', 'warehouse', 'task_url', 'model__category', 'loan_end_date', 'niw', 'model__manufacturer', 'model__manufacturer__manufacturer_kind', 'location', 'remarks', 'user', 'owner', 'user__segment', 'user__company', 'user__department', 'user__employee_id', 'property_of', 'invoice_date', 'provider', 'budget_info', 'depreciation_rate', 'depreciation_end_date', 'force_depreciation', 'buyout_date', 'service_env'),
    str_format='{hostname|-} (BC: {barcode|-} / SN: {sn|-})',
    fields=(
        *BASE_OBJECT_START,
        *BASE_OBJECT_HEAD,
        fk('user', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url', 'department', 'company'), null=True, on_delete='cascade'),
        fk('owner', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url', 'department', 'company'), null=True, on_delete='cascade'),
        CREATED,
        MODIFIED,
        text('remarks'),
        *ASSET_FIELDS,
        string('location', 128, null=True),
        string('purchase_order', 50, null=True),
        date('loan_end_date', null=True),
        choice('status', ((1, 'new'), (2, 'in progress'), (3, 'waiting for release'), (4, 'in use'), (5, 'loan'), (6, 'damaged'), (7, 'liquidated'), (8, 'in service'), (9, 'installed'), (10, 'free'), (11, 'reserved'), (12, 'sale'), (13, 'loan in progress'), (14, 'return in progress'), (15, 'to find'), (16, 'sent'), (17, 'to buyout'), (18, 'in use team'), (19, 'in use test'), (20, 'in progress team'), (21, 'in progress test'), (22, 'quarantine'), (23, 'refurbished'), (24, 'reserved to order'), (25, 'replacement')), default=1),
        string('imei', 18, null=True, unique=True, verbose_name='IMEI', empty_as_null=True),
        string('imei2', 18, null=True, unique=True, verbose_name='IMEI 2', empty_as_null=True),
        date('last_status_change', null=True),
        fk('parent', 'base-objects', BASE_OBJECT_DEEP, null=True, on_delete='set_null'),
        fk('model', 'assetmodels', ASSET_MODEL, required=True),
        fk('budget_info', 'budget-info', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
        fk('property_of', 'assetholders', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
        fk('region', 'regions', ('id', 'url', 'ui_url', 'name', 'country', 'stocktaking_enabled'), required=True, on_delete='cascade'),
        fk('warehouse', 'warehouses', ('id', 'url', 'ui_url', 'name', 'created', 'modified', 'stocktaking_enabled', 'stocktaking_tag_suffix'), required=True),
        fk('office_infrastructure', 'office-infrastructures', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True, on_delete='cascade'),
    ),
)


WAREHOUSES = named(
    'warehouses',
    'back_office.Warehouse',
    boolean('stocktaking_enabled', default=False),
    string('stocktaking_tag_suffix', 8, default=''),
)


OFFICE_INFRASTRUCTURES = named('office-infrastructures', 'back_office.OfficeInfrastructure', ordering=(),
                               verbose_name='Office Infrastructure')

RESOURCES = (
    BACK_OFFICE_ASSETS,
    WAREHOUSES,
    OFFICE_INFRASTRUCTURES,
)
