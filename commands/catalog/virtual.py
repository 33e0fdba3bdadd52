"""Catalogue declarations: Ralph's `virtual` app."""

from .fields import (
    computed, CREATED, ID, MODIFIED, STR, UI_URL, URL, boolean, choice, fk, integer, json, reverse, string, tags, text,
)
from .resource import Resource
from .shapes import CONFIGURATION_CLASS_SIMPLE, LICENCE_SIMPLE, BASE_OBJECT_LINKS, BASE_OBJECT_META, BASE_OBJECT_START, HOST_PARTS, NETWORKABLE_FILTERS, SCANS, SERVICE_FILTERS, SERVICE_OWNERS, named

VIRTUAL_SERVERS = Resource(
    name='virtual-servers',
    verbose_name='Virtual server (VM)',
    write_exclude=('parent',),  # VirtualServerSaveSerializer: the hypervisor is the parent
    view_name='Virtual Server',
    transitions=True,
    model='virtual.VirtualServer',
    base_object=True,
    filter_fields=('service_env__service__uid', 'service_env__service__name', 'service_env__service__id', 'hostname', 'sn', 'ethernet_set__ipaddress__hostname', 'service_env', 'configuration_path__path', 'configuration_path__module', 'securityscan__vulnerabilities__patch_deadline', 'securityscan__vulnerabilities', 'securityscan__is_patched', 'parent', 'scmstatuscheck__check_result', 'scmstatuscheck__last_checked'),
    extended_filters={'service': ['service_env__service__uid', 'service_env__service__name'], 'env': ['service_env__environment__name'], 'hypervisor_service': ['parent__service_env__service__uid']},
    str_format='VirtualServer: {hostname|None} ({sn|None})',
    additional_filters=NETWORKABLE_FILTERS,
    fields=(
        ID,
        URL,
        *SERVICE_OWNERS,
        *HOST_PARTS,
        *BASE_OBJECT_META,
        *BASE_OBJECT_LINKS,
        fk('type', 'virtual-server-types', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), required=True, on_delete='cascade'),
        fk('hypervisor', 'base-objects', ('hostname', 'url', 'ui_url'), required=True, source='parent',
           link='data-center-assets',  # DataCenterAssetSimpleSerializer(source='parent'): datacenterasset-detail
           limit_to=('data-center-assets', 'virtual-servers', 'clusters', 'cloud-hosts')),  # DCHost
        *SCANS,
        UI_URL,
        CREATED,
        MODIFIED,
        text('remarks'),
        choice('status', ((1, 'new'), (2, 'in use'), (3, 'to deploy'), (4, 'liquidated')), default=1),
        string('hostname', 255, null=True, unique=True, unique_scope='virtualserver', empty_as_null=True),
        string('sn', 200, null=True, unique=True, unique_scope='virtualserver', verbose_name='SN', empty_as_null=True),
        fk('parent', 'base-objects', read_only=True, on_delete='set_null'),
        fk('cluster', 'clusters', null=True, in_read=False, on_delete='cascade'),
    ),
    write_include=('cluster',),  # VirtualServerSaveSerializer: the model's fields but parent
)


CLOUD_HOSTS = Resource(
    name='cloud-hosts',
    model='virtual.CloudHost',
    hooks=('service_env_from_parent',),
    effects=('cloud_host_addresses',),
    write_include=('ip_addresses',),  # SaveCloudHostSerializer.ip_addresses: the host's addresses
    verbose_name='Cloud host',
    base_object=True,
    filter_fields=('service_env__service__uid', 'service_env__service__name', 'service_env__service__id', 'cloudflavor__name', 'host_id', 'hostname', 'ethernet_set__ipaddress__hostname', 'service_env', 'configuration_path__path', 'configuration_path__module', 'securityscan__vulnerabilities__patch_deadline', 'securityscan__vulnerabilities', 'securityscan__is_patched', 'cloudprovider', 'cloudflavor', 'hypervisor', 'scmstatuscheck__check_result', 'scmstatuscheck__last_checked'),
    extended_filters=SERVICE_FILTERS,
    str_format='{hostname}',
    fields=(
        ID,
        URL,
        *SERVICE_OWNERS,
        reverse('ethernet', 'ethernets', 'base_object', ('id', 'mac', 'ipaddress', 'url', 'ui_url')),
        computed('ipaddresses', 'ip_addresses', [('ethernets', 'base_object')]),
        *BASE_OBJECT_META,
        *BASE_OBJECT_LINKS,
        fk('hypervisor', 'data-center-assets', ('hostname', 'url', 'ui_url'), null=True, on_delete='cascade'),
        fk('parent', 'cloud-projects', ('name', 'url', 'project_id', 'ui_url'), null=True, on_delete='set_null'),  # CloudProjectSimpleSerializer
        fk('cloudflavor', 'cloud-flavors', ('name', 'cores', 'memory', 'disk', 'url', 'ui_url'), required=True, on_delete='cascade'),
        *SCANS,
        UI_URL,
        CREATED,
        MODIFIED,
        text('remarks'),
        string('host_id', 100, required=True, blank=False, unique=True, verbose_name='host ID'),
        string('hostname', 255, required=True, blank=False),
        string('image_name', 255, null=True),
        fk('cloudprovider', 'cloud-providers', ('id', 'url', 'ui_url', 'name', 'cloud_sync_enabled', 'cloud_sync_driver', 'client_config'), required=True, on_delete='cascade'),
        json('ip_addresses', required=True, in_read=False, many=True),  # SaveCloudHostSerializer: a ListField
    ),
)


VIRTUAL_SERVER_TYPES = named('virtual-server-types', 'virtual.VirtualServerType')


CLOUD_PROJECTS = Resource(
    name='cloud-projects',
    model='virtual.CloudProject',
    propagate=(('cloud-hosts', 'parent', ('service_env',)),),  # update_service_env_on_cloudproject_save
    base_object=True,
    filter_fields=('name', 'project_id', 'service_env', 'cloudprovider'),
    str_format='Cloud Project: {name}',
    fields=(
        *BASE_OBJECT_START,
        *BASE_OBJECT_LINKS,
        reverse('cloud_hosts', 'cloud-hosts', 'parent', ('hostname', 'ip_addresses=ipaddresses', 'url', 'ui_url')),
        UI_URL,
        CREATED,
        MODIFIED,
        text('remarks'),
        string('project_id', 100, required=True, blank=False, unique=True, verbose_name='project ID'),
        string('name', 100, required=True, blank=False),
        fk('cloudprovider', 'cloud-providers', ('id', 'url', 'ui_url', 'name', 'cloud_sync_enabled', 'cloud_sync_driver', 'client_config'), required=True, on_delete='cascade'),
    ),
)


CLOUD_FLAVORS = Resource(
    name='cloud-flavors',
    model='virtual.CloudFlavor',
    in_use=(('cloud-hosts',), 'Cloud flavor is in use and hence is not deletable. Use {"force": true} to force deletion.'),
    base_object=True,
    filter_fields=('flavor_id', 'name', 'cloudprovider'),
    str_format='{name}',
    fields=(
        *BASE_OBJECT_START,
        STR,
        tags(help_text='A comma-separated list of tags.'),
        reverse('licences', 'base-objects-licences', 'base_object', ('id', 'url', ('licence', LICENCE_SIMPLE), 'quantity', 'base_object')),
        fk('configuration_path', 'configuration-classes', CONFIGURATION_CLASS_SIMPLE, null=True, help_text='path to configuration for this object, for example path to puppet class'),
        integer('cores', 'PositiveIntegerField', required=True),
        integer('memory', 'PositiveIntegerField', required=True),
        integer('disk', 'PositiveIntegerField', required=True),
        UI_URL,
        CREATED,
        MODIFIED,
        text('remarks'),
        string('name', 255, required=True, blank=False),
        string('flavor_id', 100, required=True, blank=False, unique=True),
        fk('cloudprovider', 'cloud-providers', required=True, on_delete='cascade'),
        fk('parent', 'base-objects', null=True, in_read=False, on_delete='set_null'),
        fk('service_env', 'services-environments', null=True, in_read=False),
    ),
)


CLOUD_PROVIDERS = named(
    'cloud-providers',
    'virtual.CloudProvider',
    boolean('cloud_sync_enabled', default=False),
    string('cloud_sync_driver', 128, null=True),
    json('client_config', null=True, default={}),
    timestamps=False,
    verbose_name='Cloud provider',
    in_use=(('cloud-flavors', 'cloud-hosts', 'cloud-projects'),
            'Cloud provider is in use and hence is not deletable. Use {"force": true} to force deletion.'),
    ordering=(),
    filter_fields=('name', 'cloud_sync_enabled', 'cloud_sync_driver'),
)


CLOUD_IMAGES = Resource(
    name='cloud-images',
    str_format='Cloud Image: {name}',
    model='virtual.CloudImage',
    filter_fields=('image_id', 'name'),
    fields=(
        ID,
        URL,
        UI_URL,
        string('image_id', 100, required=True, blank=False, unique=True, verbose_name='image ID'),
        string('name', 200, required=True, blank=False),
    ),
)

RESOURCES = (
    VIRTUAL_SERVERS,
    CLOUD_HOSTS,
    VIRTUAL_SERVER_TYPES,
    CLOUD_PROJECTS,
    CLOUD_FLAVORS,
    CLOUD_PROVIDERS,
    CLOUD_IMAGES,
)
