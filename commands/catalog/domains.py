"""Catalogue declarations: Ralph's `domains` app."""

from .fields import (
    CREATED, ID, MODIFIED, UI_URL, URL, choice, date, decimal, fk, m2m, string, text,
)
from .resource import Resource
from .shapes import BASE_OBJECT_FLAT, BASE_OBJECT_LINKS, BASE_OBJECT_START, PRICE_CURRENCY, named

DOMAINS = Resource(
    name='domains',
    model='domains.Domain',
    clean_hooks=('domain_website',),
    base_object=True,
    filter_fields=('name', 'service_env', 'domain_status', 'business_segment', 'domain_holder', 'domaincontract__expiration_date', 'website_type', 'website_url', 'dns_provider', 'domain_category', 'domain_type', 'additional_services'),
    str_format='{name}',
    fields=(
        *BASE_OBJECT_START,
        *BASE_OBJECT_LINKS,
        fk('business_owner', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'email', 'country', 'ui_url'), null=True, help_text='Business contact person for a domain', on_delete='cascade'),
        fk('technical_owner', 'users', ('id', 'url', 'username', 'first_name', 'last_name', 'email', 'country', 'ui_url'), null=True, help_text='Technical contact person for a domain', on_delete='cascade'),
        m2m('additional_services', 'domain-provider-additional-services', ('id', 'url', 'ui_url', 'name', 'created', 'modified')),
        UI_URL,
        CREATED,
        MODIFIED,
        text('remarks'),
        string('name', 255, required=True, blank=False, unique=True, verbose_name='domain name',
               help_text='Full domain name'),
        choice('domain_status', ((1, 'Active'), (2, 'Pending lapse'), (3, 'Pending transfer away'), (4, 'Lapsed (inactive)'), (5, 'Transfered away')), default=1),
        choice('domain_type', ((1, 'Business'), (2, 'Business security'), (3, 'Technical')), default=1),
        choice('website_type', ((1, 'None'), (2, 'Redirect'), (3, 'Direct')), default=3, help_text='Type of website which domain refers to.'),
        string('website_url', 255, null=True, text_format='url', help_text='Website url which website type refers to.'),
        fk('parent', 'base-objects', BASE_OBJECT_FLAT, null=True, on_delete='set_null'),
        fk('business_segment', 'business-segments', ('id', 'url', 'ui_url', 'name'), null=True, help_text='Business segment for a domain', on_delete='cascade'),
        fk('domain_holder', 'assetholders', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True, help_text='Company which receives invoice for the domain', on_delete='cascade'),
        fk('domain_category', 'domain-category', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True, on_delete='cascade'),
        fk('dns_provider', 'dns-provider', ('id', 'url', 'ui_url', 'name', 'created', 'modified'), null=True, help_text="Provider which keeps domain's DNS", on_delete='cascade'),
    ),
)


DOMAIN_CATEGORY = named('domain-category', 'domains.DomainCategory', ordering=(), filter_fields=(), permissions_by_field=True)


DNS_PROVIDER = named('dns-provider', 'domains.DNSProvider', ordering=(), filter_fields=(), permissions_by_field=True)


DOMAIN_PROVIDER_ADDITIONAL_SERVICES = named(
    'domain-provider-additional-services',
    'domains.DomainProviderAdditionalServices',
    filter_fields=(),
)

#: No endpoint in Ralph (admin only); served as documented (API.md §14).
DOMAIN_CONTRACTS = Resource(
    name='domain-contracts',
    model='domains.DomainContract',
    str_format='{domain} - {expiration_date|None}',
    filter_fields=('domain', 'expiration_date'),
    fields=(
        ID,
        URL,
        UI_URL,
        fk('domain', 'domains', required=True, on_delete='cascade'),
        date('expiration_date', null=True),
        decimal('price', 15, 2, null=True),
        PRICE_CURRENCY,
        CREATED,
        MODIFIED,
    ),
)

RESOURCES = (
    DOMAIN_CONTRACTS,
    DOMAINS,
    DOMAIN_CATEGORY,
    DNS_PROVIDER,
    DOMAIN_PROVIDER_ADDITIONAL_SERVICES,
)
