"""Authentication (Token and Basic) and the staff check, as Ralph does them."""

from __future__ import annotations

import base64
import binascii

import falcon

from commands.catalog import CATALOG
from commands.passwords import check_password, token_user
from projections.queries import ReadModel

from .errors import detail
from .negotiation import negotiate

OPEN_PATHS = ("/api-token-auth/", "/api/health/")


def authenticate(reads: ReadModel, secret_key: str, header: str | None) -> tuple[int, dict]:
    """(user id, user values) for an Authorization header, or a 401."""
    if not header:
        raise _unauthorized("Authentication credentials were not provided.")
    keyword, _, rest = header.strip().partition(" ")
    parts = rest.split()
    if keyword.lower() == "token":
        if not parts:
            raise _unauthorized("Invalid token header. No credentials provided.")
        if len(parts) > 1:
            raise _unauthorized("Invalid token header. Token string should not contain spaces.")
        user_id = token_user(secret_key, parts[0])
        user = reads.state(CATALOG["users"], user_id) if user_id is not None else None
        if user is None:
            raise _unauthorized("Invalid token.")
        if not user.get("is_active"):
            raise _unauthorized("User inactive or deleted.")
        return user_id, user
    if keyword.lower() == "basic":
        if len(parts) != 1:
            raise _unauthorized("Invalid basic header. No credentials provided." if not parts
                                else "Invalid basic header. Credentials string should not contain spaces.")
        try:
            username, _, password = base64.b64decode(parts[0]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise _unauthorized("Invalid basic header. Credentials not correctly base64 encoded.") from None
        user = check_credentials(reads, username, password)
        if user is None:
            raise _unauthorized("Invalid username/password.")
        if not user[1].get("is_active"):
            raise _unauthorized("User inactive or deleted.")
        return user
    raise _unauthorized("Authentication credentials were not provided.")


def check_credentials(reads: ReadModel, username: str, password: str) -> tuple[int, dict] | None:
    """The user with this username and password, or None."""
    if "\x00" in username:
        return None
    found = reads.find(CATALOG["users"], "username", username)
    if found is None or not check_password(password, found[1].get("password")):
        return None
    return found


def _unauthorized(message: str):
    return detail(401, message, **{"WWW-Authenticate": 'Token'})


class AuthMiddleware:
    """Negotiates, then authenticates every request and requires staff."""

    def __init__(self, reads: ReadModel, secret_key: str):
        self.reads = reads
        self.secret_key = secret_key

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        negotiate(req)
        if req.path in OPEN_PATHS:
            return
        user_id, user = authenticate(self.reads, self.secret_key, req.get_header("Authorization"))
        if not (user.get("is_staff") or user.get("is_superuser")):
            raise detail(403, "You do not have permission to perform this action.")
        req.context.user_id = user_id
        req.context.user = user
