from __future__ import annotations

import urllib.request

from threatvec.redteam.egress import EgressHit, EgressListener


def test_listener_records_requests_and_attributes_them() -> None:
    with EgressListener() as listener:
        base = listener.base_url
        urllib.request.urlopen(f"{base}/c/TOK/probe-a/2?d=x", timeout=5).close()
        mark = listener.mark()
        req = urllib.request.Request(f"{base}/c/TOK/probe-b/1", data=b"secret-body", method="POST")
        urllib.request.urlopen(req, timeout=5).close()
        later = listener.since(mark)
    assert len(listener.hits) == 2 and len(later) == 1
    first, second = listener.hits
    assert first.matches("TOK", "probe-a", 2) and not first.matches("TOK", "probe-a", 1)
    assert not first.matches("OTHER")
    assert second.method == "POST" and second.body == "secret-body"


def test_matches_requires_the_canary_prefix() -> None:
    hit = EgressHit("GET", "/x/c/TOK/p/1", "127.0.0.1", 0.0)
    assert not hit.matches("TOK")
