"""A canary egress listener: a tiny HTTP server that records every request it gets.

Point ``RunCanaries.canary_base_url`` at it (on a host the agent can reach)
and any request an agent makes to a canary URL becomes evidence, whether it
came from a tool call, a rendered markdown image or the agent's own fetch.
It answers 204 to everything and keeps at most ``max_hits`` records.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["EgressHit", "EgressListener", "EgressLog"]

_MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class EgressHit:
    method: str
    path: str  # path and query as received
    client: str
    at: float
    body: str = ""

    def matches(
        self, url_token: str, probe_id: str | None = None, attempt: int | None = None
    ) -> bool:
        prefix = f"/c/{url_token}/"
        if not self.path.startswith(prefix):
            return False
        rest = self.path[len(prefix) :].split("?", 1)[0].split("/")
        if probe_id is not None and (not rest or rest[0] != probe_id):
            return False
        return attempt is None or (len(rest) > 1 and rest[1] == str(attempt))


class EgressLog:
    """The hits one run's canary URLs received; ``mark()``/``since()`` attribute them to attempts.

    ``base_url`` is what agents are told to contact (the listener's public URL).
    """

    def __init__(self, base_url: str = "", *, max_hits: int = 10_000) -> None:
        self._hits: list[EgressHit] = []
        self._lock = threading.Lock()
        self._max = max_hits
        self._base_url = base_url

    @property
    def base_url(self) -> str:
        return self._base_url

    def add(self, hit: EgressHit) -> None:
        with self._lock:
            if len(self._hits) < self._max:
                self._hits.append(hit)

    def mark(self) -> int:
        with self._lock:
            return len(self._hits)

    def since(self, mark: int) -> list[EgressHit]:
        with self._lock:
            return list(self._hits[mark:])

    @property
    def hits(self) -> list[EgressHit]:
        return self.since(0)


class EgressListener(EgressLog):
    """Threaded HTTP listener; use as a context manager or call start()/stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, max_hits: int = 10_000) -> None:
        super().__init__(max_hits=max_hits)
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), _MAX_BODY)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                listener.add(
                    EgressHit(self.command, self.path, self.client_address[0], time.time(), body)
                )
                self.send_response(204)
                self.end_headers()

            do_GET = do_POST = do_PUT = do_HEAD = _record

            def log_message(self, format: str, *args: Any) -> None:
                return  # canary hits are data, not log lines

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        address = self._server.server_address
        host = address[0].decode() if isinstance(address[0], bytes) else str(address[0])
        return f"http://{host}:{address[1]}"

    def start(self) -> EgressListener:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> EgressListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
