"""Keeping configuration secrets out of everything ThreatVec prints, stores or sends.

Env values and header values from MCP configs are used to start or reach a
server and nowhere else. Command-line arguments are shown, so secret-looking
arguments (``--api-key X``, ``--token=X``, well-known token prefixes) are
replaced by ``<redacted>`` before they are shown or hashed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "REDACTED",
    "looks_like_secret_name",
    "looks_like_secret_value",
    "redact_args",
    "redact_text",
    "scrub_value",
    "secret_args",
    "secrets_to_scrub",
]

REDACTED = "<redacted>"

_SECRET_NAME = re.compile(
    r"(?i)(token|secret|passw(or)?d|pwd|api[_-]?key|apikey|access[_-]?key|private[_-]?key|"
    r"credential|auth|bearer|session|cookie|signature|sig|client[_-]?secret|key)$|"
    r"^(x_)?(api_?key|authorization|token|auth)"
)
# Prefixes of tokens issued by common services; a bare value with one of these
# is a secret even without a telling flag name.
_SECRET_VALUE = re.compile(
    r"^(sk-[A-Za-z0-9_-]{8,}|sk_(live|test)_[A-Za-z0-9]{8,}|gh[pousr]_[A-Za-z0-9]{20,}|"
    r"github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|"
    r"AIza[0-9A-Za-z_-]{30,}|glpat-[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\..*|"
    r"(Bearer|Basic)\s+\S{8,})$"
)


def looks_like_secret_name(name: str) -> bool:
    """True for option, env or header names that usually carry a secret."""
    cleaned = name.strip().lstrip("-").replace("-", "_")
    return bool(cleaned) and bool(_SECRET_NAME.search(cleaned))


def looks_like_secret_value(value: str) -> bool:
    """True for values shaped like a well-known token or credential."""
    return bool(_SECRET_VALUE.match(value.strip()))


def _split_args(args: Sequence[str]) -> list[tuple[str, str | None]]:
    """Each argument as shown, with the secret it hides (None when it hides none)."""
    out: list[tuple[str, str | None]] = []
    hide_next = False
    for arg in args:
        if hide_next:
            out.append((REDACTED, arg))
            hide_next = False
            continue
        if arg.startswith("-") and "=" in arg:
            flag, _, value = arg.partition("=")
            if looks_like_secret_name(flag) and value:
                out.append((f"{flag}={REDACTED}", value))
            else:
                out.append((arg, None))
            continue
        if arg.startswith("-") and looks_like_secret_name(arg):
            out.append((arg, None))
            hide_next = True
            continue
        if "=" in arg and not arg.startswith("-"):
            # KEY=VALUE style (e.g. `docker run -e TOKEN=...`)
            key, _, value = arg.partition("=")
            if looks_like_secret_name(key) and value:
                out.append((f"{key}={REDACTED}", value))
                continue
        if looks_like_secret_value(arg):
            out.append((REDACTED, arg))
            continue
        userinfo = _USERINFO.match(arg)
        if userinfo is None:
            out.append((arg, None))
        else:
            # "https://user:pw@host": the credentials between "://" and "@".
            hidden = userinfo.group(0)[len(userinfo.group(1)) : -1]
            out.append((_redact_url_userinfo(arg), hidden))
    return out


def redact_args(args: Sequence[str]) -> list[str]:
    """Copy of `args` with secret-looking values replaced by `REDACTED`."""
    return [shown for shown, _ in _split_args(args)]


def secret_args(args: Sequence[str]) -> list[str]:
    """The values `redact_args` hides: a server that prints them must not leak them."""
    return [hidden for _, hidden in _split_args(args) if hidden]


_USERINFO = re.compile(r"(?i)^([a-z][a-z0-9+.-]*://)[^/@\s]+@")


def _redact_url_userinfo(arg: str) -> str:
    return _USERINFO.sub(lambda m: m.group(1) + REDACTED + "@", arg)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each (non-trivial) secret in `text`."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _high_entropy(value: str) -> bool:
    """Long, mixed letters and digits, no spaces: shaped like a generated credential."""
    return (
        len(value) >= 16
        and " " not in value
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
    )


def secrets_to_scrub(
    env: Mapping[str, str], headers: Mapping[str, str], args: Sequence[str] = ()
) -> list[str]:
    """Configured values that must never reappear in what a server shows us.

    Every header value (and the token of ``Bearer <token>``) counts; of the env
    values only those that are secret by name or by shape, so that an ordinary
    value such as ``production`` or a path is not blotted out of descriptions;
    of the arguments, those ``redact_args`` hides (``--api-key X``).
    """
    out: list[str] = secret_args(args)
    for value in headers.values():
        out.append(value)
        if " " in value.strip():
            out.append(value.strip().split(None, 1)[1])
    for name, value in env.items():
        if looks_like_secret_name(name) or looks_like_secret_value(value) or _high_entropy(value):
            out.append(value)
    return sorted({v for v in out if len(v) >= 8}, key=len, reverse=True)


def scrub_value(value: Any, secrets: Sequence[str]) -> tuple[Any, int]:
    """Copy of a JSON value with each secret replaced in every string; and how many were."""
    if not secrets:
        return value, 0
    if isinstance(value, str):
        hits = sum(value.count(s) for s in secrets)
        return (redact_text(value, secrets) if hits else value), hits
    if isinstance(value, Mapping):
        total = 0
        out: dict[Any, Any] = {}
        for k, v in value.items():
            key, k_hits = scrub_value(k, secrets) if isinstance(k, str) else (k, 0)
            item, v_hits = scrub_value(v, secrets)
            out[key] = item
            total += k_hits + v_hits
        return out, total
    if isinstance(value, list | tuple):
        total = 0
        items: list[Any] = []
        for v in value:
            item, hits = scrub_value(v, secrets)
            items.append(item)
            total += hits
        return items, total
    return value, 0
