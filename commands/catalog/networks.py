"""Catalogue declarations: Ralph's `networks` app."""

from .fields import (
    CREATED, ID, MODIFIED, UI_URL, URL, boolean, choice, datetime, decimal, fk, integer, ip, m2m, nest,
    string, text, unserved,
)
from .resource import Resource
from .shapes import BASE_OBJECT_FLAT, named

NETWORKS = Resource(
    name='networks',
    model='networks.Network',
    str_format='{name} ({address} | VLAN: {vlan|None})',
    ordering=('tree_id', 'lft'),
    filter_fields=('name', 'address', 'remarks', 'vlan', 'network_environment', 'kind', 'dhcp_broadcast', 'racks', 'terminators', 'service_env', 'parent', 'min_ip', 'max_ip'),
    extended_filters={'address': ['address']},
    write_url=True,
    tree=True,
    tree_order='id',
    hooks=('network_address',),
    projection_hooks=('place_networks',),
    unique_together=(('min_ip', 'max_ip'),),
    write_exclude=('min_ip', 'max_ip'),  # NetworkSaveSerializer
    # Django's unique_together text with the fields' verbose names (Ralph itself answers an IntegrityError, a 500)
    unique_error=('non_field_errors', 'Network with this Smallest IP number and Largest IP number already exists.'),
    fields=(
        ID,
        URL,
        UI_URL,
        string('name', 255, required=True, blank=False, unique=True),
        CREATED,
        MODIFIED,
        string('address', 44, required=True, blank=False, unique=True, verbose_name='network address',
               help_text='Presented as string (e.g. 192.168.0.0/24)'),
        text('remarks', default='', help_text='Additional information.'),
        integer('vlan', 'PositiveIntegerField', null=True),
        decimal('min_ip', 39, 0, read_only=True, verbose_name='smallest IP number'),
        decimal('max_ip', 39, 0, read_only=True, verbose_name='largest IP number'),
        boolean('dhcp_broadcast', default=True),
        integer('reserved_from_beginning', 'PositiveIntegerField', default=10, help_text='Number of addresses to be omitted in DHCP automatic assignmentcounted from the first IP in range (excluding network address)'),
        integer('reserved_from_end', 'PositiveIntegerField', default=0, help_text='Number of addresses to be omitted in DHCP automatic assignmentcounted from the last IP in range (excluding broadcast address)'),
        integer('lft', 'PositiveIntegerField', read_only=True),
        integer('rght', 'PositiveIntegerField', read_only=True),
        integer('tree_id', 'PositiveIntegerField', read_only=True),
        integer('level', 'PositiveIntegerField', read_only=True),
        fk('parent', 'networks', ('id', 'url', 'ui_url', 'name', 'created', 'modified', 'address', 'remarks', 'vlan', 'min_ip', 'max_ip', 'dhcp_broadcast', 'reserved_from_beginning', 'reserved_from_end', 'lft', 'rght', 'tree_id', 'level', 'parent', 'gateway', 'network_environment', 'kind', 'service_env', 'dns_servers_group', 'terminators', 'racks'), read_only=True),
        fk('gateway', 'ipaddresses', ('id', 'url', 'ui_url', 'created', 'modified', 'last_seen', 'address', 'hostname', 'number', 'is_management', 'is_public', 'is_gateway', 'status', 'dhcp_expose', 'ethernet', 'network'), read_only=True, on_delete='set_null'),
        fk('network_environment', 'network-environments', ('id', 'url', 'ui_url', 'name', 'created', 'modified', 'hostname_template_counter_length', 'hostname_template_prefix', 'hostname_template_postfix', 'domain', 'remarks', 'use_hostname_counter', 'data_center', 'queue'), read_only=True, on_delete='set_null'),
        fk('kind', 'network-kinds', ('id', 'url', 'ui_url', 'name'), read_only=True, on_delete='set_null'),
        fk('service_env', 'services-environments', ('id', 'url', 'tags', 'ui_url', 'created', 'modified', 'remarks', 'parent', 'service_env', 'configuration_path', 'service', 'environment'), read_only=True, on_delete='cascade'),
        fk('dns_servers_group', 'dns-server-group', ('id', 'url', 'ui_url', 'name', 'servers'), read_only=True),
        m2m('terminators', 'base-objects', ('id', 'url', 'tags', 'created', 'modified', 'remarks', 'parent', 'service_env', 'configuration_path'), read_only=True),
        m2m('racks', 'racks', ('id', 'url', 'ui_url', 'name', 'description', 'orientation', 'max_u_height', 'visualization_col', 'visualization_row', 'require_position', 'reverse_ordering', 'server_room', 'accessories'), read_only=True),
    ),
)


IPADDRESSES = Resource(
    name='ipaddresses',
    view_name='IP Address',
    model='networks.IPAddress',
    verbose_name='IP address',
    str_format='{address}',
    aliases=('ip-addresses',),
    hooks=('ip_number', 'dhcp_rules'),
    delete_hooks=('not_exposed_in_dhcp',),
    projection_hooks=('place_addresses',),
    filter_fields=('hostname', 'ethernet__base_object', 'network', 'network__address', 'status', 'is_public', 'is_management', 'dhcp_expose', 'ethernet__mac', 'address'),
    fields=(
        ID,
        URL,
        fk('network', 'networks', ('id', 'url', 'name', 'remarks', 'vlan', 'dhcp_broadcast', 'parent', 'network_environment', 'ui_url'), read_only=True, on_delete='set_null'),
        fk('ethernet', 'ethernets', nest(('id', 'url', 'ipaddress', 'ui_url', 'created', 'modified', 'model_name', 'label', 'mac', 'speed', 'firmware_version', 'base_object', 'model'), base_object=BASE_OBJECT_FLAT), null=True, unique=True, on_delete='cascade'),
        UI_URL,
        CREATED,
        MODIFIED,
        datetime('last_seen', read_only=True, default='now'),  # LastSeenMixin: auto_now_add
        ip('address', required=True, blank=False, unique=True, help_text='Presented as string.', verbose_name='IP address'),
        string('hostname', 255, null=True, empty_as_null=True),
        boolean('is_management', default=False),
        boolean('is_public', read_only=True, default=False),
        boolean('is_gateway', default=False),
        choice('status', ((1, 'used (fixed address in DHCP)'), (2, 'reserved')), default=1),
        boolean('dhcp_expose', default=False),
        decimal('number', 39, 0, read_only=True, help_text='Presented as int.', in_read=False),
    ),
    write_include=('number',),  # IPAddressSaveSerializer: fields="__all__"; IPAddressSerializer excludes it
)


NETWORK_ENVIRONMENTS = named(
    'network-environments',
    'networks.NetworkEnvironment',
    integer('hostname_template_counter_length', 'PositiveIntegerField', default=4),
    string('hostname_template_prefix', 30, required=True, blank=False),
    string('hostname_template_postfix', 30, required=True, blank=False, help_text='This value will be used as a postfix when generating new hostname in this network environment. For example, when prefix is "s1", postfix is ".mydc.net" and counter length is 4, following  hostnames will be generated: s10000.mydc.net, s10001.mydc.net, .., s19999.mydc.net.'),
    string('domain', 255, null=True, empty_as_null=True, help_text='Used in DHCP configuration.'),
    text('remarks', null=True, help_text='Additional information.'),
    boolean('use_hostname_counter', default=True, help_text='If set to false hostname based on already added hostnames.'),
    fk('data_center', 'data-centers', ('id', 'url', 'ui_url', 'name', 'show_on_dashboard', 'company', 'country', 'city', 'address', 'latitude', 'longitude', 'type', 'shortcut'), required=True, on_delete='cascade'),
    unserved('queue'),  # NetworkEnvironment.queue: discovery queues have no endpoint
    filter_fields=('name', 'data_center'),
    write_include=('queue',),
)


NETWORK_KINDS = named('network-kinds', 'networks.NetworkKind', timestamps=False)

RESOURCES = (
    NETWORKS,
    IPADDRESSES,
    NETWORK_ENVIRONMENTS,
    NETWORK_KINDS,
)
