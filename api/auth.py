"""Authentication (Token and Basic) and the staff check, as Ralph does them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging

import falcon

from commands.passwords import check_password, genuine, hash_password, needs_rehash, token_user_id
from commands.principals import Principal, Principals

from .errors import detail
from .permissions import DENIED

log = logging.getLogger("ralph_es.api")
OPEN_PATHS = ("/api-token-auth/", "/api/health/", "/api-auth/login/", "/api-auth/logout/")
#: The cookie a browser session (the HTML preview's login) keeps its API key in.
SESSION_COOKIE = "ralph_es_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: What an unknown username's password is checked against (the cost of a real check).
DUMMY_HASH = hash_password("not a password")


def authenticate(principals: Principals, secret_key: str, header: str | None) -> Principal:
    """The user an Authorization header names, as stored now, or a 401."""
    if not header:
        raise _unauthorized("Authentication credentials were not provided.")
    keyword, _, rest = header.strip().partition(" ")
    parts = rest.split()
    if keyword.lower() == "token":
        if not parts:
            raise _unauthorized("Invalid token header. No credentials provided.")
        if len(parts) > 1:
            raise _unauthorized("Invalid token header. Token string should not contain spaces.")
        user_id = token_user_id(parts[0])
        user = principals.get(user_id) if user_id is not None else None
        if user is None or not genuine(secret_key, parts[0], user_id, user.token_salt):
            raise _unauthorized("Invalid token.")
        if not user.is_active:
            raise _unauthorized("User inactive or deleted.")
        return user
    if keyword.lower() == "basic":
        if len(parts) != 1:
            raise _unauthorized("Invalid basic header. No credentials provided." if not parts
                                else "Invalid basic header. Credentials string should not contain spaces.")
        try:
            username, _, password = base64.b64decode(parts[0]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise _unauthorized("Invalid basic header. Credentials not correctly base64 encoded.") from None
        user = check_credentials(principals, username, password)
        if user is None:
            raise _unauthorized("Invalid username/password.")
        if not user.is_active:
            raise _unauthorized("User inactive or deleted.")
        return user
    raise _unauthorized("Authentication credentials were not provided.")


def check_credentials(principals: Principals, username: str, password: str) -> Principal | None:
    """The user with this username and password, or None; as slow for an unknown username as for a known one
    (a password is checked either way), so usernames cannot be told apart by timing."""
    user = principals.by_username(username)
    if user is None or not user.password:
        check_password(password, DUMMY_HASH)
        return None
    if not check_password(password, user.password):
        return None
    if needs_rehash(user.password):
        _upgrade(principals, user, password)
    return user


def _upgrade(principals: Principals, user: Principal, password: str) -> None:
    """Store the password under today's KDF (a Ralph PBKDF2 hash, weaker parameters); a failure costs the
    user nothing but another try at the next login."""
    try:
        principals.rehash(user.id, user.password, password)
    except Exception as ex:  # noqa: BLE001 - the login itself succeeded
        log.warning("re-hashing the password of user %s failed: %s", user.id, ex)


def _unauthorized(message: str):
    return detail(401, message, **{"WWW-Authenticate": 'Token'})


def csrf_token(secret_key: str, session: str) -> str:
    """What a page of a browser session sends back (``X-CSRFToken``) with its writes: bound to the session's key,
    so another site cannot know it."""
    return hmac.new(secret_key.encode(), f"csrf:{session}".encode(), hashlib.sha256).hexdigest()[:32]


class AuthMiddleware:
    """Authenticates every request (the Authorization header, else a browser session's cookie) and requires
    staff; a session's writes must carry its CSRF token."""

    def __init__(self, principals: Principals, secret_key: str):
        self.principals = principals
        self.secret_key = secret_key

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.path in OPEN_PATHS:
            return
        header = req.get_header("Authorization")
        session = None if header else req.cookies.get(SESSION_COOKIE)
        user = authenticate(self.principals, self.secret_key, f"Token {session}" if session else header)
        if session and req.method not in SAFE_METHODS and not hmac.compare_digest(
                req.get_header("X-CSRFToken") or "", csrf_token(self.secret_key, session)):
            raise detail(403, "CSRF Failed: CSRF token missing or incorrect.")
        if not (user.is_staff or user.is_superuser):
            raise detail(403, DENIED)
        req.context.user_id = user.id
        req.context.user = user
