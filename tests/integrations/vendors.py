"""A local HTTP server that plays a vendor's API (tests only).

Each test gives it a ``route(req) -> Reply`` that speaks the vendor's
documented format and checks its auth; ``script`` answers the next requests
with fixed statuses first (e.g. [429] = rate-limited once, then served), so
retries are exercised for real.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Vendor:
    url: str
    route: Callable[[Request], Reply]
    requests: list[Request] = field(default_factory=list)
    script: list[int] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


@contextmanager
def vendor_server(route: Callable[[Request], Reply]) -> Iterator[Vendor]:
    state = Vendor(url="", route=route)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            req = Request(
                self.command,
                parts.path,
                parse_qs(parts.query, keep_blank_values=True),
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            state.requests.append(req)
            if state.script:
                reply = Reply(state.script.pop(0), {"error": "try later"}, {"Retry-After": "0"})
            else:
                reply = state.route(req)
            payload = (
                b""
                if reply.body is None
                else (
                    reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                )
            )
            self.send_response(reply.status)
            for k, v in reply.headers.items():
                self.send_header(k, v)
            if payload:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
