"""Catalogue declarations: Ralph's `dhcp` app."""

from .fields import ID, UI_URL, URL, ip, m2m
from .resource import Resource
from .shapes import named

DNS_SERVERS = Resource(
    name='dns-servers',
    model='dhcp.DNSServer',
    filter_fields=(),
    fields=(
        ID,
        URL,
        UI_URL,
        ip('ip_address', required=True, blank=False, unique=True),
    ),
)


DNS_SERVER_GROUP = named(
    'dns-server-group',
    'dhcp.DNSServerGroup',
    m2m('servers', 'dns-servers', read_only=True),
    timestamps=False,
    ordering=(),
    filter_fields=(),
)

RESOURCES = (
    DNS_SERVERS,
    DNS_SERVER_GROUP,
)
