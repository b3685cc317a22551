"""Shared plumbing for the vulnerability-source clients: rate limit, retries, errors.

Exceptions::

    SourceError            any failure talking to a source (message is safe to log)
     ├── SourceUnavailable  retries exhausted on 429/5xx/timeouts/stalls
     └── SourceRejected     a non-retryable answer (400, 401, 404, ...)

Messages never contain API keys: keys travel in headers, and URLs are logged
without their query string's secrets (NVD's and OSV's keys are headers).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

from threatvec.core.cancel import pause

__all__ = [
    "RateLimiter",
    "RetryPolicy",
    "SourceError",
    "SourceRejected",
    "SourceUnavailable",
    "request_with_retry",
    "stream_with_retry",
]

_T = TypeVar("_T")

log = logging.getLogger("threatvec.vulns.sources")


class SourceError(Exception):
    """Talking to a vulnerability source failed."""


class SourceUnavailable(SourceError):
    """The source kept failing with retryable errors until the attempts ran out."""


class SourceRejected(SourceError):
    """The source answered with a status that retrying will not fix."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RateLimiter:
    """At most ``max_calls`` starts in any ``period`` seconds (sliding window).

    ``clock`` and ``sleep`` are injectable so tests run on a fake clock.
    Thread-safe: one limiter may be shared by the threads of one process.
    """

    def __init__(
        self,
        max_calls: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = pause,
    ) -> None:
        if max_calls < 1 or period <= 0:
            raise ValueError("max_calls must be >= 1 and period > 0")
        self.max_calls = max_calls
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until a call may start; return the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.period:
                    self._starts.popleft()
                if len(self._starts) < self.max_calls:
                    self._starts.append(now)
                    return waited
                delay = self.period - (now - self._starts[0])
                self._sleep(delay)
                waited += delay


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with ±jitter; Retry-After is honoured up to ``max_delay``."""

    max_attempts: int = 6
    base_delay: float = 2.0
    max_delay: float = 120.0
    jitter: float = 0.2
    retry_statuses: Collection[int] = field(
        default_factory=lambda: frozenset({429, 500, 502, 503, 504})
    )

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt number ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        d = float(min(self.base_delay * 2.0 ** (attempt - 1), self.max_delay))
        return d * (1 + random.uniform(-self.jitter, self.jitter))


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    # The HTTP-date form (RFC 9110 §10.2.3): seconds from now, 0 if already past.
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # neither form: fall back to our own backoff
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def request_with_retry(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    policy: RetryPolicy,
    source: str,
    limiter: RateLimiter | None = None,
    sleep: Callable[[float], None] = pause,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request, retrying what can succeed later; return the 2xx response.

    Retried: statuses in ``policy.retry_statuses``, timeouts (including a
    server that stalls mid-answer: the read timeout fires) and connection
    errors. Every attempt, retried or not, passes through ``limiter``.
    """
    return _with_retry(
        lambda: nullcontext(client.request(method, url, **kwargs)),
        lambda resp: resp,
        policy=policy,
        source=source,
        limiter=limiter,
        sleep=sleep,
    )


def stream_with_retry(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    read: Callable[[httpx.Response], _T],
    policy: RetryPolicy,
    source: str,
    limiter: RateLimiter | None = None,
    sleep: Callable[[float], None] = pause,
    **kwargs: Any,
) -> _T:
    """``request_with_retry`` with the 2xx body streamed to ``read``; returns what it returns.

    ``read`` gets the response with its body unread, so it can refuse a body
    by its declared length or stop part-way (by raising): the connection is
    closed without reading the rest. A timeout or a dropped connection while it
    reads is retried like one before the answer; any other error it raises
    ends the request unretried.
    """
    return _with_retry(
        lambda: client.stream(method, url, **kwargs),
        read,
        policy=policy,
        source=source,
        limiter=limiter,
        sleep=sleep,
    )


def _with_retry(
    send: Callable[[], AbstractContextManager[httpx.Response]],
    read: Callable[[httpx.Response], _T],
    *,
    policy: RetryPolicy,
    source: str,
    limiter: RateLimiter | None,
    sleep: Callable[[float], None],
) -> _T:
    """The one retry loop: ``send`` makes an attempt, ``read`` takes the 2xx answer."""
    last = "no attempt made"
    for attempt in range(1, policy.max_attempts + 1):
        if limiter is not None:
            limiter.acquire()
        retry_after: float | None = None
        try:
            with send() as resp:
                if resp.is_success:
                    return read(resp)
                if resp.status_code not in policy.retry_statuses:
                    raise SourceRejected(
                        f"{source} answered HTTP {resp.status_code}", resp.status_code
                    )
                last = f"HTTP {resp.status_code}"
                retry_after = _retry_after(resp)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            last = f"{type(exc).__name__}"
        if attempt == policy.max_attempts:
            break
        wait = policy.delay(attempt, retry_after)
        log.warning(
            "%s: %s (attempt %d/%d); retrying in %.1fs",
            source,
            last,
            attempt,
            policy.max_attempts,
            wait,
        )
        sleep(wait)
    raise SourceUnavailable(f"{source}: gave up after {policy.max_attempts} attempts ({last})")
