"""Catalogue declarations: Ralph's `dhcp` app."""

from .fields import ID, UI_URL, URL, ip, m2m
from .resource import Resource
from .shapes import named

DNS_SERVERS = Resource(
    name='dns-servers',
    verbose_name='DNS Server',
    view_name='DNS Server',
    model='dhcp.DNSServer',
    filter_fields=(),
    fields=(
        ID,
        URL,
        UI_URL,
        ip('ip_address', required=True, blank=False, unique=True, verbose_name='IP address'),
    ),
)


DNS_SERVER_GROUP = named(
    'dns-server-group',
    'dhcp.DNSServerGroup',
    m2m('servers', 'dns-servers', read_only=True),
    timestamps=False,
    str_function='dns_server_group',
    verbose_name='DNS Server Group',
    view_name='DNS Server Group',
    ordering=(),
    filter_fields=(),
)

RESOURCES = (
    DNS_SERVERS,
    DNS_SERVER_GROUP,
)
