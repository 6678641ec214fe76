"""Connection strings in messages without their passwords, whatever shape the string has.

Why not libpq's parser: the strings that most need hiding are the malformed ones. libpq reads `user:pw@host/db`
(no scheme) as `key=value` pairs and quotes the whole string, password included, in its error; a bad `%` escape
fails the parse before anything could be hidden; an unescaped `@` in a password makes the part after it the host,
so a "redacted" URL printed the password as the host name. These functions work on the text alone and never fail.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

HIDDEN = "***"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_KEY_VALUE_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def _split(url: str) -> tuple[str, str, str, str]:
    """(scheme, user, password, rest) of a URI-shaped string; the userinfo ends at the LAST `@`, so an unescaped
    `@` inside a password stays in the password. Empty parts when absent."""
    match = _SCHEME.match(url)
    scheme = match.group(0) if match else ""
    body = url[len(scheme):]
    if "@" not in body:
        return scheme, "", "", body
    userinfo, _, rest = body.rpartition("@")
    user, _, password = userinfo.partition(":")
    return scheme, user, password, rest


def _is_key_value(url: str) -> bool:
    return not _SCHEME.match(url) and "=" in url and "@" not in url.split("=", 1)[0]


def secrets_in(url: str) -> list[str]:
    """Every form of the password that could appear in a message (as written, %-decoded), longest first."""
    if _is_key_value(url):
        found = [m.group(2).strip("'") for m in _KEY_VALUE_PASSWORD.finditer(url)]
    else:
        _, _, password, _ = _split(url)
        found = [password] if password else []
    forms = {f for p in found for f in (p, unquote(p, errors="replace")) if f}
    return sorted(forms, key=len, reverse=True)


def has_password(url: str) -> bool:
    return bool(secrets_in(url))


def redact(url: str) -> str:
    """The connection string with its password replaced by `***`; never raises, never parses with libpq."""
    if _is_key_value(url):
        return _KEY_VALUE_PASSWORD.sub(lambda m: m.group(1) + HIDDEN, url)
    scheme, user, password, rest = _split(url)
    if not user and not password:
        return url
    return f"{scheme}{user}{':' + HIDDEN if password else ''}@{rest}"


def scrub(message: str, url: str) -> str:
    """`message` (an exception text, a log line) with `url` redacted and any remaining form of its password hidden."""
    out = message.replace(url, redact(url))
    for secret in secrets_in(url):
        out = out.replace(secret, HIDDEN)
    return out
