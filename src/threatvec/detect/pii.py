"""PII and secret *categories* in free text — never the values.

``detect_pii(text)`` names the categories present, in the fixed order of
:data:`CATEGORIES`; ``count_pii(text)`` counts occurrences per category.
Neither returns, logs or keeps a matched value.

Every category is a candidate regex (linear: no nested unbounded
quantifiers, bounded repetition only) followed by a validator (Luhn and
issuer prefix, IBAN mod-97, SSN area rules, IP octets, JWT header JSON,
passport context words, phone digit counts and shapes). Categories run from
the most specific to the least, and each accepted match is blanked before the
next runs, so an AWS key id is never also an API key and a card number is
never also a phone number.

The same pipeline, with the same patterns, lives in
``extension/src/pii.js``; ``tests/vectors/pii_cases.jsonl`` keeps them in
agreement.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator

from threatvec.detect import _pii_scan as scan
from threatvec.detect._pii_scan import Claimed, Span

__all__ = ["CATEGORIES", "count_pii", "detect_jsonl", "detect_pii"]

CATEGORIES: tuple[str, ...] = (
    "EMAIL",
    "PHONE",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN",
    "IP_ADDRESS",
    "AWS_ACCESS_KEY",
    "API_KEY",
    "PRIVATE_KEY",
    "JWT",
    "PASSPORT",
)

_Scanner = Callable[[str, Claimed], list[Span]]


def _regex(pattern: re.Pattern[str], accept: scan.Accept) -> _Scanner:
    return lambda text, claimed: scan.scan_regex(text, claimed, pattern, accept)


# Most specific first: what a step accepts, later steps may not claim again.
# The literals are a cheap pre-check: none in the text, no pass at all.
_STEPS: tuple[tuple[str, _Scanner, tuple[str, ...]], ...] = (
    ("PRIVATE_KEY", _regex(scan.PRIVATE_KEY, scan.accept_private_key), ("PRIVATE KEY",)),
    ("JWT", _regex(scan.JWT, scan.accept_jwt), ("eyJ",)),
    ("AWS_ACCESS_KEY", _regex(scan.AWS_KEY, scan.accept_aws_key), ("AKIA", "ASIA", "ABIA", "ACCA")),
    (
        "API_KEY",
        _regex(scan.API_KEY, scan.accept_api_key),
        ("sk-", "_live_", "gh", "github_pat_", "xox", "AIza"),
    ),
    ("EMAIL", scan.scan_emails, ("@",)),
    ("IBAN", _regex(scan.IBAN, scan.accept_iban), ()),
    ("CREDIT_CARD", _regex(scan.CARD, scan.accept_card), ()),
    ("US_SSN", _regex(scan.SSN, scan.accept_ssn), ()),
    ("IP_ADDRESS", _regex(scan.IPV4, scan.accept_ipv4), (".",)),
    ("IP_ADDRESS", scan.scan_ipv6, (":",)),
    ("PASSPORT", scan.scan_passports, ()),
    ("PHONE", _regex(scan.PHONE, scan.accept_phone), ()),
    ("PHONE", _regex(scan.PHONE_PLAIN, scan.accept_plain_phone), ()),
)


def count_pii(text: str) -> dict[str, int]:
    """Occurrences per PII category (only categories found; never the values)."""
    if not isinstance(text, str):
        raise TypeError("count_pii() needs a str")
    counts: dict[str, int] = {}
    claimed = Claimed()
    for category, scanner, literals in _STEPS:
        if literals and not any(lit in text for lit in literals):
            continue
        spans = scanner(text, claimed)
        if spans:
            counts[category] = counts.get(category, 0) + len(spans)
            claimed.add(spans)
    return {c: counts[c] for c in CATEGORIES if c in counts}


def detect_pii(text: str) -> list[str]:
    """Names of the PII categories present in ``text``, in :data:`CATEGORIES` order."""
    return list(count_pii(text))


def detect_jsonl(lines: Iterable[str]) -> Iterator[dict[str, object]]:
    """For each JSON line with ``id`` and ``text``, yield ``{"id", "categories"}``.

    Backs ``threatvec detect pii --jsonl FILE``; a malformed line raises
    ``ValueError`` naming its line number.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise ValueError(f"line {number}: needs an object with a string 'text'")
        yield {"id": record.get("id"), "categories": detect_pii(record["text"])}


if __name__ == "__main__":  # python -m threatvec.detect.pii FILE.jsonl
    with open(sys.argv[1], encoding="utf-8") as handle:
        for result in detect_jsonl(handle):
            print(json.dumps(result))
