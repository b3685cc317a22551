import pytest

from threatvec.core.signing import SignatureError, signature_header, verify


def test_round_trip_and_tamper() -> None:
    body = b'{"a":1}'
    header = signature_header("s3cret", body, timestamp=1_700_000_000)
    assert verify("s3cret", header, body, now=1_700_000_010) == 1_700_000_000
    with pytest.raises(SignatureError, match="does not match"):
        verify("s3cret", header, b'{"a":2}', now=1_700_000_010)
    with pytest.raises(SignatureError, match="does not match"):
        verify("other", header, body, now=1_700_000_010)


def test_replay_window_and_malformed() -> None:
    body = b"x"
    header = signature_header("k", body, timestamp=1_000)
    with pytest.raises(SignatureError, match="replay window"):
        verify("k", header, body, now=1_000 + 301)
    for bad in (None, "", "v1=abc", "t=notanumber,v1=abc"):
        with pytest.raises(SignatureError):
            verify("k", bad, body, now=1_000)


def test_rotation_accepts_any_v1() -> None:
    body = b"x"
    good = signature_header("new", body, timestamp=50).split("v1=")[1]
    assert verify("new", f"t=50,v1=deadbeef,v1={good}", body, now=60) == 50
