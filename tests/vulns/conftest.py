"""Shared fixtures: the shared real data, and a real HTTP server on 127.0.0.1.

The server runs a plain function per request (``app(req) -> Reply``), so a
test can speak any source's documented API, answer 403/429/503, or stall.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


def osv_advisory(adv_id: str, cve_id: str, package: str, fixed: str) -> dict[str, Any]:
    """A one-package PyPI advisory in OSV format: affected from 0 until ``fixed``."""
    return {
        "id": adv_id,
        "aliases": [cve_id],
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"name": package, "ecosystem": "PyPI"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }


def shared_data() -> Path:
    env = os.environ.get("THREATVEC_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared test data missing: {path} (set THREATVEC_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return need(shared_data())


@pytest.fixture(scope="session")
def nvd_files(data_dir: Path) -> list[Path]:
    return [
        need(data_dir / "nvd" / "nvd_sample_dev.json"),
        need(data_dir / "nvd" / "nvd_sample_dev2.json"),
    ]


@pytest.fixture(scope="session")
def nvd_raw(nvd_files: list[Path]) -> list[dict[str, Any]]:
    """The real ``cve`` objects of the 66 NVD sample records."""
    out = []
    for f in nvd_files:
        out.extend(item["cve"] for item in json.loads(f.read_text())["vulnerabilities"])
    return out


@pytest.fixture(scope="session")
def pypa_advisories(data_dir: Path) -> list[Any]:
    from threatvec.vulns.osv import iter_osv_dir

    root = need(data_dir / "osv" / "pypa-advisory-database")
    return list(iter_osv_dir(root))


VECTORS = Path(__file__).resolve().parents[1] / "vectors"


@dataclass
class Req:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def q(self, name: str, default: str | None = None) -> str | None:
        vals = self.query.get(name)
        return vals[0] if vals else default

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0  # seconds to hang after sending headers and half the body


class LocalServer:
    def __init__(self, app: Callable[[Req], Reply]) -> None:
        self.app = app
        self.requests: list[Req] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Req(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                server.requests.append(req)
                reply = server.app(req)
                payload = reply.body
                if not isinstance(payload, bytes):
                    payload = json.dumps(payload).encode()
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if reply.stall:
                        self.wfile.write(payload[: len(payload) // 2])
                        self.wfile.flush()
                        server._stop.wait(reply.stall)
                        return
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = _handle
            do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Req], Reply]], LocalServer]]:
    servers: list[LocalServer] = []

    def start(app: Callable[[Req], Reply]) -> LocalServer:
        s = LocalServer(app)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()


class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


_ = time  # keep the import for readers wondering why tests never sleep for real
