"""Catalogue declarations: Ralph's `accounts` app."""

from .choices import COUNTRIES
from .fields import ID, UI_URL, URL, boolean, choice, datetime, fk, m2m, nest, password, reverse, string
from .resource import Resource
from .shapes import CONFIGURATION_CLASS_SIMPLE, LICENCE_SIMPLE, SERVICE_ENV_SIMPLE, named

#: BackOfficeAssetSimpleSerializer (depth 0: relations are URLs but for the ones BaseObjectSerializer declares).
BACK_OFFICE_ASSET_SIMPLE = nest(('id', 'url', 'object_type', 'custom_fields', 'configuration_variables', '__str__', 'tags', 'service_env', 'licences', 'configuration_path', 'ui_url', 'created', 'modified', 'remarks', 'price_currency', 'price', 'hostname', 'sn', 'barcode', 'niw', 'required_support', 'order_no', 'invoice_no', 'invoice_date', 'provider', 'depreciation_rate', 'force_depreciation', 'depreciation_end_date', 'buyout_date', 'task_url', 'start_usage', 'location', 'purchase_order', 'loan_end_date', 'status', 'imei', 'imei2', 'last_status_change', 'parent', 'model', 'budget_info', 'property_of', 'region', 'warehouse', 'owner', 'user', 'office_infrastructure'),
                                service_env=SERVICE_ENV_SIMPLE, configuration_path=CONFIGURATION_CLASS_SIMPLE)

USERS = Resource(
    name='users',
    verbose_name='user',
    view_name='Ralph User',
    model='accounts.RalphUser',
    permissions_by_field=True,
    filter_fields=('username', 'first_name', 'last_name', 'email', 'is_staff', 'is_superuser', 'is_active', 'groups'),
    str_function='user',
    superuser_writes=True,
    hooks=('token_salt_with_password',),
    fields=(
        ID,
        URL,
        reverse('assets_as_user', 'back-office-assets', 'user', BACK_OFFICE_ASSET_SIMPLE),
        reverse('assets_as_owner', 'back-office-assets', 'owner', BACK_OFFICE_ASSET_SIMPLE),
        reverse('licences', 'licence-users', 'user', ('id', 'url', ('licence', LICENCE_SIMPLE), 'quantity', 'user')),
        UI_URL,
        datetime('last_login', null=True),
        boolean('is_superuser', default=False, help_text='Designates that this user has all permissions without explicitly assigning them.'),
        string('username', 150, required=True, blank=False, unique=True,
               unique_message='A user with that username already exists.',
               validators=(('regex', r'^[\w.@+-]+\Z', 'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'),),
               help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.'),
        string('first_name', 30),
        string('last_name', 150),
        string('email', 254, text_format='email', verbose_name='email address'),
        boolean('is_staff', default=False, help_text='Designates whether the user can log into this admin site.'),
        boolean('is_active', default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.'),
        datetime('date_joined', default="now"),
        choice('country', COUNTRIES, default=153),
        string('city', 30),
        string('company', 64),
        string('employee_id', 64),
        string('profit_center', 1024),
        string('cost_center', 1024),
        string('department', 64),
        string('manager', 1024),
        string('location', 128),
        string('segment', 256),
        fk('team', 'teams', ('id', 'url', 'ui_url', 'name'), null=True, on_delete='cascade'),
        password(),
        string('token_salt', 32, default='', read_only=True, in_read=False, secret=True),
        m2m('groups', 'groups', in_read=False),
        m2m('regions', 'regions', ('id', 'url', 'ui_url', 'name', 'country', 'stocktaking_enabled')),
    ),
)


REGIONS = named(
    'regions',
    'accounts.Region',
    choice('country', COUNTRIES, default=153),
    boolean('stocktaking_enabled', default=False),
    timestamps=False,
    ordering=(),
    region_column='id',
)


TEAMS = named('teams', 'accounts.Team', timestamps=False)

RESOURCES = (
    USERS,
    REGIONS,
    TEAMS,
)
