"""Password hashing (Argon2id), Ralph's hashes accepted, and API tokens that are never stored in clear."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

import argon2

#: Argon2id with the library's RFC 9106 "low memory" profile (t=3, 64 MiB, p=4): today's recommended strength.
HASHER = argon2.PasswordHasher()
#: Django's PBKDF2 hashes (``pbkdf2_sha256$<iterations>$<salt>$<base64 digest>``), as Ralph stores them.
DJANGO_PBKDF2 = re.compile(r"pbkdf2_sha256\$([1-9][0-9]{0,7})\$([^$]{1,128})\$([A-Za-z0-9+/=]{1,128})")


def hash_password(password: str) -> str:
    """A salted Argon2id hash in PHC form (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``)."""
    return HASHER.hash(password)


def check_password(password: str, encoded: str | None) -> bool:
    """True when ``password`` matches the stored hash: Argon2id, Ralph's (Django's) PBKDF2, or this project's
    earlier scrypt hashes."""
    encoded = encoded or ""
    if encoded.startswith("$argon2"):
        try:
            return HASHER.verify(encoded, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False
    if match := DJANGO_PBKDF2.fullmatch(encoded):
        iterations, salt, digest = match.groups()
        actual = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations))
        return hmac.compare_digest(base64.b64encode(actual).decode(), digest)
    if encoded.startswith("scrypt$"):
        return _check_scrypt(password, encoded)
    return False


def is_password_hash(value) -> bool:
    """True when ``value`` is a hash :func:`check_password` can check (Argon2id or Ralph's PBKDF2)."""
    return isinstance(value, str) and (value.startswith("$argon2id$") or bool(DJANGO_PBKDF2.fullmatch(value)))


def needs_rehash(encoded: str | None) -> bool:
    """True when a hash that just verified should be replaced by one of :data:`HASHER` (another scheme, or
    weaker parameters)."""
    if not (encoded or "").startswith("$argon2id$"):
        return True
    try:
        return HASHER.check_needs_rehash(encoded)
    except argon2.exceptions.InvalidHashError:
        return True


def _check_scrypt(password: str, encoded: str) -> bool:
    """``scrypt$n$r$p$salt$hash`` (Ralph-ES before Argon2id)."""
    try:
        _algo, n, r, p, salt, digest = encoded.split("$")
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


def new_token_salt() -> str:
    """A fresh salt for a user's API key (a new salt revokes the key made with the old one)."""
    return secrets.token_hex(16)


def api_token(secret_key: str, user_id: int, salt: str = "") -> str:
    """The user's API key: 40 hex characters, the id and an HMAC of it and the user's token salt.

    No key is stored: the same user gets the same key until the salt changes
    (``ralph-es users rotate-token``, the API's rotate-token, a new password),
    a database copy alone cannot make one (the HMAC key is
    ``RALPH_ES_SECRET_KEY``), and changing the secret key revokes every key.
    """
    message = f"api-token:{user_id}" + (f":{salt}" if salt else "")
    mac = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()
    return f"{user_id:08x}{mac[:32]}"


def token_user_id(token: str) -> int | None:
    """The user id a key claims to be of (check it with :func:`genuine`), or None when it has no key's shape."""
    if len(token) != 40 or not token.isascii():
        return None
    try:
        return int(token[:8], 16)
    except ValueError:
        return None


def genuine(secret_key: str, token: str, user_id: int, salt: str) -> bool:
    """True when ``token`` is the current key of user ``user_id``."""
    return hmac.compare_digest(api_token(secret_key, user_id, salt), token)
