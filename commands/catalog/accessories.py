"""Catalogue declarations: Ralph's `accessories` app (a stock of accessories and who was given how many).

Ralph keeps these in its admin only; with no admin here they are served as
``/api/accessory-stock/`` and ``/api/accessory-stock-users/`` so that their
transitions (restock, send, release) have something to run on. Not to be
mixed up with ``/api/accessories/``, Ralph's rack accessories.
"""

from .fields import CREATED, ID, MODIFIED, UI_URL, URL, choice, fk, integer, string
from .resource import Resource

#: Ralph's ``AccessoryStatus`` (the access cards' statuses).
ACCESSORY_STATUSES = ((1, 'new'), (2, 'in progress'), (3, 'lost'), (4, 'damaged'), (5, 'in use'), (6, 'free'),
                      (7, 'return in progress'), (8, 'liquidated'), (9, 'reserved'))
_NAMED = ('id', 'url', 'ui_url', 'name')

ACCESSORY_STOCK = Resource(
    name='accessory-stock',
    transitions=True,
    model='accessories.Accessory',
    str_format='{number_bought} x {accessory_name} - ({product_number})',
    filter_fields=('accessory_name', 'product_number', 'status', 'manufacturer', 'category', 'owner', 'warehouse',
                   'region'),
    fields=(
        ID,
        URL,
        fk('manufacturer', 'manufacturers', _NAMED, null=True),
        fk('category', 'categories', _NAMED, null=True, on_delete='cascade'),
        string('accessory_name', 255, required=True, blank=False, help_text='Accessory name'),
        string('product_number', 255, required=True, blank=False, unique=True, help_text='Number of accessories'),
        fk('owner', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'ui_url'), null=True,
           on_delete='set_null', help_text='Accessory owner'),
        choice('status', ACCESSORY_STATUSES, default=1, help_text='Accessory status'),
        integer('number_bought', required=True, verbose_name='number of purchased items',
                label='Number of purchased items'),
        fk('warehouse', 'warehouses', _NAMED, required=True),
        fk('region', 'regions', _NAMED, required=True, on_delete='cascade'),
        CREATED,
        MODIFIED,
        UI_URL,
    ),
)

ACCESSORY_STOCK_USERS = Resource(
    name='accessory-stock-users',
    model='accessories.AccessoryUser',
    str_format='{quantity} of {accessory} assigned to {user}',
    unique_together=(('accessory', 'user'),),
    filter_fields=('accessory', 'user'),
    fields=(
        ID,
        URL,
        fk('accessory', 'accessory-stock', required=True, on_delete='cascade'),
        fk('user', 'users', required=True, on_delete='cascade'),
        integer('quantity', 'PositiveIntegerField', default=1),
    ),
)

RESOURCES = (
    ACCESSORY_STOCK,
    ACCESSORY_STOCK_USERS,
)
