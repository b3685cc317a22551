"""Validators behind the PII detector: checksums, prefixes and format parsers.

Each function mirrors one in ``extension/src/pii.js`` line for line, so the
browser extension and Python agree on every input (the shared vectors in
``tests/vectors/pii_cases.jsonl`` hold them to it).
"""

from __future__ import annotations

import base64
import binascii
import json
import re

__all__ = [
    "IBAN_LENGTHS",
    "card_prefix_ok",
    "iban_mod97_ok",
    "ipv4_ok",
    "ipv6_ok",
    "jwt_header_ok",
    "looks_random",
    "luhn_ok",
]

# ISO 13616 registry: total IBAN length per country code.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

_HEX_GROUP = re.compile(r"[0-9A-Fa-f]{1,4}", re.ASCII)


def luhn_ok(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    total = 0
    double = False
    for i in range(len(digits) - 1, -1, -1):
        d = ord(digits[i]) - 48
        if double:
            d *= 2
            if d > 9:
                d -= 9
        total += d
        double = not double
    return total % 10 == 0


def card_prefix_ok(digits: str) -> bool:
    """True when the number starts with an issuer prefix (IIN) that issues that length."""
    n = len(digits)
    p2 = int(digits[:2])
    p3 = int(digits[:3])
    p4 = int(digits[:4])
    p6 = int(digits[:6])
    if digits[0] == "4":  # Visa
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:  # Mastercard
        return n == 16
    if p2 in (34, 37):  # American Express
        return n == 15
    if p4 == 6011 or 644 <= p3 <= 649 or p2 == 65 or 622126 <= p6 <= 622925:  # Discover
        return 16 <= n <= 19
    if p2 == 62:  # UnionPay
        return 16 <= n <= 19
    if 300 <= p3 <= 305 or p2 in (36, 38, 39):  # Diners Club
        return 14 <= n <= 19
    if 3528 <= p4 <= 3589:  # JCB
        return 16 <= n <= 19
    if 2200 <= p4 <= 2204:  # Mir
        return 16 <= n <= 19
    if p4 in (5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763):  # Maestro
        return 13 <= n <= 19
    return False


def iban_mod97_ok(iban: str) -> bool:
    """ISO 7064 mod 97-10 over the rearranged IBAN (letters as 10..35)."""
    rearranged = iban[4:] + iban[:4]
    rem = 0
    for ch in rearranged:
        code = ord(ch)
        if 48 <= code <= 57:
            rem = (rem * 10 + code - 48) % 97
        elif 65 <= code <= 90:
            rem = (rem * 100 + code - 55) % 97
        else:
            return False
    return rem == 1


def ipv4_ok(text: str) -> bool:
    """Dotted quad with every octet 0..255 and no leading zeros (those read as dates/versions)."""
    parts = text.split(".")
    if len(parts) != 4:
        return False
    for part in parts:
        if not part or len(part) > 3 or not part.isascii() or not part.isdigit():
            return False
        if len(part) > 1 and part[0] == "0":
            return False
        if int(part) > 255:
            return False
    return True


def _hex_groups_ok(groups: list[str]) -> bool:
    return all(_HEX_GROUP.fullmatch(g) is not None for g in groups)


def ipv6_ok(text: str) -> bool:
    """RFC 4291 text form (with '::' and an embedded IPv4 tail), minus hex-word lookalikes."""
    body = text
    extra = 0
    if "." in body:
        cut = body.rfind(":")
        if cut < 0 or not ipv4_ok(body[cut + 1 :]):
            return False
        body = body[: cut + 1] + "0"  # placeholder group; the IPv4 tail counts as two
        extra = 1
    if ":::" in body or body.count("::") > 1:
        return False
    if "::" in body:
        head, tail = body.split("::")
        groups = ([g for g in head.split(":")] if head else []) + (
            [g for g in tail.split(":")] if tail else []
        )
        if not _hex_groups_ok(groups) or len(groups) + extra > 7:
            return False
    else:
        groups = body.split(":")
        if len(groups) + extra != 8 or not _hex_groups_ok(groups):
            return False
    if not groups:
        return False  # "::" alone is the unspecified address, not a host
    # "a::b" or "dead::beef" are words and C++-ish tokens far more often than hosts.
    has_digit = any(ch.isdigit() for ch in text)
    return has_digit or len(groups) >= 3


def _reject_constant(name: str) -> object:
    # JavaScript's JSON.parse refuses NaN/Infinity; so must we, or the two would disagree.
    raise ValueError(name)


def jwt_header_ok(segment: str) -> bool:
    """The first JWT segment is base64url JSON naming an "alg"."""
    if len(segment) % 4 == 1:
        return False
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        header = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (binascii.Error, ValueError):
        return False
    return isinstance(header, dict) and isinstance(header.get("alg"), str)


def looks_random(body: str, *, min_distinct: int, mixed: bool) -> bool:
    """Reject placeholders like ``ghp_xxxx...``; optionally demand upper, lower and digit."""
    if len(set(body)) < min_distinct:
        return False
    if not mixed:
        return True
    has_upper = any("A" <= c <= "Z" for c in body)
    has_lower = any("a" <= c <= "z" for c in body)
    has_digit = any("0" <= c <= "9" for c in body)
    return has_upper and has_lower and has_digit
