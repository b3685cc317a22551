"""Counters for what the SDK did with each event: sent, retried, or lost (by reason)."""

from __future__ import annotations

import threading

__all__ = ["DROP_REASONS", "Counters"]

# Every way an event can be lost. The wire format sends all of them, always.
DROP_REASONS: tuple[str, ...] = (
    "queue_full",  # the bounded queue was full; the oldest event made room
    "network",  # the server stayed unreachable and the queue had no room to hold the batch
    "server_error",  # 5xx/408 until the batch deadline passed
    "rate_limited",  # 429 until the batch deadline passed
    "rejected",  # the server refused the event (4xx, or listed in "rejected")
    "too_large",  # a single event larger than the server accepts (413)
    "shutdown",  # still queued when stop()/exit ran out of time
    "internal_error",  # an SDK bug while building or encoding the event
)


class Counters:
    """Thread-safe totals since the client (or, after fork, the child) started."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.queued = 0
        self.sent = 0
        self.retries = 0
        self.batches = 0
        self.duplicates = 0
        self.dropped: dict[str, int] = dict.fromkeys(DROP_REASONS, 0)

    def record_lost_event(self, reason: str, count: int = 1) -> None:
        if count <= 0:
            return
        with self._lock:
            self.dropped[reason] = self.dropped.get(reason, 0) + count

    def record_sent(self, events: int, duplicates: int = 0) -> None:
        with self._lock:
            self.sent += events
            self.duplicates += duplicates
            self.batches += 1

    def record_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def dropped_snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.dropped)

    def snapshot(self, *, pending: int) -> dict[str, object]:
        with self._lock:
            dropped = dict(self.dropped)
            return {
                "queued": self.queued,
                "pending": pending,
                "sent": self.sent,
                "duplicates": self.duplicates,
                "batches": self.batches,
                "retries": self.retries,
                "dropped": dropped,
                "dropped_total": sum(dropped.values()),
            }
