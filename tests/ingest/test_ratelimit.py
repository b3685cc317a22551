"""The per-org token bucket: a burst, then one request per refill interval, per org."""

from __future__ import annotations

import pytest

from threatvec.ingest.ratelimit import IngestRateLimiter


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_burst_then_retry_after_then_refill() -> None:
    clock = Clock()
    limiter = IngestRateLimiter(60, clock=clock)  # 1/s, burst of 10
    assert [limiter.take("a") for _ in range(10)] == [0] * 10
    assert limiter.take("a") == 1
    assert limiter.take("b") == 0, "another org has its own bucket"
    clock.t += 1.0
    assert limiter.take("a") == 0
    assert limiter.take("a") >= 1


def test_retry_after_grows_with_a_slow_rate() -> None:
    clock = Clock()
    limiter = IngestRateLimiter(1, clock=clock)  # one a minute, bucket of one
    assert limiter.take("a") == 0
    assert limiter.take("a") == 60
    clock.t += 30
    assert limiter.take("a") == 30


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        IngestRateLimiter(0)
