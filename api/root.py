"""``/api/`` (the resource index) and ``/api-token-auth/``."""

from __future__ import annotations

import msgspec

from commands.catalog import CATALOG, RESOURCES
from commands.handlers import NotFound
from commands.passwords import api_token
from workers.runtime import Runtime

from .auth import check_credentials
from .errors import ApiError, method_not_allowed, not_found
from .negotiation import parse_body
from .permissions import may, require
from .responses import send, stored

_encode = msgspec.json.Encoder().encode


class ApiRoot:
    """Every resource prefix the user may view mapped to its absolute list URL, sorted."""

    def on_get(self, req, resp):
        body = {r.name: f"{req.prefix}/api/{r.name}/" for r in sorted(RESOURCES, key=lambda r: r.name)
                if not r.internal and may(req.context.user, r, "GET")}
        send(req, resp, 200, _encode(body))


class RotateToken:
    """``POST /api/users/<id>/rotate-token/`` (superusers): revoke the user's API key at once; 204."""

    def __init__(self, rt: Runtime):
        self.rt = rt

    def on_post(self, req, resp, pk: int):
        require(req, CATALOG["users"], "PUT")
        try:
            position = self.rt.principals.rotate_token(pk, req.context.user_id)
        except NotFound:
            raise not_found() from None
        stored(self.rt, resp, position)
        resp.status = 204


class TokenAuth:
    """DRF's ``obtain_auth_token``: the same 40-hex key for the same user."""

    def __init__(self, rt: Runtime):
        self.rt = rt

    def on_post(self, req, resp):
        body = parse_body(req, self.rt.settings.max_body_bytes)
        missing = {k: ["This field is required."] for k in ("username", "password") if not body.get(k)}
        if missing:
            raise ApiError(400, missing)
        user = check_credentials(self.rt.principals, str(body["username"]), str(body["password"]))
        if user is None or not user.is_active:
            raise ApiError(400, {"non_field_errors": ["Unable to log in with provided credentials."]})
        send(req, resp, 200, _encode({"token": api_token(self.rt.settings.secret_key, user.id, user.token_salt)}))

    def on_get(self, req, resp):
        raise method_not_allowed("GET", ("POST", "OPTIONS"))
