"""Catalogue declarations: Ralph's `custom_fields` app."""

from .fields import ID, UI_URL, URL, boolean, choice, field, fk, integer, string, text
from .resource import Resource

CUSTOM_FIELD_DEFINITIONS = Resource(
    name='custom-fields',
    model='custom_fields.CustomField',
    ordering=('-modified', '-created'),
    filter_fields=('name', 'attribute_name', 'type'),
    write_url=True,
    hooks=('attribute_name_from_name',),
    fields=(
        ID,
        string('name', 255, required=True, blank=False, unique=True),
        string('attribute_name', 255, read_only=True, blank=False, unique=True,
               help_text="field name used in API. It's slugged name of the field"),
        choice('type', ((1, 'string'), (2, 'integer'), (3, 'date'), (4, 'url'), (5, 'choice list')), default=1),
        string('default_value', 1000, null=True, default='', help_text='for boolean use "true" or "false"'),
        text('choices', required=True, joined='|', help_text='available choices for `choices list` separated by |'),
        boolean('use_as_configuration_variable', default=False,
                help_text='When set, this variable will be exposed in API in "configuration_variables" section. '
                          'You could use this later in configuration management tool like Puppet or Ansible.'),
        URL,
        UI_URL,
    ),
)

#: Values of custom fields, served only under ``/api/<prefix>/<id>/customfields/``.
CUSTOM_FIELD_VALUES = Resource(
    name='customfieldvalues',
    write_url=True,
    model='custom_fields.CustomFieldValue',
    internal=True,
    url_format='{object_resource}/{object_id}/customfields/{id}',
    hooks=('custom_field_value',),
    unique_together=(('custom_field', 'object_family', 'object_id'),),
    unique_error=('__all__', 'Custom field of the same type already exists for this object.'),
    filter_fields=('custom_field', 'custom_field__attribute_name', 'value'),
    read_order=('id', 'custom_field', 'value', 'url'),  # CustomFieldValueSerializer; the save one has url second
    fields=(
        ID,
        URL,
        fk('custom_field', 'custom-fields', ('name', 'attribute_name', 'type', 'default_value', 'ui_url'),
           required=True, lookup='attribute_name'),
        string('value', 1000, required=True, blank=False),
        field('object_family', 'string', max_length=64, read_only=True, in_read=False),
        field('object_resource', 'string', max_length=64, read_only=True, in_read=False),
        integer('object_id', read_only=True, in_read=False, on_delete='cascade'),
    ),
)

RESOURCES = (
    CUSTOM_FIELD_DEFINITIONS,
    CUSTOM_FIELD_VALUES,
)
