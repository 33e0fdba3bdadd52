"""Catalogue declarations: Ralph's `auth` app."""

from .fields import ID, URL, permissions, string
from .resource import Resource

GROUPS = Resource(
    name='groups',
    model='auth.Group',
    filter_fields=('name',),
    fields=(
        ID,
        URL,
        string('name', 80, required=True, blank=False, unique=True),
        permissions(),
    ),
)

RESOURCES = (
    GROUPS,
)
