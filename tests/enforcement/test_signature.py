"""The signature scheme, checked against an HMAC computed here (not by the product)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from threatvec.enforcement.signature import (
    SignatureRejected,
    check_signature,
    parse_timestamp,
    signature_value,
)

BODY = b'{"events":[]}'


def _mac(secret: str, ts: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()


def test_same_scheme_as_the_alerts_webhook() -> None:
    assert signature_value("s3cret", 1700000000, BODY) == "sha256=" + _mac(
        "s3cret", 1700000000, BODY
    )


def test_any_accepted_secret_matches_and_others_do_not() -> None:
    header = "sha256=" + _mac("new", 1700000000, BODY)
    check_signature(["old", "new"], header, 1700000000, BODY)
    check_signature(["new"], header.upper().replace("SHA256=", "sha256="), 1700000000, BODY)
    with pytest.raises(SignatureRejected, match="does not match"):
        check_signature(["old"], header, 1700000000, BODY)
    with pytest.raises(SignatureRejected, match="does not match"):
        check_signature(["new"], header, 1700000001, BODY)  # the timestamp is signed too
    for bad in (None, "", "sha1=abc", "sha256=" + "g" * 64, _mac("new", 1700000000, BODY)):
        with pytest.raises(SignatureRejected, match="sha256=<64 hex digits>"):
            check_signature(["new"], bad, 1700000000, BODY)


def test_replay_window_is_five_minutes_either_way() -> None:
    now = 1_700_000_000.0
    assert parse_timestamp("1700000300", now=now) == 1700000300
    assert parse_timestamp("1699999700", now=now) == 1699999700
    for stale in ("1700000301", "1699999699"):
        with pytest.raises(SignatureRejected, match="replay window"):
            parse_timestamp(stale, now=now)
    for bad in (None, "", "-5", "1.5e9", "9" * 13):
        with pytest.raises(SignatureRejected):
            parse_timestamp(bad, now=now)
