"""The WSGI application factory."""

from __future__ import annotations

import time

import falcon

from commands.catalog import CATALOG, RESOURCES
from commands.config import Settings
from workers.runtime import Runtime

from . import errors, transitions
from .auth import AuthMiddleware
from .events import Events
from .formats import FormatMiddleware
from .health import Health
from .history import History
from .resources import Collection, Item, KeyedItem
from .root import ApiRoot, RotateToken, TokenAuth
from .schema import Schema
from .scm import PATTERN as SCM_PATTERN, ScmByHostname
from .session import Login, Logout
from .throttling import ThrottleMiddleware, throttle

#: A record id in a URL: what a 64-bit id column holds (anything else is no route: 404).
ID = "int(min=0, max=9223372036854775807)"


def create_app(runtime: Runtime | None = None) -> falcon.App:
    """Build the API around ``runtime`` (from the environment when omitted)."""
    rt = runtime or Runtime(Settings.from_env())
    middleware = [ServerTiming(), FormatMiddleware(rt.settings.secret_key),
                  AuthMiddleware(rt.principals, rt.settings.secret_key)]
    if rt.settings.throttle_rate:
        middleware.append(ThrottleMiddleware(throttle(rt.settings)))
    app = falcon.App(middleware=middleware)
    app.req_options.auto_parse_qs_csv = False
    app.req_options.keep_blank_qs_values = True
    errors.install(app)
    transitions.install_errors(app)
    app.add_route("/api/", ApiRoot())
    app.add_route("/api-token-auth/", TokenAuth(rt))
    app.add_route("/api/health/", Health(rt))
    app.add_route("/api/events/", Events(rt))
    app.add_route(f"/api/users/{{pk:{ID}}}/rotate-token/", RotateToken(rt))
    app.add_route("/api/schema/", Schema())
    app.add_route("/api-auth/login/", Login(rt))
    app.add_route("/api-auth/logout/", Logout())
    values = CATALOG["customfieldvalues"]
    for res in RESOURCES:
        if res.internal:
            continue
        collection, item = Collection(rt, res), (KeyedItem if res.key else Item)(rt, res)
        detail = "{pk}" if res.key else f"{{pk:{ID}}}"
        nested = (Collection(rt, values, owner=res), Item(rt, values, owner=res)) if res.has_custom_fields else None
        history = None if res.key else History(rt, res)
        for prefix in (res.name, *res.aliases):
            app.add_route(f"/api/{prefix}/", collection)
            app.add_route(f"/api/{prefix}/{detail}/", item)
            if history:
                app.add_route(f"/api/{prefix}/{detail}/history/", history)
            if nested and not res.polymorphic:
                app.add_route(f"/api/{prefix}/{{pk:{ID}}}/customfields/", nested[0])
                app.add_route(f"/api/{prefix}/{{pk:{ID}}}/customfields/{{item:{ID}}}/", nested[1])
    transitions.install(app, rt, ID)
    app.add_sink(_append_slash, r"^/api(/[^/]+)*$")
    app.add_sink(ScmByHostname(rt), SCM_PATTERN)  # added last: it comes first
    return app


class ServerTiming:
    """Adds ``Server-Timing: app;dur=<ms>`` (time spent in the application) to every response."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        started = getattr(req.context, "started", None)
        if started is not None:
            resp.set_header("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}")


def _append_slash(req: falcon.Request, resp: falcon.Response, **_) -> None:
    """Ralph (Django's APPEND_SLASH) redirects a GET without the final slash."""
    if req.method not in ("GET", "HEAD"):
        raise falcon.HTTPNotFound()
    query = f"?{req.query_string}" if req.query_string else ""
    raise falcon.HTTPMovedPermanently(f"{req.prefix}{req.path}/{query}")
