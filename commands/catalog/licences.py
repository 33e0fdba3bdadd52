"""Catalogue declarations: Ralph's `licences` app."""

from .fields import (
    CREATED, ID, MODIFIED, STR, UI_URL, URL, choice, date, decimal, fk, integer, reverse, string, tags, text,
)
from .resource import Resource
from .shapes import MANUFACTURER_FLAT, BASE_OBJECT_FLAT, BASE_OBJECT_START, PRICE, SERVICE_ENV_SIMPLE, named

#: ExtendedRalphUserSerializer (the user of a licence assignment).
EXTENDED_USER = ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url', 'department', 'company', 'manager', 'email')

LICENCES = Resource(
    name='licences',
    model='licences.Licence',
    base_object=True,
    region_column='region',
    filter_fields=('software__name', 'niw', 'sn', 'license_details', 'remarks', 'software', 'property_of', 'licence_type', 'service_env', 'valid_thru', 'order_no', 'invoice_no', 'invoice_date', 'budget_info', 'manufacturer', 'manufacturer__manufacturer_kind', 'region', 'office_infrastructure'),
    str_format='{number_bought} x {software__name} - {invoice_date|None} ({niw|None})',
    fields=(
        *BASE_OBJECT_START,
        STR,
        tags(help_text='A comma-separated list of tags.'),
        reverse('base_objects', 'base-objects-licences', 'licence', ('id', 'url', 'quantity', 'licence', 'base_object')),
        reverse('users', 'licence-users', 'licence', ('id', 'url', ('user', EXTENDED_USER), 'quantity', 'licence')),
        fk('service_env', 'services-environments', SERVICE_ENV_SIMPLE, null=True),
        UI_URL,
        CREATED,
        MODIFIED,
        text('remarks'),
        *PRICE,
        integer('number_bought', required=True),
        text('sn', null=True),
        string('niw', 200, blank=False, default='N/A', unique=True, verbose_name='inventory number'),
        date('invoice_date', null=True),
        date('valid_thru', null=True, help_text='Leave blank if this licence is perpetual'),
        string('order_no', 50, null=True),
        decimal('depreciation_rate', 5, 2, null=True, default='50.00', help_text='This value is in percentage. For example value: "100" means it depreciates during a year. Value: "25" means it depreciates during 4 years, and so on... .'),
        string('accounting_id', 200, null=True, help_text='Any value to help your accounting department identify this licence'),
        string('provider', 100, null=True),
        string('invoice_no', 128, null=True),
        string('license_details', 1024, default=''),
        date('start_usage', null=True, help_text='Fill it if date of first usage is different then date of creation'),
        fk('parent', 'base-objects', BASE_OBJECT_FLAT, null=True, on_delete='set_null'),
        fk('region', 'regions', ('id', 'url', 'ui_url', 'name', 'country', 'stocktaking_enabled'), required=True, on_delete='cascade'),
        fk('manufacturer', 'manufacturers', MANUFACTURER_FLAT, null=True),
        fk('licence_type', 'licence-types', ('id', 'url', 'ui_url', 'name'), required=True, help_text="Should be like 'per processor' or 'per machine' and so on. "),
        fk('property_of', 'assetholders', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
        fk('software', 'software', ('id', 'url', 'ui_url', 'name', 'asset_type'), required=True),
        fk('office_infrastructure', 'office-infrastructures', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True, on_delete='cascade'),
        fk('budget_info', 'budget-info', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
    ),
)


SOFTWARE = named(
    'software',
    'licences.Software',
    choice('asset_type', ((1, 'back office'), (2, 'data center'), (3, 'part'), (4, 'all')), default=4),
    timestamps=False,
    ordering=(),
    permissions_by_field=True,
)


BASE_OBJECTS_LICENCES = Resource(
    name='base-objects-licences',
    write_url=True,
    model='licences.BaseObjectLicence',
    unique_together=(('licence', 'base_object'),),
    clean_hooks=('licence_region',),
    aliases=('base-object-licences',),
    filter_fields=(),
    fields=(
        ID,
        URL,
        integer('quantity', 'PositiveIntegerField', default=1),
        fk('licence', 'licences', required=True, on_delete='cascade'),
        fk('base_object', 'base-objects', required=True, on_delete='cascade'),
    ),
)


LICENCE_TYPES = named('licence-types', 'licences.LicenceType', timestamps=False, ordering=(), permissions_by_field=True)


LICENCE_USERS = Resource(
    name='licence-users',
    model='licences.LicenceUser',
    unique_together=(('licence', 'user'),),
    filter_fields=(),
    fields=(
        ID,
        URL,
        fk('user', 'users', EXTENDED_USER, required=True, on_delete='cascade'),
        integer('quantity', 'PositiveIntegerField', default=1),
        fk('licence', 'licences', required=True, on_delete='cascade'),
    ),
)

RESOURCES = (
    LICENCES,
    SOFTWARE,
    BASE_OBJECTS_LICENCES,
    LICENCE_TYPES,
    LICENCE_USERS,
)
