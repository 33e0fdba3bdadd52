"""Catalogue declarations: Ralph's `configuration_management` app."""

from .fields import CREATED, ID, MODIFIED, URL, boolean, choice, datetime, fk
from .resource import Resource

SCM_INFO = Resource(
    name='scm-info',
    view_name='SCM Info',
    model='configuration_management.SCMStatusCheck',
    # POST /api/scm-info/ has no object to check (Ralph: a 500); checks are made by hostname (api/scm.py)
    methods=('GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
    hooks=('scm_ok',),
    permissions_by_field=True,
    filter_fields=(),
    fields=(
        ID,
        URL,
        CREATED,
        MODIFIED,
        datetime('last_checked', required=True),
        choice('check_result', ((1, 'OK'), (2, 'Check failed'), (3, 'Error')), required=True),
        boolean('ok', read_only=True, default=False),
        fk('base_object', 'base-objects', read_only=True, unique=True, on_delete='cascade'),
    ),
)

RESOURCES = (
    SCM_INFO,
)
