"""HMAC-SHA256 signatures over ``timestamp.body`` with a replay window.

Header format (outbound and inbound webhooks): ``t=<unix seconds>,v1=<hex>``.
"""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = ["SIGNATURE_HEADER", "SignatureError", "sign", "signature_header", "verify"]

SIGNATURE_HEADER = "X-ThreatVec-Signature"
DEFAULT_TOLERANCE_S = 300


class SignatureError(ValueError):
    """The signature is missing, malformed, wrong or outside the replay window."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    msg = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), msg, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    return f"t={ts},v1={sign(secret, ts, body)}"


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> int:
    """Return the signed timestamp, or raise SignatureError saying what is wrong."""
    if not header:
        raise SignatureError("signature header missing")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        k, sep, v = item.strip().partition("=")
        if sep:
            parts.setdefault(k, []).append(v)
    try:
        ts = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("signature header has no valid t=") from None
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        raise SignatureError("signature timestamp outside the replay window")
    expected = sign(secret, ts, body)
    # Any of several v1 values may match (secret rotation sends two).
    if not any(hmac.compare_digest(expected, v) for v in parts.get("v1", [])):
        raise SignatureError("signature does not match")
    return ts
