"""The background worker: a bounded queue drained in batches by one daemon thread.

Host threads only call `enqueue` (a lock, an append, maybe an `Event.set`). The
thread wakes when a batch is full, every `flush_interval`, on `flush()` and on
`stop()`; it encodes a batch, posts it and applies the retry policy:

* retried: no HTTP answer (connection refused/reset, timeout), 5xx, 408, 429;
  exponential backoff from `retry_initial_backoff` doubling up to
  `retry_max_backoff`, each delay jittered ±20 %, 429 waits `Retry-After`;
  waits happen on the stop event, never in `time.sleep`;
* every batch has an overall deadline (`batch_deadline`). When it passes with
  the server unreachable, the batch goes back to the front of the queue (the
  queue bound still applies) so nothing is lost to an outage the queue can
  absorb; after 5xx/429 it is dropped and counted;
* never retried: other 4xx (counted as `rejected`); 413 splits the batch.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from threatvec.sdk.events import Detectors, PendingEvent, to_wire
from threatvec.sdk.stats import Counters
from threatvec.sdk.transport import HttpTransport, Reply

__all__ = ["INGEST_PATH", "BackgroundWorker", "backoff_delay", "utf8", "without_nul"]

logger = logging.getLogger("threatvec")

INGEST_PATH = "/api/v1/ingest"
JITTER = 0.2


# A \u0000 escape in JSON text: preceded by an even number of backslashes (an odd
# number would make it a literal backslash followed by "u0000").
_NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def without_nul(payload: str) -> str:
    """JSON text with every NUL character in its strings sent as U+FFFD instead."""
    # The server refuses an event with a NUL (PostgreSQL cannot store one): a tool
    # name or captured output with one would lose the whole event.
    return _NUL_ESCAPE.sub(lambda m: m.group(1) + "\\ufffd", payload)


def _dumps(value: Any) -> str:
    # default=str: a caller's metadata value that JSON cannot hold is sent as text.
    return json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False)


def utf8(payload: str) -> bytes:
    """UTF-8 bytes, a lone surrogate (os.fsdecode, surrogateescape) sent as U+FFFD."""
    try:
        return payload.encode("utf-8")
    except UnicodeEncodeError:
        # Through UTF-16: a valid pair becomes its character, a lone half U+FFFD.
        fixed = payload.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return fixed.encode("utf-8")


def backoff_delay(attempt: int, initial: float, maximum: float) -> float:
    """Delay before retry number `attempt` (0-based): initial·2^attempt, capped, ±20 % jitter."""
    base = min(maximum, initial * float(2 ** min(attempt, 30)))
    return max(0.0, base * random.uniform(1 - JITTER, 1 + JITTER))


class BackgroundWorker:
    """Owns the queue, the thread and the transport of one client in one process."""

    def __init__(
        self,
        *,
        transport_factory: Callable[[], HttpTransport],
        envelope: Callable[[], dict[str, Any]],
        make_heartbeat: Callable[[], PendingEvent],
        counters: Counters,
        queue_size: int,
        batch_size: int,
        flush_interval: float,
        heartbeat_interval: float,
        batch_deadline: float,
        retry_initial_backoff: float,
        retry_max_backoff: float,
        capture_content: bool,
        max_content_chars: int,
        max_scan_chars: int = 16_000,
    ) -> None:
        self._transport_factory = transport_factory
        self._envelope = envelope
        self._make_heartbeat = make_heartbeat
        self.counters = counters
        self._maxsize = queue_size
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._heartbeat_interval = heartbeat_interval
        self._batch_deadline = batch_deadline
        self._initial_backoff = retry_initial_backoff
        self._max_backoff = retry_max_backoff
        self._capture_content = capture_content
        self._max_content_chars = max_content_chars
        self._max_scan_chars = max_scan_chars
        self._detectors = Detectors()
        self._warned: set[str] = set()
        self._reset_state()

    def _reset_state(self) -> None:
        # Also the whole of fork recovery: fresh locks (the parent's may have been
        # held at fork time), an empty queue and no thread.
        self._lock = threading.Lock()
        self._queue: deque[PendingEvent] = deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._give_up = threading.Event()
        self._idle = threading.Condition(threading.Lock())
        self._inflight = 0
        self._flush_requested = False
        self._hard_deadline: float | None = None
        self._thread: threading.Thread | None = None
        self._transport: HttpTransport | None = None
        self.closed = False

    def reset_after_fork(self) -> None:
        """In a forked child: forget the parent's queue and thread (they are not ours)."""
        self._reset_state()

    # ---- host side -------------------------------------------------------------------------

    def enqueue(self, event: PendingEvent, *, front: bool = False) -> None:
        with self._lock:
            queue = self._queue
            if len(queue) >= self._maxsize:
                # Drop the oldest: recent activity is what a security team needs.
                queue.popleft()
                self.counters.record_lost_event("queue_full")
            if front:
                queue.appendleft(event)
            else:
                queue.append(event)
            self.counters.queued += 1
            full = len(queue) >= self._batch_size
        if full and not self._wake.is_set():
            self._wake.set()

    def pending(self) -> int:
        return len(self._queue) + self._inflight

    def start(self) -> None:
        if self._thread is not None:
            return
        thread = threading.Thread(target=self._run, name="threatvec-worker", daemon=True)
        self._thread = thread
        thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def flush(self, timeout: float) -> bool:
        """Wait until everything queued so far is sent or dropped; False on timeout."""
        if not self.running:
            return self.pending() == 0
        end = time.monotonic() + max(0.0, timeout)
        with self._idle:
            self._flush_requested = True
            self._wake.set()
            while self.pending() > 0 or self._flush_requested:
                remaining = end - time.monotonic()
                if remaining <= 0 or not self.running:
                    return self.pending() == 0
                self._idle.wait(min(remaining, 0.05))
        return True

    def stop(self, timeout: float) -> int:
        """Send what is queued within `timeout` seconds, then end the thread.

        Returns how many events were not delivered (still pending or dropped on the way out).
        """
        self.closed = True
        lost_before = self.counters.dropped_snapshot()["shutdown"]
        thread = self._thread
        if thread is None:
            unsent = len(self._queue)
            self._queue.clear()
            self.counters.record_lost_event("shutdown", unsent)
            return unsent
        self._hard_deadline = time.monotonic() + max(0.0, timeout)
        self._stop.set()
        self._wake.set()
        thread.join(max(0.0, timeout))
        if thread.is_alive():
            self._give_up.set()
            thread.join(0.2)
        unsent = self.pending()
        if thread.is_alive() and unsent:
            # The thread is stuck in a socket call; count what it will never send.
            with self._lock:
                left = len(self._queue)
                self._queue.clear()
            # The in-flight batch is counted by the thread itself if it ever wakes.
            self.counters.record_lost_event("shutdown", left)
        return max(unsent, self.counters.dropped_snapshot()["shutdown"] - lost_before)

    # ---- worker thread ---------------------------------------------------------------------

    def _run(self) -> None:
        next_heartbeat = time.monotonic() + self._heartbeat_interval
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                wait = min(self._flush_interval, max(0.0, next_heartbeat - now))
                if len(self._queue) < self._batch_size and not self._flush_requested:
                    self._wake.wait(wait)
                self._wake.clear()
                if self._stop.is_set():
                    break
                if time.monotonic() >= next_heartbeat:
                    next_heartbeat = time.monotonic() + self._heartbeat_interval
                    self.enqueue(self._make_heartbeat())
                self._drain()
            self._drain()
        except Exception:
            logger.exception("threatvec: worker thread failed; events will not be sent")
        finally:
            leftover = len(self._queue)
            if leftover:
                self.counters.record_lost_event("shutdown", leftover)
                self._queue.clear()
            if self._transport is not None:
                self._transport.close()
            with self._idle:
                self._flush_requested = False
                self._idle.notify_all()

    def _take_batch(self) -> list[PendingEvent]:
        with self._lock:
            queue = self._queue
            count = min(self._batch_size, len(queue))
            batch = [queue.popleft() for _ in range(count)]
            self._inflight = count
        return batch

    def _drain(self) -> None:
        requested = self._flush_requested
        while self._queue and not self._give_up.is_set():
            batch = self._take_batch()
            try:
                self._send(batch)
            except Exception as exc:
                # A bug on one batch costs that batch, never the thread: a dead worker
                # would silently send nothing for the rest of the process. The type only:
                # an error from http.client can quote a header, and so the org key.
                self.counters.record_lost_event("internal_error", len(batch))
                self._warn_once(
                    "send", "threatvec: could not send a batch (%s)", type(exc).__name__
                )
            finally:
                self._inflight = 0
        if self._give_up.is_set() and self._queue:
            with self._lock:
                left = len(self._queue)
                self._queue.clear()
            self.counters.record_lost_event("shutdown", left)
        with self._idle:
            if requested:
                self._flush_requested = False
            self._idle.notify_all()

    def _encode(self, batch: list[PendingEvent]) -> tuple[bytes, list[PendingEvent]]:
        encoded: list[str] = []
        kept: list[PendingEvent] = []
        for event in batch:
            try:
                wire = to_wire(
                    event,
                    detectors=self._detectors,
                    capture_content=self._capture_content,
                    max_content_chars=self._max_content_chars,
                    max_scan_chars=self._max_scan_chars,
                )
                # One event at a time: a caller's object JSON cannot hold (a cycle, a
                # non-string key in a tool definition) costs that event, not the batch.
                encoded.append(_dumps(wire))
                kept.append(event)
            except Exception:
                logger.debug("threatvec: could not build event", exc_info=True)
                self.counters.record_lost_event("internal_error")
        body = self._envelope()
        body["dropped"] = self.counters.dropped_snapshot()
        head = _dumps(body)
        payload = f'{head[:-1]},"events":[{",".join(encoded)}]}}'
        if "\\u0000" in payload:
            payload = without_nul(payload)
        return utf8(payload), kept

    def _deadline(self, start: float) -> float:
        deadline = start + self._batch_deadline
        if self._hard_deadline is not None:
            deadline = min(deadline, self._hard_deadline)
        return deadline

    def _transport_or_new(self) -> HttpTransport:
        if self._transport is None:
            self._transport = self._transport_factory()
        return self._transport

    def _wait(self, delay: float) -> None:
        # Until stop() is called, a stop cuts the wait short (we then retry at once
        # under the shutdown deadline); after that only giving up does.
        if self._stop.is_set():
            self._give_up.wait(delay)
        else:
            self._stop.wait(delay)

    def _send(self, batch: list[PendingEvent]) -> None:
        if not batch:
            return
        payload, batch = self._encode(batch)
        if not batch:
            return
        transport = self._transport_or_new()
        deadline = self._deadline(time.monotonic())
        attempt = 0
        while True:
            remaining = deadline - time.monotonic()
            reply = transport.post_json(
                INGEST_PATH, payload, timeout=max(0.05, min(transport.timeout, remaining))
            )
            if reply.status is not None and 200 <= reply.status < 300:
                self._accept(batch, reply)
                return
            if reply.status == 413:
                self._split_too_large(batch)
                return
            if not reply.retryable:
                self._reject_batch(batch, reply)
                return
            delay = backoff_delay(attempt, self._initial_backoff, self._max_backoff)
            if reply.status == 429 and reply.retry_after is not None:
                # The server's pace, but at least the first backoff step: 'Retry-After: 0'
                # would otherwise be a tight loop until the batch deadline.
                floor = backoff_delay(0, max(self._initial_backoff, 0.05), self._max_backoff)
                delay = max(floor, reply.retry_after)
            attempt += 1
            if self._give_up.is_set() or time.monotonic() + delay > deadline:
                self._give_up_on(batch, reply)
                return
            self.counters.record_retry()
            logger.debug(
                "threatvec: batch of %d not delivered (%s); retry %d in %.2fs",
                len(batch),
                reply.status or reply.error,
                attempt,
                delay,
            )
            self._wait(delay)

    def _accept(self, batch: list[PendingEvent], reply: Reply) -> None:
        body = reply.body if isinstance(reply.body, dict) else {}
        rejected = body.get("rejected") or []
        duplicates = body.get("duplicates") or []
        rejected_count = len(rejected) if isinstance(rejected, list) else 0
        if rejected_count:
            self.counters.record_lost_event("rejected", rejected_count)
            for item in rejected[:3]:
                if isinstance(item, dict):
                    self._warn_once(
                        f"rejected:{item.get('reason')}",
                        "threatvec: server rejected event %s: %s",
                        item.get("event_id"),
                        item.get("reason"),
                    )
        self.counters.record_sent(
            len(batch) - rejected_count, len(duplicates) if isinstance(duplicates, list) else 0
        )

    def _split_too_large(self, batch: list[PendingEvent]) -> None:
        if len(batch) == 1:
            self.counters.record_lost_event("too_large")
            self._warn_once("too_large", "threatvec: an event was too large for the server")
            return
        middle = len(batch) // 2
        self._send(batch[:middle])
        self._send(batch[middle:])

    def _reject_batch(self, batch: list[PendingEvent], reply: Reply) -> None:
        self.counters.record_lost_event("rejected", len(batch))
        if reply.status in (401, 403):
            self._warn_once(
                "auth", "threatvec: the server refused the org key (HTTP %s)", reply.status
            )
        elif reply.status is not None and 300 <= reply.status < 400:
            # Not followed on purpose: the org key goes only where it was configured.
            where = (reply.location or "another address")[:300].removesuffix(INGEST_PATH)
            self._warn_once(
                "redirect",
                "threatvec: the server redirects to %s (HTTP %s) and the SDK does not follow "
                "redirects; set server_url / THREATVEC_URL to that address",
                where,
                reply.status,
            )
        else:
            self._warn_once(
                f"status:{reply.status}",
                "threatvec: the server refused a batch (HTTP %s)",
                reply.status,
            )

    def _give_up_on(self, batch: list[PendingEvent], reply: Reply) -> None:
        if reply.status is None and not self._stop.is_set():
            # Unreachable server: keep the events (newest first, within the queue bound)
            # and try again later instead of losing them to an outage.
            self._requeue(batch)
            self._warn_once(
                "network", "threatvec: server unreachable (%s); holding events", reply.error
            )
            return
        reason = "network"
        if reply.status == 429:
            reason = "rate_limited"
        elif reply.status is not None:
            reason = "server_error"
        elif self._stop.is_set():
            reason = "shutdown"
        self.counters.record_lost_event(reason, len(batch))

    def _requeue(self, batch: list[PendingEvent]) -> None:
        with self._lock:
            room = self._maxsize - len(self._queue)
            keep = batch[-room:] if room > 0 else []
            lost = len(batch) - len(keep)
            self._queue.extendleft(reversed(keep))
        self.counters.record_lost_event("network", lost)
        # Without a pause the loop would hit the dead server again at once.
        self._wait(backoff_delay(0, max(self._initial_backoff, 0.05), self._max_backoff))

    def _warn_once(self, key: str, message: str, *args: object) -> None:
        if key in self._warned:
            logger.debug(message, *args)
            return
        self._warned.add(key)
        logger.warning(message, *args)
