"""Catalogue declarations: Ralph's `access_cards` app."""

from .fields import CREATED, ID, MODIFIED, UI_URL, URL, choice, date, fk, integer, m2m, string, text
from .resource import Resource

ACCESS_CARD = Resource(
    name='access-card',
    str_format='Access Card: {visual_number}',
    transitions=True,
    model='access_cards.AccessCard',
    aliases=('access-cards',),
    ordering=('-modified', '-created'),
    filter_fields=('visual_number', 'system_number', 'user__first_name', 'user__last_name', 'user__username', 'status', 'issue_date', 'user', 'owner', 'user__segment', 'user__company', 'user__department', 'user__employee_id', 'access_zones', 'notes'),
    extended_filters={'access_zones__name': ['access_zones__name__icontains'], 'access_zones__id': ['access_zones__id']},
    fields=(
        ID,
        choice('status', ((1, 'new'), (2, 'in progress'), (3, 'lost'), (4, 'damaged'), (5, 'in use'), (6, 'free'), (7, 'return in progress'), (8, 'liquidated'), (9, 'reserved')), default=1, help_text='Access card status'),
        fk('user', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'email', 'country', 'ui_url'), null=True, help_text='User of the card', on_delete='set_null'),
        fk('owner', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'email', 'country', 'ui_url'), null=True, help_text='Owner of the card', on_delete='set_null'),
        CREATED,
        MODIFIED,
        string('visual_number', 255, required=True, blank=False, unique=True, help_text='Number visible on the access card'),
        string('system_number', 255, required=True, blank=False, unique=True, help_text='Internal number in the access system'),
        date('issue_date', null=True, help_text='Date of issue to the User'),
        text('notes', null=True, help_text='Optional notes'),
        fk('region', 'regions', ('id', 'url', 'ui_url', 'name', 'country', 'stocktaking_enabled'), required=True, on_delete='cascade'),
        m2m('access_zones', 'access-zone', ('id', 'name', 'parent', 'description', 'ui_url')),
        UI_URL,
    ),
)


ACCESS_ZONE = Resource(
    name='access-zone',
    model='access_cards.AccessZone',
    unique_together=(('name', 'parent'),),
    aliases=('access-zones',),
    tree=True,
    ordering=('name',),
    filter_fields=('name', 'description'),
    fields=(
        ID,
        URL,
        UI_URL,
        string('name', 255, required=True, blank=False),
        text('description', null=True, help_text='Optional description'),
        integer('lft', 'PositiveIntegerField', read_only=True),
        integer('rght', 'PositiveIntegerField', read_only=True),
        integer('tree_id', 'PositiveIntegerField', read_only=True),
        integer('level', 'PositiveIntegerField', read_only=True),
        fk('parent', 'access-zone', ('id', 'url', 'ui_url', 'name', 'description', 'lft', 'rght', 'tree_id', 'level', 'parent'), required=True, null=True, on_delete='cascade'),
    ),
)

RESOURCES = (
    ACCESS_CARD,
    ACCESS_ZONE,
)
