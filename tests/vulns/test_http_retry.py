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
    stream_with_retry,
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


def test_a_streamed_body_that_stalls_is_retried_and_a_refusing_reader_is_not(
    serve: Any, clock: FakeClock
) -> None:
    body = b"0123456789" * 1000
    answers = [Reply(200, body, stall=5.0), Reply(503), Reply(200, body)]

    def app(req: Req) -> Reply:
        return answers.pop(0)

    server = serve(app)
    with httpx.Client(timeout=0.3) as client:
        got = stream_with_retry(
            client,
            "GET",
            server.url,
            read=lambda resp: b"".join(resp.iter_bytes()),
            source="test",
            policy=RetryPolicy(max_attempts=3),
            sleep=clock.sleep,
        )
        assert got == body and len(clock.sleeps) == 2  # the stall mid-body, then the 503

        def refuse(resp: httpx.Response) -> bytes:
            raise ValueError("too large")

        answers.append(Reply(200, body))
        with pytest.raises(ValueError, match="too large"):
            stream_with_retry(
                client,
                "GET",
                server.url,
                read=refuse,
                source="test",
                policy=RetryPolicy(max_attempts=3),
                sleep=clock.sleep,
            )
    assert len(server.requests) == 4 and len(clock.sleeps) == 2


def test_retry_after_as_an_http_date_is_honoured(serve: Any, clock: FakeClock) -> None:
    """RFC 9110 allows Retry-After as a date; it is waited for like a number of seconds."""
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    when = format_datetime(datetime.now(UTC) + timedelta(seconds=40), usegmt=True)
    answers = [
        Reply(429, b"", {"Retry-After": when}),
        Reply(429, b"", {"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"}),
        Reply(200, {"ok": True}),
    ]
    server = serve(lambda req: answers.pop(0))
    policy = RetryPolicy(base_delay=1.0, jitter=0.0)
    with httpx.Client() as client:
        resp = request_with_retry(
            client, "GET", server.url, source="test", policy=policy, sleep=clock.sleep
        )
    assert resp.status_code == 200
    # About 40 s for the date (not the 1 s backoff); a date in the past means "now".
    assert 35.0 <= clock.sleeps[0] <= 40.0 and clock.sleeps[1] == 0.0
