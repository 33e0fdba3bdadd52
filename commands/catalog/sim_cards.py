"""Catalogue declarations: Ralph's `sim_cards` app."""

from .fields import ID, MODIFIED, UI_URL, choice, date, fk, m2m, string, text
from .resource import Resource

SIM_CARD = Resource(
    name='sim-card',
    str_format='SIM Card: {phone_number}',
    transitions=True,
    model='sim_cards.SIMCard',
    aliases=('sim-cards',),
    ordering=('-modified', '-created'),
    filter_fields=('user__username', 'features__name', 'owner__username', 'carrier__name', 'card_number', 'phone_number', 'user__first_name', 'user__last_name', 'status', 'features', 'warehouse', 'user', 'owner', 'user__segment', 'user__company', 'user__department', 'user__employee_id', 'carrier', 'quarantine_until', 'property_of'),
    fields=(
        ID,
        choice('status', ((1, 'new'), (2, 'in progress'), (3, 'waiting for release'), (4, 'in use'), (5, 'damaged'), (6, 'liquidated'), (7, 'free'), (8, 'reserved'), (9, 'loan in progress'), (10, 'return in progress'), (11, 'in quarantine')), default=1),
        string('card_number', 22, required=True, blank=False, unique=True, min_length=1, validators=(('regex', r'^\d+$', 'Required numeric characters only.'),)),
        string('phone_number', 16, required=True, blank=False, unique=True, min_length=1,
               validators=(('regex', r'^\+\d+$', 'Phone number must have +2920181234 format.'),),
               help_text='ex. +2920181234'),
        string('pin1', 8, null=True, min_length=4, validators=(('regex', r'^\d+$', 'Required numeric characters only.'),),
               help_text='Required numeric characters only.'),
        string('puk1', 16, required=True, blank=False, min_length=5, validators=(('regex', r'^\d+$', 'Required numeric characters only.'),),
               help_text='Required numeric characters only.'),
        fk('user', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'email', 'country', 'ui_url'), null=True, on_delete='set_null'),
        fk('owner', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'email', 'country', 'ui_url'), null=True, on_delete='set_null'),
        fk('warehouse', 'warehouses', required=True),
        fk('carrier', 'sim-card-cellular-carrier', ('name', 'ui_url'), required=True),
        m2m('features', 'sim-card-feature', ('name', 'ui_url')),
        date('quarantine_until', null=True, help_text='End of quarantine date.'),
        MODIFIED,
        # Ralph's admin-only notes (its API does not show them): where card_number_to_notes keeps old numbers
        text('remarks', default='', read_only=True, in_read=False),
        UI_URL,
    ),
)


def _dictionary(name: str, model: str) -> Resource:
    """A SIM card dictionary: a unique name, rendered as id, name, ui_url."""
    return Resource(name=name, model=model, ordering=('name',), filter_fields=(),
                    fields=(ID, string('name', 255, required=True, blank=False, unique=True), UI_URL))


SIM_CARD_FEATURE = _dictionary('sim-card-feature', 'sim_cards.SIMCardFeatures')
SIM_CARD_CELLULAR_CARRIER = _dictionary('sim-card-cellular-carrier', 'sim_cards.CellularCarrier')

RESOURCES = (
    SIM_CARD,
    SIM_CARD_FEATURE,
    SIM_CARD_CELLULAR_CARRIER,
)
