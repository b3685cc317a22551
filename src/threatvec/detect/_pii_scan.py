"""Candidate patterns, acceptors and scanners behind :mod:`threatvec.detect.pii`.

Each scanner returns the spans it accepts and skips any span an earlier, more
specific category already claimed (so an AWS key id is never also an API key,
and the digits of a card are never also a phone number). Mirrored function
for function in ``extension/src/pii.js``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from threatvec.detect._pii_checks import (
    IBAN_LENGTHS,
    card_prefix_ok,
    iban_mod97_ok,
    ipv4_ok,
    ipv6_ok,
    jwt_header_ok,
    looks_random,
    luhn_ok,
)

__all__ = [
    "Claimed",
    "Span",
    "scan_emails",
    "scan_ipv6",
    "scan_passports",
    "scan_regex",
]

Span = tuple[int, int]
Accept = Callable[[re.Match[str]], int]


class Claimed:
    """Sorted, non-overlapping spans taken by earlier steps."""

    __slots__ = ("_ends", "_starts")

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_right(self._ends, start)  # first span ending after `start`
        return i < len(self._starts) and self._starts[i] < end

    def add(self, spans: list[Span]) -> None:
        """Merge one step's sorted spans (which never overlap the claimed ones)."""
        if not spans:
            return
        merged = sorted([*zip(self._starts, self._ends, strict=True), *spans])
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]


_F = re.ASCII
_FI = re.ASCII | re.IGNORECASE

PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]{1,10} ){0,2}PRIVATE KEY(?: BLOCK)?-----", _F)
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/=]{32,}", _F)
JWT = re.compile(
    r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*(?![A-Za-z0-9_-])",
    _F,
)
AWS_KEY = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)([A-Z0-9]{16})(?![A-Za-z0-9])", _F)
API_KEY = re.compile(
    r"(?<![A-Za-z0-9_-])(?:"
    r"(sk-ant-)([A-Za-z0-9_-]{24,})"
    r"|(sk-(?:proj|svcacct|admin)-)([A-Za-z0-9_-]{20,})"
    r"|(sk-)([A-Za-z0-9]{32,})"
    r"|((?:sk|rk)_live_)([A-Za-z0-9]{20,})"
    r"|(gh[pousr]_)([A-Za-z0-9]{36})"
    r"|(github_pat_)([A-Za-z0-9_]{50,})"
    r"|(xox[abpr]-)([0-9]{6,}-[A-Za-z0-9-]{10,})"
    r"|(AIza)([A-Za-z0-9_-]{35})"
    r")(?![A-Za-z0-9_-])",
    _F,
)
# Prefixes whose bodies must mix upper case, lower case and digits: "sk-" also
# starts plenty of slugs, so only random-looking bodies count.
_MIXED_PREFIXES = ("sk-", "sk_", "rk_")
# Emails are found from their "@" (a plain find) outwards: a regex that may
# start at any letter costs a lookbehind test per character of a 1 MB paste.
_EMAIL_LOCAL_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-"
)
_EMAIL_DOMAIN = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}([A-Za-z]{2,24})"
    r"(?![A-Za-z0-9-]|\.[A-Za-z0-9])",
    _F,
)
# Top-level "domains" that are really file extensions (icon@2x.png, font@3.woff).
_NOT_TLDS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "js", "css"})
IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]){11,30}(?![A-Za-z0-9])", _F)
CARD = re.compile(
    r"(?<![0-9A-Za-z_.-])(?<![0-9][ .-])[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z_]|[.-][0-9])", _F
)
SSN = re.compile(
    r"(?<![0-9A-Za-z_./-])(?<![0-9][ .-])([0-9]{3})([ -]?)([0-9]{2})\2([0-9]{4})"
    r"(?![0-9A-Za-z_]|[./-][0-9])",
    _F,
)
_SSN_CONTEXT = re.compile(r"(?<![a-z])(?:ssn|ss#|social security)", _FI)
# Values from advertising and documentation, never issued to a person.
_SSN_PLACEHOLDERS = frozenset({"078051120", "219099999", "123456789"})
IPV4 = re.compile(
    r"(?<![0-9A-Za-z_.-])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9A-Za-z_]|\.[0-9A-Za-z]|-[A-Za-z])", _F
)
_VERSION_WORD = re.compile(
    r"(?<![a-z])(?:v|ver|version|release|build|rev|revision|firmware|fw|kernel|update)"
    r"[ .:=_-]{0,3}\Z",
    _FI,
)
_SSH_COMMAND = re.compile(r"(?<![a-z])(?:ssh|scp|sftp|rsync|mosh)(?![a-z])", _FI)
# IPv6 candidates are found from their colons, for the same reason as emails.
_IPV6_BODY = re.compile(
    r"(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,39}"
    r"(?:\.[0-9]{1,3}){0,3}(?![0-9A-Za-z_:]|\.[0-9A-Za-z])",
    _F,
)
_HEX_CHARS = frozenset("0123456789abcdefABCDEF")
_IPV6_NOT_BEFORE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-")
_PASSPORT_CONTEXT = re.compile(
    r"(?<![A-Za-z])(?:passport|passeport|reisepass|pasaporte|passaporto|paspoort)s?(?![A-Za-z])",
    _FI,
)
_PASSPORT_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Z]{0,3}[0-9])[A-Z0-9]{6,9}(?![A-Za-z0-9])", _F
)
_PASSPORT_WINDOW = 48
PHONE = re.compile(
    r"(?<![0-9A-Za-z_+./:@#$-])(?<![0-9][ .-])(?=[+(]?[0-9][0-9 ().-]{6})"
    r"(?:\+[0-9]{7,15}"
    r"|(?:\+[ ]?[0-9]{1,3}[ .-]?)?(?:\([0-9]{1,4}\)[ .-]?)?[0-9]{1,5}(?:[ .-][0-9]{1,8}){0,5})"
    r"(?![0-9A-Za-z_]|[./:-][0-9])",
    _F,
)
PHONE_PLAIN = re.compile(r"(?<![0-9A-Za-z_+./:@#$-])[0-9]{10,11}(?![0-9A-Za-z_]|[./:-][0-9])", _F)
_PHONE_CONTEXT = re.compile(
    r"(?<![a-z])(?:phone|telephone|tel|mobile|mob|cell|cellphone|call|fax|whatsapp|sms)(?![a-z])",
    _FI,
)
_DIGIT_GROUPS = re.compile(r"[0-9]+", _F)
_PHONE_SEPARATORS = re.compile(r"[ .-]", _F)


def _context_before(m: re.Match[str], width: int) -> str:
    """Up to ``width`` characters before the match, cut after the nearest earlier number.

    "SSN 536-22-8714; order 536228714": the word belongs to the first number only.
    """
    window = m.string[max(0, m.start() - width) : m.start()]
    for i in range(len(window) - 1, -1, -1):
        if "0" <= window[i] <= "9":
            return window[i + 1 :]
    return window


def accept_private_key(m: re.Match[str]) -> int:
    text = m.string
    # A header alone (a tutorial, a redacted paste) is not a key; key material follows it.
    if _BASE64_RUN.search(text[m.end() : m.end() + 400]) is None:
        return 0
    end_marker = text.find("-----END ", m.end(), m.end() + 65536)
    if end_marker < 0:
        return m.end() - m.start()
    close = text.find("-----", end_marker + 9, end_marker + 80)
    return (close + 5 if close >= 0 else end_marker + 9) - m.start()


def accept_jwt(m: re.Match[str]) -> int:
    token = m.group(0)
    return len(token) if jwt_header_ok(token[: token.index(".")]) else 0


def accept_aws_key(m: re.Match[str]) -> int:
    return len(m.group(0)) if looks_random(m.group(1), min_distinct=6, mixed=False) else 0


def accept_api_key(m: re.Match[str]) -> int:
    groups = m.groups()
    for i in range(0, len(groups), 2):
        prefix, body = groups[i], groups[i + 1]
        if prefix is None or body is None:
            continue
        mixed = prefix.startswith(_MIXED_PREFIXES)
        return len(m.group(0)) if looks_random(body, min_distinct=8, mixed=mixed) else 0
    return 0


def _email_ok(local: str, tld: str) -> bool:
    if local.lower() == "git" or local.endswith(".") or ".." in local:
        return False  # git@host:org/repo is an SSH remote, not a person
    return tld.lower() not in _NOT_TLDS


def scan_emails(text: str, claimed: Claimed) -> list[Span]:
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        at = text.find("@", pos)
        if at < 0:
            break
        start = at
        while start > 0 and at - start <= 64 and text[start - 1] in _EMAIL_LOCAL_CHARS:
            start -= 1
        local = text[start:at]
        resume = at + 1
        if 1 <= len(local) <= 64 and start >= pos and local[0].isalnum():
            domain = _EMAIL_DOMAIN.match(text, at + 1)
            if (
                domain is not None
                and _email_ok(local, domain.group(1))
                and not claimed.overlaps(start, domain.end())
            ):
                spans.append((start, domain.end()))
                resume = domain.end()
        pos = resume
    return spans


def accept_iban(m: re.Match[str]) -> int:
    raw = m.group(0)
    length = IBAN_LENGTHS.get(raw[:2])
    if length is None:
        return 0
    taken = 0
    cut = 0
    while cut < len(raw) and taken < length:
        if raw[cut] != " ":
            taken += 1
        cut += 1
    if taken < length or (cut < len(raw) and raw[cut] != " "):
        return 0  # too short, or the country's length ends inside a group
    return cut if iban_mod97_ok(raw[:cut].replace(" ", "")) else 0


def accept_card(m: re.Match[str]) -> int:
    raw = m.group(0)
    digits = raw.replace(" ", "").replace("-", "")
    if " " in raw and "-" in raw:
        return 0
    if (" " in raw or "-" in raw) and any(not 2 <= len(g) <= 8 for g in _DIGIT_GROUPS.findall(raw)):
        return 0
    if digits == digits[0] * len(digits):
        return 0
    if not card_prefix_ok(digits) or not luhn_ok(digits):
        return 0
    return len(raw)


def accept_ssn(m: re.Match[str]) -> int:
    area, sep, group, serial = m.group(1), m.group(2), m.group(3), m.group(4)
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return 0
    if area + group + serial in _SSN_PLACEHOLDERS:
        return 0
    # Nine bare digits are an order number until the text says otherwise.
    if not sep and _SSN_CONTEXT.search(_context_before(m, 32)) is None:
        return 0
    return len(m.group(0))


def accept_ipv4(m: re.Match[str]) -> int:
    text = m.string
    start = m.start()
    if not ipv4_ok(m.group(0)):
        return 0
    # "Chrome/120.0.0.0" is a product version; "http://10.0.0.1" is an address.
    before = text[start - 2] if start >= 2 else ""
    if text[start - 1 : start] == "/" and before.isascii() and before.isalnum():
        return 0
    if _VERSION_WORD.search(text[max(0, start - 16) : start]) is not None:
        return 0
    # name@1.2.3.4 pins a package version, except after ssh/scp (user@host).
    if start >= 1 and text[start - 1] == "@":
        line_start = text.rfind("\n", max(0, start - 64), start) + 1
        if _SSH_COMMAND.search(text[max(line_start, start - 64) : start]) is None:
            return 0
    return len(m.group(0))


def scan_ipv6(text: str, claimed: Claimed) -> list[Span]:
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        colon = text.find(":", pos)
        if colon < 0:
            break
        # A candidate starts at the hex run (at most 4 digits) just before a colon.
        start = colon
        while start > 0 and colon - start <= 4 and text[start - 1] in _HEX_CHARS:
            start -= 1
        resume = colon + 1
        if (
            colon - start <= 4
            and start >= pos
            and (start == 0 or text[start - 1] not in _IPV6_NOT_BEFORE)
        ):
            m = _IPV6_BODY.match(text, start)
            if m is not None and ipv6_ok(m.group(0)) and not claimed.overlaps(start, m.end()):
                spans.append((start, m.end()))
                resume = m.end()
        pos = resume
    return spans


def accept_phone(m: re.Match[str]) -> int:
    raw = m.group(0)
    groups = _DIGIT_GROUPS.findall(raw)
    n = sum(len(g) for g in groups)
    if raw[0] == "+":
        return len(raw) if 8 <= n <= 15 and groups[0][0] != "0" else 0
    if len(groups) < 2 or not 10 <= n <= 11:
        return 0
    separators = set(_PHONE_SEPARATORS.findall(raw))
    if "." in separators:
        # Dotted numbers are versions and addresses unless shaped like 415.555.2671.
        ok = separators == {"."} and [len(g) for g in groups] == [3, 3, 4]
        return len(raw) if ok else 0
    if raw[0] != "(":
        first = groups[0]
        if len(first) == 4 and first[:2] in ("19", "20") and len(groups[1]) == 2:
            return 0  # 2024-01-15 10
        if len(first) < 2:
            return 0
        if len(groups) >= 3 and all(len(g) == 3 for g in groups[1:]):
            return 0  # 12 345 678 901: thousands grouping
    return len(raw)


def accept_plain_phone(m: re.Match[str]) -> int:
    found = _PHONE_CONTEXT.search(_context_before(m, 24))
    return len(m.group(0)) if found is not None else 0


def scan_regex(text: str, claimed: Claimed, pattern: re.Pattern[str], accept: Accept) -> list[Span]:
    """Spans of accepted candidates; ``accept`` returns the accepted length (0 = not PII).

    A rejected candidate is retried one character later: "+44 7700 9001, card
    4111 ..." may first yield a long non-card, and the card after it must still
    be found.
    """
    spans: list[Span] = []
    pos = 0
    while True:
        m = pattern.search(text, pos)
        if m is None:
            return spans
        start = m.start()
        taken = accept(m)
        if taken <= 0 or claimed.overlaps(start, start + taken):
            pos = start + 1
            continue
        spans.append((start, start + taken))
        pos = start + taken


def scan_passports(text: str, claimed: Claimed) -> list[Span]:
    spans: list[Span] = []
    seen: set[int] = set()
    for ctx in _PASSPORT_CONTEXT.finditer(text):
        # The window is a slice (not pos/endpos) so the JavaScript twin sees the same edges.
        window = text[ctx.end() : ctx.end() + _PASSPORT_WINDOW]
        number = _PASSPORT_NUMBER.search(window)
        if number is None:
            continue
        start = ctx.end() + number.start()
        end = start + len(number.group(0))
        if start in seen or sum(1 for ch in number.group(0) if ch.isdigit()) < 2:
            continue
        if claimed.overlaps(start, end):
            continue
        seen.add(start)
        spans.append((start, end))
    return sorted(spans)
