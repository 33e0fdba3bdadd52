"""Catalogue declarations: Ralph's `security` app."""

from .fields import (
    CREATED, ID, MODIFIED, UI_URL, URL, boolean, choice, datetime, fk, integer, m2m, string, tags,
)
from .resource import Resource

SECURITY_SCANS = Resource(
    name='security-scans',
    model='security.SecurityScan',
    prepare_hooks=('security_scan_host',),
    replace_on_create='base_object',  # SecurityScanViewSet.create: a host's new scan replaces its old one
    permissions_by_field=True,
    filter_fields=(),
    additional_filters={'ip': 'base_object__ethernet_set__ipaddress__address'},
    fields=(
        ID,
        URL,
        m2m('vulnerabilities', 'vulnerabilities', ('id', 'url', 'tags', 'ui_url', 'created', 'modified', 'name', 'display_name', 'patch_deadline', 'risk', 'external_vulnerability_id')),
        tags(help_text='A comma-separated list of tags.'),
        UI_URL,
        CREATED,
        MODIFIED,
        datetime('last_scan_date', required=True),
        choice('scan_status', ((1, 'ok'), (2, 'fail'), (3, 'error')), required=True),
        datetime('next_scan_date', required=True),
        string('details_url', 255, text_format='url'),
        string('rescan_url', 200, text_format='url'),
        boolean('is_patched', default=False),
        fk('base_object', 'base-objects', required=True, unique=True, on_delete='cascade'),
    ),
)


VULNERABILITIES = Resource(
    name='vulnerabilities',
    model='security.Vulnerability',
    permissions_by_field=True,
    filter_fields=('external_vulnerability_id', 'name'),
    fields=(
        ID,
        URL,
        tags(help_text='A comma-separated list of tags.'),
        UI_URL,
        CREATED,
        MODIFIED,
        string('name', 1024, required=True, blank=False),
        string('display_name', 1024, required=True, blank=False),
        datetime('patch_deadline', null=True),
        choice('risk', ((1, 'low'), (2, 'medium'), (3, 'high')), null=True),
        integer('external_vulnerability_id', null=True, unique=True, help_text='Id of vulnerability from external system'),
    ),
)

RESOURCES = (
    SECURITY_SCANS,
    VULNERABILITIES,
)
