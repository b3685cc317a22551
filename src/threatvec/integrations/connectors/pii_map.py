"""Vendor DLP profile and rule names → ThreatVec PII categories.

CASB DLP alerts name the profile or rule that matched ("PII - US SSN",
"PCI-DSS", "Source code secrets"), never in a fixed vocabulary. Each name is
matched, case-insensitively, against the phrases below; the first category
whose phrase appears wins for that name. A name that matches nothing is
counted as unmapped, never stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["PHRASES", "categories_for"]

PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("US_SSN", ("ssn", "social security")),
    # Plurals too: Zscaler's predefined dictionary is named "Credit Cards".
    (
        "CREDIT_CARD",
        (
            "credit card",
            "credit cards",
            "creditcard",
            "card number",
            "card numbers",
            "pci",
            "payment card",
            "ccn",
        ),
    ),
    ("IBAN", ("iban", "bank account", "swift")),
    ("PASSPORT", ("passport",)),
    ("AWS_ACCESS_KEY", ("aws", "amazon access key")),
    ("PRIVATE_KEY", ("private key", "pem", "ssh key", "rsa key")),
    ("JWT", ("jwt", "json web token")),
    ("API_KEY", ("api key", "apikey", "secret", "token", "credential", "password")),
    ("EMAIL", ("email", "e-mail")),
    ("PHONE", ("phone", "telephone", "mobile number")),
    ("IP_ADDRESS", ("ip address", "ipv4", "ipv6")),
)
_CLEAN = re.compile(r"[^a-z0-9]+")


def _norm(text: str) -> str:
    return " " + _CLEAN.sub(" ", text.lower()).strip() + " "


def categories_for(names: Iterable[str]) -> tuple[list[str], int]:
    """(categories found, how many names matched none)."""
    found: list[str] = []
    unmapped = 0
    for name in names:
        text = _norm(name[:200])
        hit = next(
            (
                cat
                for cat, phrases in PHRASES
                if any(f" {_norm(p).strip()} " in text for p in phrases)
            ),
            None,
        )
        if hit is None:
            unmapped += 1
        elif hit not in found:
            found.append(hit)
    return found, unmapped
