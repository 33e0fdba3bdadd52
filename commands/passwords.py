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
