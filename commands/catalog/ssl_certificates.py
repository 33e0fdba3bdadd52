"""Catalogue declarations: Ralph's `ssl_certificates` app."""

from .fields import (
    CREATED, MODIFIED, STR, UI_URL, choice, date, fk, nest, reverse, string, tags, text,
)
from .resource import Resource
from .shapes import (
    BASE_OBJECT_DEEP, BASE_OBJECT_START, CONFIGURATION_CLASS_SIMPLE, LICENCE_SIMPLE, MANUFACTURER_FLAT, PRICE, SERVICE_ENV_SIMPLE,
)

SSLCERTIFICATES = Resource(
    name='sslcertificates',
    model='ssl_certificates.SSLCertificate',
    aliases=('ssl-certificates',),
    base_object=True,
    filter_fields=('name', 'domain_ssl', 'date_from', 'date_to', 'san', 'price', 'service_env__service__uid', 'service_env__service__name', 'service_env__service__id', 'certificate_type', 'issued_by', 'service_env', 'certificate_repository'),
    str_format='{name} from {date_from|None} to {date_to|None}',
    fields=(
        *BASE_OBJECT_START,
        STR,
        tags(read_only=True, help_text='A comma-separated list of tags.'),
        fk('service_env', 'services-environments', SERVICE_ENV_SIMPLE, null=True),
        reverse('licences', 'base-objects-licences', 'base_object', ('id', 'url', ('licence', LICENCE_SIMPLE), 'quantity', 'base_object')),
        fk('configuration_path', 'configuration-classes', CONFIGURATION_CLASS_SIMPLE, null=True, help_text='path to configuration for this object, for example path to puppet class'),
        UI_URL,
        CREATED,
        MODIFIED,
        text('remarks'),
        *PRICE,
        string('name', 255, required=True, blank=False, help_text='Full certificate name'),
        string('domain_ssl', 255, help_text='Full domain name'),
        choice('certificate_type', ((1, 'EV'), (2, 'OV'), (3, 'DV'), (4, 'Wildcard'), (5, 'Multisan'), (6, 'CA ENT')), default=2),
        string('certificate_repository', 255, help_text='Certificate source repository'),
        date('date_from', null=True),
        date('date_to', required=True),
        text('san', help_text='All Subject Alternative Names'),
        fk('parent', 'base-objects', BASE_OBJECT_DEEP, null=True, on_delete='set_null'),
        fk('issued_by', 'manufacturers', nest(MANUFACTURER_FLAT, manufacturer_kind=('id', 'url', 'ui_url', 'name')), null=True),
    ),
)

RESOURCES = (
    SSLCERTIFICATES,
)
