"""Catalogue declarations: Ralph's `transitions` app (workflows on a model's ``status``).

The transition models and actions are made by Ralph-ES itself when a
process starts (Ralph makes them after its migrations): read-only here.
Transitions are configured by superusers; history rows are written by
transition runs.
"""

from .fields import (CREATED, ID, MODIFIED, UI_URL, URL, boolean, choice, computed, field, fk, integer, json, m2m,
                     string, text)
from .resource import Resource

#: What Ralph names "keep the object's status" (``target`` "0"; the misspelling is Ralph's).
KEEP_STATUS = "Keep orginal status"
#: Ralph's default service for asynchronous transitions.
ASYNC_SERVICE = "ASYNC_TRANSITIONS"

#: The Python names of each model's status choices, in value order (history rows name statuses by them).
STATUS_NAMES = {
    'data-center-assets': ('new', 'used', 'free', 'damaged', 'liquidated', 'to_deploy', 'cleaned', 'pre_liquidated'),
    'back-office-assets': (
        'new', 'in_progress', 'waiting_for_release', 'used', 'loan', 'damaged', 'liquidated', 'in_service',
        'installed', 'free', 'reserved', 'sale', 'loan_in_progress', 'return_in_progress', 'to_find', 'sent',
        'to_buyout', 'in_use_team', 'in_use_test', 'in_progress_team', 'in_progress_test', 'quarantine',
        'refurbished', 'reserved_to_order', 'replacement'),
    'virtual-servers': ('new', 'used', 'to_deploy', 'liquidated'),
    'clusters': ('in_use', 'for_deploy'),
    'access-card': ('new', 'in_progress', 'lost', 'damaged', 'used', 'free', 'return_in_progress', 'liquidated',
                    'reserved'),
    'accessory-stock': ('new', 'in_progress', 'lost', 'damaged', 'used', 'free', 'return_in_progress', 'liquidated',
                        'reserved'),
    'sim-card': ('new', 'in_progress', 'waiting_for_release', 'used', 'damaged', 'liquidated', 'free', 'reserved',
                 'loan_in_progress', 'return_in_progress', 'in_quarantine'),
}

TRANSITION_MODELS = Resource(
    name='transitions-model',
    model='transitions.TransitionModel',
    methods=('GET', 'HEAD', 'OPTIONS'),
    fields=(
        ID,
        URL,
        string('model', 100, read_only=True, help_text="The model's name (Django's content type)"),
        UI_URL,
        string('field_name', 50, required=True, blank=False),
        string('content_type', 100, read_only=True, in_read=False, unique=True),
    ),
)

TRANSITION_ACTIONS = Resource(
    name='transitions-action',
    model='transitions.Action',
    methods=('GET', 'HEAD', 'OPTIONS'),
    ordering=('name',),
    fields=(
        ID,
        URL,
        string('name', 50, required=True, blank=False, unique=True),
    ),
)

TRANSITIONS = Resource(
    name='transitions',
    model='transitions.Transition',
    superuser_writes=True,
    hooks=('transition_rules',),
    unique_together=(('name', 'model'),),
    unique_error=('non_field_errors', 'The fields name, model must make a unique set.'),
    fields=(
        ID,
        URL,
        json('source', required=True, help_text='Names of the statuses the transition may start from'),
        string('name', 50, required=True, blank=False),
        boolean('run_asynchronously', default=False,
                help_text='Run this transition in the background (this could be enforced if you choose at least '
                          'one asynchronous action)'),
        string('async_service_name', 100, null=True, default=ASYNC_SERVICE,
               help_text='Name of asynchronous (internal) service to run this transition. Fill this field only if '
                         'you want to run this transition in the background.'),
        string('target', 50, required=True, blank=False,
               help_text=f'Name of the status the object gets, or "{KEEP_STATUS}"'),
        string('template_name', 255, default=''),
        string('success_url', 255, null=True),
        fk('model', 'transitions-model', required=True, lookup='content_type'),
        m2m('actions', 'transitions-action', required=True, lookup='name'),
    ),
)

TRANSITIONS_HISTORY = Resource(
    name='transitions-history',
    model='transitions.TransitionsHistory',
    methods=('GET', 'HEAD', 'OPTIONS'),
    filter_fields=('created', 'modified', 'transition_name', 'source', 'target', 'object_id'),
    fields=(
        ID,
        URL,
        CREATED,
        MODIFIED,
        string('transition_name', 255, read_only=True),
        string('source', 50, null=True, read_only=True),
        string('target', 50, null=True, read_only=True),
        integer('object_id', read_only=True),
        text('kwargs', read_only=True),
        text('actions', read_only=True),
        fk('logged_user', 'users', read_only=True, on_delete='cascade'),
        computed('attachments', 'history_attachments', ()),
        field('content_type', 'string', max_length=100, read_only=True, in_read=False),
        m2m('files', 'attachments', read_only=True, in_read=False),
    ),
)

#: Documents transition runs generate (reports), downloaded from their history entry.
ATTACHMENTS = Resource(
    name='attachments',
    model='attachments.Attachment',
    internal=True,
    fields=(
        ID,
        string('original_filename', 255, read_only=True),
        string('mime_type', 100, read_only=True),
        text('content', read_only=True),
        CREATED,
    ),
)

#: Job statuses; a job is "not ended" while queued, started or frozen.
JOB_STATUSES = ((1, 'queued'), (2, 'finished'), (3, 'failed'), (4, 'started'), (5, 'frozen'), (6, 'killed'))

TRANSITION_JOBS = Resource(
    name='transitions-job',
    model='transitions.TransitionJob',
    methods=('GET', 'HEAD', 'OPTIONS'),
    ordering=('-modified', '-created'),
    key='uuid',
    url_format='transitions-job/{uuid}',
    fields=(
        ID,
        URL,
        CREATED,
        MODIFIED,
        string('username', 200, null=True, read_only=True),
        string('service_name', 200, read_only=True),
        text('_dumped_params', read_only=True),
        choice('status', JOB_STATUSES, default=1, read_only=True),
        string('object_id', 200, read_only=True),
        fk('transition', 'transitions', read_only=True, on_delete='cascade'),
        string('uuid', 32, read_only=True, unique=True, in_read=False),
        # "<id space>:<id>" of the object while the job is not ended: one such job per object (a claim)
        string('running_on', 100, null=True, read_only=True, unique=True, in_read=False),
        field('requester', 'int', read_only=True, in_read=False),
    ),
)

RESOURCES = (
    TRANSITION_MODELS,
    TRANSITION_ACTIONS,
    TRANSITIONS,
    TRANSITIONS_HISTORY,
    TRANSITION_JOBS,
    ATTACHMENTS,
)
