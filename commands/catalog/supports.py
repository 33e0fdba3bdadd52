"""Catalogue declarations: Ralph's `supports` app."""

from .fields import (
    CREATED, ID, MODIFIED, OBJECT_TYPE, STR, UI_URL, URL, choice, computed, date, fk, integer,
    string, tags, text,
)
from .resource import Resource
from .shapes import BASE_OBJECT_FLAT, PRICE, SERVICE_ENV_SIMPLE, named

SUPPORTS = Resource(
    name='supports',
    model='supports.Support',
    base_object=True,
    filter_fields=('name', 'serial_no', 'contract_id', 'description', 'remarks', 'price', 'support_type', 'budget_info', 'date_from', 'date_to', 'property_of'),
    str_format='{name} ({date_to|None})',
    fields=(
        ID,
        URL,
        OBJECT_TYPE,
        STR,
        computed('base_objects', 'support_base_objects', [('base-objects-supports', 'support')]),
        fk('service_env', 'services-environments', SERVICE_ENV_SIMPLE, null=True),
        tags(help_text='A comma-separated list of tags.'),
        UI_URL,
        CREATED,
        MODIFIED,
        text('remarks'),
        string('name', 75, required=True, blank=False),
        *PRICE,
        choice('asset_type', ((1, 'back office'), (2, 'data center'), (3, 'part'), (4, 'all')), default=4),
        string('contract_id', 50, required=True, blank=False),
        string('description', 100),
        date('date_from', null=True),
        date('date_to', required=True),
        string('escalation_path', 200),
        text('contract_terms'),
        string('sla_type', 200),
        choice('status', ((1, 'new'),), default=1),
        string('producer', 100),
        string('supplier', 100),
        string('serial_no', 100),
        string('invoice_no', 100),
        date('invoice_date', null=True),
        integer('period_in_months', null=True),
        fk('parent', 'base-objects', BASE_OBJECT_FLAT, null=True, on_delete='set_null'),
        fk('region', 'regions', ('id', 'url', 'ui_url', 'name', 'country', 'stocktaking_enabled'), required=True, on_delete='cascade'),
        fk('property_of', 'assetholders', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
        fk('budget_info', 'budget-info', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True),
        fk('support_type', 'support-types', ('id', 'url', 'ui_url', 'name'), null=True),
    ),
)


SUPPORT_TYPES = named('support-types', 'supports.SupportType', timestamps=False)


BASE_OBJECTS_SUPPORTS = Resource(
    name='base-objects-supports',
    model='supports.BaseObjectsSupport',
    unique_together=(('support', 'baseobject'),),
    filter_fields=('support__name', 'support__serial_no', 'support__contract_id', 'support__description', 'support__remarks', 'support__price', 'support__support_type', 'support__budget_info', 'support__date_from', 'support__date_to', 'support__property_of', 'baseobject__asset__barcode', 'baseobject__asset__sn', 'baseobject__asset__hostname', 'baseobject__asset__service_env'),
    fields=(
        ID,
        URL,
        fk('support', 'supports', ('support_type', 'contract_id', 'name', 'serial_no', 'date_from', 'date_to', 'created', 'remarks', 'description', 'url', 'ui_url'), required=True, on_delete='cascade'),
        fk('baseobject', 'base-objects', required=True, on_delete='cascade'),
        UI_URL,
    ),
)

RESOURCES = (
    SUPPORTS,
    SUPPORT_TYPES,
    BASE_OBJECTS_SUPPORTS,
)
