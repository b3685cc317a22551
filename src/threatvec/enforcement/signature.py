"""Inbound webhook signatures: the alerts webhook scheme (docs/alerts.md), in reverse.

A sender signs ``<timestamp>.<raw body>`` with HMAC-SHA256 and the source's
secret and sends three headers::

    X-ThreatVec-Source:    <source id>
    X-ThreatVec-Timestamp: <unix seconds>
    X-ThreatVec-Signature: sha256=<hex>

The digest is `threatvec.core.signing.sign`, the same function the outbound
alerts webhook uses, and it is compared in constant time against each secret
the source currently accepts (two during a rotation's grace period).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence

from threatvec.core.signing import sign

__all__ = [
    "REPLAY_WINDOW_S",
    "SIGNATURE_HEADER",
    "SOURCE_HEADER",
    "TIMESTAMP_HEADER",
    "SignatureRejected",
    "check_signature",
    "parse_timestamp",
    "signature_value",
]

SOURCE_HEADER = "X-ThreatVec-Source"
TIMESTAMP_HEADER = "X-ThreatVec-Timestamp"
SIGNATURE_HEADER = "X-ThreatVec-Signature"
REPLAY_WINDOW_S = 300
_SIGNATURE = re.compile(r"^sha256=([0-9a-f]{64})$")


class SignatureRejected(ValueError):
    """Why a webhook request is not accepted as coming from its source (safe to show)."""


def signature_value(secret: str, timestamp: int, body: bytes) -> str:
    """The header value a sender puts in ``X-ThreatVec-Signature``."""
    return "sha256=" + sign(secret, timestamp, body)


def parse_timestamp(header: str | None, *, now: float, window_s: int = REPLAY_WINDOW_S) -> int:
    """The signed timestamp, or SignatureRejected when missing, malformed or outside the window."""
    value = (header or "").strip()
    if not value:
        raise SignatureRejected(f"{TIMESTAMP_HEADER} header missing")
    if not value.isdigit() or len(value) > 12:
        raise SignatureRejected(f"{TIMESTAMP_HEADER} must be unix seconds")
    ts = int(value)
    if abs(now - ts) > window_s:
        raise SignatureRejected(
            f"{TIMESTAMP_HEADER} is outside the replay window (±{window_s} s); "
            "check the sender's clock"
        )
    return ts


def check_signature(
    secrets: Sequence[str], header: str | None, timestamp: int, body: bytes
) -> None:
    """Pass when the signature matches one of the secrets; else SignatureRejected."""
    match = _SIGNATURE.match((header or "").strip().lower())
    if match is None:
        raise SignatureRejected(f"{SIGNATURE_HEADER} must be sha256=<64 hex digits>")
    sent = match.group(1)
    # Every secret is tried (no early exit), so timing says nothing about which matched.
    ok = False
    for secret in secrets:
        ok |= hmac.compare_digest(sign(secret, timestamp, body), sent)
    if not ok:
        raise SignatureRejected("signature does not match")
