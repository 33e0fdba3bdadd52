"""Password hashing (scrypt) and API tokens that are never stored in clear."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """A salted scrypt hash in the form ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


def check_password(password: str, encoded: str | None) -> bool:
    """True when ``password`` matches the stored hash."""
    try:
        algo, n, r, p, salt, digest = (encoded or "").split("$")
    except ValueError:
        return False
    if algo != "scrypt":
        return False
    actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt),
                            n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(actual, base64.b64decode(digest))


def api_token(secret_key: str, user_id: int) -> str:
    """The user's API token: 40 hex characters, the id and an HMAC of it.

    Nothing about tokens is stored: the same user always gets the same key,
    a database dump cannot authenticate, and changing the secret key
    revokes every token at once.
    """
    mac = hmac.new(secret_key.encode(), f"api-token:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"{user_id:08x}{mac[:32]}"


def token_user(secret_key: str, token: str) -> int | None:
    """The id of the user a token belongs to, or None when it is not genuine."""
    if len(token) != 40:
        return None
    try:
        user_id = int(token[:8], 16)
    except ValueError:
        return None
    return user_id if hmac.compare_digest(api_token(secret_key, user_id), token) else None
