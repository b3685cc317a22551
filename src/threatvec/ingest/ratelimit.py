"""A token bucket per organisation for ingest requests (SDK batches and OTLP exports).

The bucket lives in the process: each API replica enforces the limit on the
traffic it sees, which bounds one org's share of that replica. Capacity is ten
seconds' worth of the per-minute rate so a burst after an outage (the SDK
re-sending what it queued) goes through, while a sustained flood gets 429s
with a ``Retry-After`` telling the client when a token will be there.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["IngestRateLimiter"]

BURST_SECONDS = 10.0
MAX_TRACKED_ORGS = 100_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class IngestRateLimiter:
    """``take(org_id)`` returns 0 when allowed, else the seconds to wait before retrying."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be >= 1")
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, per_minute * BURST_SECONDS / 60.0)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, org_id: str) -> int:
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(org_id)
            if bucket is None:
                if len(self._buckets) >= MAX_TRACKED_ORGS:
                    self._buckets.clear()  # full buckets again: errs on the side of allowing
                bucket = self._buckets[org_id] = _Bucket(self.capacity, now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))
