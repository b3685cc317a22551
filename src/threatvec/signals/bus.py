"""Wakes SSE subscribers when signals are committed, here and on other replicas."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from threatvec.signals.service import NOTIFY_CHANNEL, PUBLISHED_FLAG

__all__ = ["SignalBus"]

log = logging.getLogger("threatvec.signals")


class SignalBus:
    def __init__(self) -> None:
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None

    def subscribe(self) -> asyncio.Event:
        ev = asyncio.Event()
        with self._lock:
            self._waiters.add((asyncio.get_running_loop(), ev))
        return ev

    def unsubscribe(self, ev: asyncio.Event) -> None:
        with self._lock:
            self._waiters = {w for w in self._waiters if w[1] is not ev}

    def notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, ev in waiters:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(ev.set)

    def attach(self, factory: sessionmaker[Session]) -> None:
        """Wake local subscribers after any commit that published a signal."""

        def _after_commit(session: Session) -> None:
            if session.info.pop(PUBLISHED_FLAG, False):
                self.notify()

        event.listen(factory, "after_commit", _after_commit)

    def start_pg_listener(self, url: str) -> None:
        """LISTEN on PostgreSQL so signals published by other replicas wake us too."""
        parsed = make_url(url)
        conninfo: dict[str, Any] = {
            "host": parsed.host,
            "port": parsed.port,
            "dbname": parsed.database,
            "user": parsed.username,
            "password": parsed.password,
        }
        conninfo.update({k: v for k, v in parsed.query.items() if isinstance(v, str)})
        self._listener = threading.Thread(
            target=self._listen, args=(conninfo,), name="threatvec-pg-listen", daemon=True
        )
        self._listener.start()

    def _listen(self, conninfo: dict[str, Any]) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    **{k: v for k, v in conninfo.items() if v is not None}, autocommit=True
                ) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            self.notify()
            except Exception as exc:  # reconnect; the SSE loop also polls meanwhile
                log.warning("signal listener reconnecting: %s", type(exc).__name__)
                self._stop.wait(2.0)

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=3)
