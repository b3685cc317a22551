"""Concurrent POST load for the HTTP benchmarks: clients drain one queue of bodies."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["post_concurrently"]


def post_concurrently(
    url: str,
    bodies: list[bytes],
    clients: int,
    send: Callable[[httpx.Client, bytes], httpx.Response],
    ok: Callable[[httpx.Response], bool],
    **client_kwargs: Any,
) -> tuple[float, list[float]]:
    """Wall time and per-request latencies (sorted) of ``clients`` threads posting ``bodies``.

    Raises SystemExit with the first failures when any response is not ``ok``.
    """
    work: queue.Queue[bytes] = queue.Queue()
    for b in bodies:
        work.put(b)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        local = []
        with httpx.Client(base_url=url, timeout=60, **client_kwargs) as c:
            while True:
                try:
                    body = work.get_nowait()
                except queue.Empty:
                    break
                t0 = time.perf_counter()
                r = send(c, body)
                local.append(time.perf_counter() - t0)
                if not ok(r):
                    errors.append(f"{r.status_code} {r.text[:200]}")
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"request errors: {errors[:3]}")
    latencies.sort()
    return elapsed, latencies
