"""VendorHttp against a real local vendor: when a 429 says to come back."""

from __future__ import annotations

import time

import pytest

from tests.integrations.vendors import Reply, vendor_server
from threatvec.integrations.http import MAX_RETRY_AFTER_S, VendorHttp


@pytest.mark.parametrize(
    "header",
    [
        "X-Rate-Limit-Reset",  # Okta: epoch seconds when the window resets
        "X-RateLimit-RetryAfter",  # CrowdStrike Falcon: epoch seconds
    ],
)
def test_a_429_waits_for_the_vendors_rate_limit_reset(header: str) -> None:
    # Okta and Falcon send no Retry-After: the client retried 0.5, 1 and 2 s later, all
    # inside the same rate-limit window, and the sync failed with 'HTTP 429'.
    replies = [Reply(429, {"errorCode": "E0000047"}, {header: str(int(time.time()) + 20)})]

    def route(_req):
        return replies.pop(0) if replies else Reply(200, [])

    waits: list[float] = []
    with vendor_server(route) as vendor:
        http = VendorHttp(allow_private=True, sleep=waits.append)
        try:
            r = http.request("GET", vendor.url + "/api/v1/logs")
        finally:
            http.close()
    assert r.status_code == 200 and len(waits) == 1
    assert 15 <= waits[0] <= MAX_RETRY_AFTER_S


def test_a_reset_in_the_past_or_garbage_falls_back_to_backoff() -> None:
    replies = [
        Reply(429, None, {"X-Rate-Limit-Reset": "12"}),
        Reply(429, None, {"X-Rate-Limit-Reset": "soon"}),
        Reply(429, None, {"Retry-After": "nan"}),
    ]

    def route(_req):
        return replies.pop(0) if replies else Reply(200, [])

    waits: list[float] = []
    with vendor_server(route) as vendor:
        http = VendorHttp(allow_private=True, sleep=waits.append, backoff_s=0.5)
        try:
            assert http.request("GET", vendor.url + "/x").status_code == 200
        finally:
            http.close()
    assert len(waits) == 3 and all(0 <= w <= 5 for w in waits)


def test_a_5xx_does_not_wait_for_the_rate_limit_window() -> None:
    # Okta puts X-Rate-Limit-Reset on every reply; a 503 is retried on the short backoff.
    replies = [Reply(503, None, {"X-Rate-Limit-Reset": str(int(time.time()) + 50)})]

    def route(_req):
        return replies.pop(0) if replies else Reply(200, [])

    waits: list[float] = []
    with vendor_server(route) as vendor:
        http = VendorHttp(allow_private=True, sleep=waits.append, backoff_s=0.5)
        try:
            assert http.request("GET", vendor.url + "/x").status_code == 200
        finally:
            http.close()
    assert len(waits) == 1 and waits[0] < 5
