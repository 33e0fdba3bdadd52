"""Error responses in DRF's shape."""

from __future__ import annotations

import logging
import uuid

import falcon
import msgspec
from sqlalchemy import exc

from commands.handlers import Conflict, NotFound, PreconditionFailed
from commands.idempotency import KeyInFlight, KeyReused
from commands.store import UNAVAILABLE
from commands.validation import ValidationFailed
from projections.filters import FilterError

_encode = msgspec.json.Encoder().encode
log = logging.getLogger("ralph_es.api")


class ApiError(Exception):
    """An error answered with ``status`` and a JSON ``body``."""

    def __init__(self, status: int, body, headers: dict | None = None):
        super().__init__(body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def detail(status: int, message: str, **headers) -> ApiError:
    """An error whose body is ``{"detail": message}``."""
    return ApiError(status, {"detail": message}, headers)


def not_found() -> ApiError:
    return detail(404, "Not found.")


def method_not_allowed(method: str, allowed) -> ApiError:
    return detail(405, f'Method "{method}" not allowed.', Allow=", ".join(allowed))


def _send(resp: falcon.Response, status: int, body, headers: dict) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = _encode(body)
    for name, value in headers.items():
        resp.set_header(name, value)


def _api_error(req, resp, ex: ApiError, params):
    _send(resp, ex.status, ex.body, ex.headers)


def _validation(req, resp, ex: ValidationFailed | FilterError, params):
    _send(resp, 400, ex.errors, {})


def _conflict(req, resp, ex: Conflict, params):
    _send(resp, 409, {"detail": ex.detail} | ({"referenced_by": ex.referenced_by} if ex.referenced_by else {}), {})


def _not_found(req, resp, ex: NotFound, params):
    _send(resp, 404, {"detail": "Not found."}, {})


def _http_error(req, resp, ex: falcon.HTTPError, params):
    message = "Not found." if ex.status_code == 404 else ex.description or ex.title or "Error."
    _send(resp, ex.status_code, {"detail": message}, dict(ex.headers or {}))


def _unexpected(req, resp, ex: Exception, params):
    """Any other exception: logged with a request id that the JSON 500 body also carries."""
    request_id = uuid.uuid4().hex
    log.error("request %s: %s %s failed", request_id, req.method, req.relative_uri, exc_info=ex)
    _send(resp, 500, {"detail": "A server error occurred.", "request_id": request_id},
          {"X-Request-ID": request_id})


_RETRY = {"Retry-After": "5"}


def _unavailable(req, resp, ex: Exception, params):
    """Errors of :data:`UNAVAILABLE`: the database is away (or cancelled a slow read): 503 JSON with ``Retry-After``."""
    if getattr(getattr(ex, "orig", None), "sqlstate", None) == "57014":  # query_canceled: the statement timeout
        _send(resp, 503, {"detail": "The query took too long and was cancelled; narrow it or retry later."}, _RETRY)
        return
    log.warning("%s %s: database unavailable: %s", req.method, req.relative_uri, str(ex).splitlines()[0])
    _send(resp, 503, {"detail": "The database is unavailable; retry later."}, _RETRY)


def _data_error(req, resp, ex: exc.DataError, params):
    """A value PostgreSQL refuses: a regular expression RE2 accepted but PostgreSQL's engine does not is a 400."""
    if getattr(ex.orig, "sqlstate", None) == "2201B":  # invalid_regular_expression
        _send(resp, 400, {"detail": f"Invalid regular expression for PostgreSQL: {str(ex.orig).splitlines()[0]}"},
              {})
        return
    _unexpected(req, resp, ex, params)


def _precondition_failed(req, resp, ex: PreconditionFailed, params) -> None:
    """``If-Match`` named a version the record is no longer at: nothing was applied."""
    _send(resp, 412, {"detail": f"The record has changed since: it is at version {ex.current} now."}, {})


def _key_reused(req, resp, ex: KeyReused, params) -> None:
    """``Idempotency-Key``: the key was used for another request within its window: nothing was applied."""
    _send(resp, 422, {"detail": "This Idempotency-Key was used with another request."}, {})


def _key_in_flight(req, resp, ex: KeyInFlight, params) -> None:
    """``Idempotency-Key``: a request with the key is being processed."""
    _send(resp, 409, {"detail": "A request with this Idempotency-Key is still being processed."}, {})


def install(app: falcon.App) -> None:
    """Route every error through a DRF-shaped JSON body."""
    app.add_error_handler(Exception, _unexpected)
    app.add_error_handler(UNAVAILABLE, _unavailable)
    app.add_error_handler(exc.DataError, _data_error)
    app.add_error_handler(falcon.HTTPError, _http_error)
    app.add_error_handler(ApiError, _api_error)
    app.add_error_handler(ValidationFailed, _validation)
    app.add_error_handler(FilterError, _validation)
    app.add_error_handler(Conflict, _conflict)
    app.add_error_handler(NotFound, _not_found)
    app.add_error_handler(PreconditionFailed, _precondition_failed)
    app.add_error_handler(KeyReused, _key_reused)
    app.add_error_handler(KeyInFlight, _key_in_flight)
