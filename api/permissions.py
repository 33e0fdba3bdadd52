"""Ralph's model permissions (``RalphPermission``): which methods a user may use on a resource."""

from __future__ import annotations

import falcon

from commands.catalog import Resource
from commands.principals import Principal

from .errors import detail

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
