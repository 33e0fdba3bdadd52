"""Django's and DRF's string validators: what a field declares with ``validators`` and ``text_format`` (see
:class:`commands.catalog.fields.Field`), checked as Django checks them."""

from __future__ import annotations

import ipaddress
import re
from functools import cache

#: A host name label and a top-level domain as Django's URL and e-mail validators accept them.
_LABEL = r"[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?"
_DOMAIN = r"(?:\.(?!-)[a-z0-9\u00a1-\uffff-]{1,63}(?<!-))*"
_TLD = r"\.(?!-)(?:[a-z\u00a1-\uffff-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)\.?"
_URL = re.compile(
    r"^(?:http|ftp)s?://"
    r"(?:[^\s:@/]+(?::[^\s:@/]*)?@)?"  # user:password@
    rf"(?P<host>(?:\d{{1,3}}(?:\.\d{{1,3}}){{3}})|\[[0-9a-f:.]+\]|{_LABEL}{_DOMAIN}{_TLD}|localhost)"
    r"(?::\d{2,5})?"
    r"(?:[/?#][^\s]*)?\Z", re.IGNORECASE)
_EMAIL_USER = re.compile(
    r"(^[-!#$%&'*+/=?^_`{}|~0-9a-z]+(\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*\Z"
    r'|^"([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*"\Z)', re.IGNORECASE)
_EMAIL_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z0-9-]{2,63}(?<!-))\Z", re.IGNORECASE)

#: DRF's message for a value that is not of the field's format.
MESSAGES = {"url": "Enter a valid URL.", "email": "Enter a valid email address."}


def is_url(value: str) -> bool:
    """True when Django's ``URLValidator`` accepts ``value`` (http(s)/ftp(s); a host with a top-level domain,
    ``localhost`` or an IP address)."""
    found = _URL.match(value)
    if not found:
        return False
    host = found.group("host")
    try:
        if host.startswith("["):
            ipaddress.IPv6Address(host[1:-1])
        elif host[0].isdigit() and host.replace(".", "").isdigit():
            ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return len(host) <= 253


def is_email(value: str) -> bool:
    """True when Django's ``EmailValidator`` accepts ``value``."""
    user, at, domain = value.rpartition("@")
    if not at or not _EMAIL_USER.match(user):
        return False
    if domain == "localhost" or _EMAIL_DOMAIN.match(domain):
        return True
    if domain.startswith("[") and domain.endswith("]"):
        try:
            ipaddress.ip_address(domain[1:-1].removeprefix("IPv6:"))
            return True
        except ValueError:
            return False
    try:
        return bool(_EMAIL_DOMAIN.match(domain.encode("idna").decode("ascii")))
    except UnicodeError:
        return False


_CHECKS = {"url": is_url, "email": is_email}


@cache
def _pattern(regex: str) -> re.Pattern:
    return re.compile(regex)


def problems(validators: tuple[tuple[str, str, str], ...], value: str) -> list[str]:
    """Messages of the model's validators that ``value`` fails, in declared order: ``("regex", pattern,
    message)`` wants a match somewhere in the value (Django's ``RegexValidator``), ``("not_regex", ...)`` none."""
    return [message for rule, regex, message in validators
            if (_pattern(regex).search(value) is None) == (rule == "regex")]


def format_problem(text_format: str, value: str) -> str | None:
    """DRF's message when ``value`` is not a ``text_format`` (``url``, ``email``) value, else None."""
    return None if _CHECKS[text_format](value) else MESSAGES[text_format]
