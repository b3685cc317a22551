from __future__ import annotations

from typing import Any

import httpx
import pytest

from threatvec.vulns.http_retry import (
    RateLimiter,
    RetryPolicy,
    SourceRejected,
    SourceUnavailable,
    request_with_retry,
)

from .conftest import FakeClock, Reply, Req


def test_backoff_grows_with_jitter_and_caps() -> None:
    p = RetryPolicy(base_delay=2.0, max_delay=10.0, jitter=0.2)
    for attempt, nominal in [(1, 2.0), (2, 4.0), (3, 8.0), (4, 10.0), (9, 10.0)]:
        d = p.delay(attempt)
        assert nominal * 0.8 <= d <= nominal * 1.2
    assert p.delay(1, retry_after=3600) == 10.0  # a huge Retry-After is capped
    assert p.delay(1, retry_after=-5) == 0.0


def test_limiter_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0, 30)
    with pytest.raises(ValueError):
        RateLimiter(5, 0)


def test_connection_refused_is_retried_then_reported(clock: FakeClock) -> None:
    with httpx.Client() as client, pytest.raises(SourceUnavailable, match="ConnectError"):
        request_with_retry(
            client,
            "GET",
            "http://127.0.0.1:9/",
            source="test",
            policy=RetryPolicy(max_attempts=3),
            sleep=clock.sleep,
        )
    assert len(clock.sleeps) == 2


def test_only_listed_statuses_are_retried(serve: Any, clock: FakeClock) -> None:
    answers = [Reply(403), Reply(200, {"ok": True})]

    def app(req: Req) -> Reply:
        return answers.pop(0)

    server = serve(app)
    with httpx.Client() as client, pytest.raises(SourceRejected) as exc:
        # 403 is retried for NVD only; the default policy treats it as final.
        request_with_retry(
            client, "GET", server.url, source="test", policy=RetryPolicy(), sleep=clock.sleep
        )
    assert exc.value.status == 403 and clock.sleeps == []
