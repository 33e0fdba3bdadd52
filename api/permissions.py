"""Ralph's model permissions (``RalphPermission``): which methods a user may use on a resource; and its object
permissions: which records of a resource restricted by region the user sees (:mod:`commands.regions`)."""

from __future__ import annotations

import falcon

from commands.catalog import Resource
from commands.principals import Principal
from commands.regions import hidden
from commands.store import RalphStore

from .errors import detail, not_found

#: The permissions of which a user needs any, per method (``<action>_<model>`` codenames).
ACTIONS = {"GET": ("view", "add", "change", "delete"), "POST": ("add",), "PUT": ("change",),
           "PATCH": ("change",), "DELETE": ("delete",)}
ACTIONS["HEAD"] = ACTIONS["OPTIONS"] = ACTIONS["GET"]
DENIED = "You do not have permission to perform this action."


def may(user: Principal, res: Resource, method: str) -> bool:
    """True when ``user`` may use ``method`` on ``res``: a superuser always, else any of the method's permissions on
    the resource's model, and for the write methods of superuser-only resources (users) a superuser."""
    if user.is_superuser:
        return True
    if res.superuser_writes and method not in ("GET", "HEAD", "OPTIONS"):
        return False
    return any(f"{action}_{res.model_name}" in user.permissions for action in ACTIONS.get(method, ()))


def require(req: falcon.Request, res: Resource, method: str | None = None) -> None:
    """403 unless the request's user may use ``method`` (default: the request's) on ``res``."""
    if not may(req.context.user, res, method or req.method):
        raise detail(403, DENIED)


def visible_regions(req: falcon.Request) -> frozenset[int] | None:
    """The regions whose records the request's user sees; None for a superuser, who sees every record."""
    user = req.context.user
    return None if user.is_superuser else frozenset(user.regions)


def hide(req: falcon.Request, store: RalphStore, res: Resource, pk: int) -> None:
    """404, as for a missing record, when the request's user may not see record ``pk`` of ``res`` (Ralph's list
    filter leaves it out of the queryset a detail is looked up in); 403 when it is reached through base-objects
    (Ralph does not filter that list, but refuses the object itself)."""
    if hidden(store, res, pk, visible_regions(req)):
        raise detail(403, DENIED) if res.polymorphic else not_found()
