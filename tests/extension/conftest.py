"""Fixtures for driving the real extension in a real Chromium.

- ``collector``: stands in for the ThreatVec server. It records every request
  it receives (method, path, headers, body) and answers the extension's three
  endpoints. Anything with ``.url``, ``.org_key``, ``.events()`` and
  ``.raw_requests()`` can replace it (e.g. the real server in an end-to-end
  test).
- ``ai_sites``: one HTTPS server with a self-signed certificate that serves a
  fake chat page for every host name; ``--host-resolver-rules`` points the AI
  hosts at it.
- ``extension_browser``: a persistent Chromium context with the unpacked
  extension loaded and configured to report to the collector.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.tls import make_certificate

REPO = Path(__file__).resolve().parents[2]
EXTENSION_DIR = REPO / "extension"
CHROMIUM = os.environ.get("THREATVEC_CHROMIUM", "/usr/bin/chromium")

# Hosts the browser resolves to the local HTTPS site server.
CATALOG_HOSTS = ("chatgpt.com", "claude.ai")
OTHER_HOSTS = ("notes.example.org", "chat.unknown-llm.test", "refreshed-ai.example.net")
# Served only by the collector's catalog endpoint, to prove the refresh works.
REFRESHED_DOMAIN = "refreshed-ai.example.net"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Collector:
    """A capturing stand-in for the ThreatVec server."""

    url: str
    org_key: str
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def raw_requests(self) -> list[RecordedRequest]:
        with self.lock:
            return list(self.requests)

    def events(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for req in self.raw_requests():
            if req.method == "POST" and req.path == "/api/v1/shadow/events":
                found.extend(json.loads(req.body)["events"])
        return found

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events():
                if predicate(event):
                    return event
            time.sleep(0.2)
        raise AssertionError(f"no matching event; received: {self.events()}")

    def wait_for_request(self, method: str, path: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(r.method == method and r.path == path for r in self.raw_requests()):
                return
            time.sleep(0.2)
        raise AssertionError(f"no {method} {path} received")


def _collector_handler(collector: Collector) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _record(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with collector.lock:
                collector.requests.append(
                    RecordedRequest(self.command, self.path, dict(self.headers.items()), body)
                )
            return body

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._record()
            if self.path == "/healthz":
                self._reply(200, {"status": "ok"})
            elif self.path == "/api/v1/shadow/catalog":
                if self.headers.get("X-Org-Key") != collector.org_key:
                    self._reply(401, {"detail": "bad key"})
                    return
                self._reply(200, {"services": [{
                    "domain": REFRESHED_DOMAIN, "service": "Refreshed AI", "vendor": "Example",
                    "category": "chat", "kind": "enterprise",
                }]})  # fmt: skip
            else:
                self._reply(404, {"detail": "not found"})

        def do_POST(self) -> None:
            body = self._record()
            if self.path != "/api/v1/shadow/events":
                self._reply(404, {"detail": "not found"})
            elif self.headers.get("X-Org-Key") != collector.org_key:
                self._reply(401, {"detail": "bad key"})
            else:
                self._reply(200, {"accepted": len(json.loads(body)["events"])})

    return Handler


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    col = Collector(url=url, org_key="tv-test-org-key-123")
    server.RequestHandlerClass = _collector_handler(col)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield col
    server.shutdown()
    server.server_close()


CHAT_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<script src="/page.js" defer></script></head>
<body>
<p id="page-text">{marker}</p>
<form id="chat" action="/send" method="post">
  <textarea id="prompt" name="prompt" style="width:700px;height:160px"></textarea>
  <input id="file" type="file">
  <button id="send" type="submit">Send</button>
</form>
</body></html>
"""
PAGE_JS = "document.getElementById('chat').addEventListener('submit', (e) => e.preventDefault());\n"
TITLES = {
    "chat.unknown-llm.test": "LLM Chat - private assistant",
    "notes.example.org": "My notes",
}
PAGE_MARKER = "PAGE-TEXT-MARKER-7f3a9c"


def _make_certificate(directory: Path) -> tuple[Path, Path]:
    return make_certificate(directory, (*CATALOG_HOSTS, *OTHER_HOSTS))


class _SiteHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").split(":")[0]
        if self.path == "/page.js":
            body, ctype = PAGE_JS.encode(), "text/javascript"
        elif self.path == "/favicon.ico":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            title = TITLES.get(host, "Chat")
            body = CHAT_PAGE.format(title=title, marker=PAGE_MARKER).encode()
            ctype = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve_ai_sites(directory: Path) -> Iterator[int]:
    """The fake AI sites over HTTPS (self-signed); yields the port. For module-scoped use."""
    cert, key = _make_certificate(directory)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SiteHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def ai_sites(tmp_path: Path) -> Iterator[int]:
    cert, key = _make_certificate(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SiteHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def chromium_path() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    found = shutil.which("chromium")
    if not found:
        pytest.skip("Chromium not installed (apt-get install -y chromium)")
    return found


@dataclass
class ExtensionBrowser:
    context: Any
    worker: Any

    def new_page(self) -> Any:
        page = self.context.new_page()
        page.set_default_timeout(15_000)
        return page


@pytest.fixture
def extension_browser(
    chromium_path: str, ai_sites: int, collector: Collector, tmp_path: Path
) -> Iterator[ExtensionBrowser]:
    yield from launch_extension(chromium_path, ai_sites, collector, tmp_path / "profile")


def chromium_args(ai_sites: int, *, load_extension: bool = True) -> list[str]:
    """New headless mode, AI hosts mapped to the local site server, the extension loaded."""
    rules = ", ".join(f"MAP {h} 127.0.0.1:{ai_sites}" for h in (*CATALOG_HOSTS, *OTHER_HOSTS))
    args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        f"--host-resolver-rules={rules}",
        "--ignore-certificate-errors",
    ]
    if load_extension:
        args.append(f"--disable-extensions-except={EXTENSION_DIR}")
        args.append(f"--load-extension={EXTENSION_DIR}")
    else:
        # Lets the test install the extension later over DevTools (Extensions.loadUnpacked).
        args.append("--enable-unsafe-extension-debugging")
    return args


@contextmanager
def open_browser(
    chromium_path: str,
    ai_sites: int,
    profile: Path,
    *,
    load_extension: bool = True,
    extra_args: tuple[str, ...] = (),
) -> Iterator[Any]:
    """A persistent Chromium context (extensions need one, in the new headless mode)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path,
            headless=False,  # "--headless=new" in the args: extensions need the new headless mode
            args=[*chromium_args(ai_sites, load_extension=load_extension), *extra_args],
            ignore_default_args=["--disable-extensions"],
        )
        try:
            yield context
        finally:
            context.close()


def extension_worker(context: Any) -> Any:
    """The extension's service worker once its listeners, catalog and scripts are in place."""
    worker = (
        context.service_workers[0]
        if context.service_workers
        else context.wait_for_event("serviceworker", timeout=15_000)
    )
    worker.evaluate("self.threatvecReady")
    return worker


def install_unpacked(context: Any) -> Any:
    """Install the extension into a running browser, as a user or a policy push would."""
    cdp = context.browser.new_browser_cdp_session()
    cdp.send("Extensions.loadUnpacked", {"path": str(EXTENSION_DIR)})
    return extension_worker(context)


def configure(worker: Any, collector: Collector) -> None:
    """Point the extension at ``collector`` and wait for the catalog refresh that follows."""
    config = {
        "serverUrl": collector.url,
        "orgKey": collector.org_key,
        "userIdSalt": "test-salt-0123456789",
        "userIdentifier": "Alice@Example.com",
    }
    worker.evaluate("(c) => chrome.storage.local.set({tv_config: c})", config)
    collector.wait_for_request("GET", "/api/v1/shadow/catalog")


def launch_extension(
    chromium_path: str,
    ai_sites: int,
    collector: Collector,
    profile: Path,
    extra_args: tuple[str, ...] = (),
) -> Iterator[ExtensionBrowser]:
    """Start Chromium with the extension, point it at ``collector``, wait until it is ready."""
    with open_browser(chromium_path, ai_sites, profile, extra_args=extra_args) as context:
        worker = extension_worker(context)
        configure(worker, collector)
        yield ExtensionBrowser(context=context, worker=worker)


def paste(page: Any, text: str) -> None:
    """A real paste event (with clipboard data) into the fake chat page's prompt box."""
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.setData('text/plain', text);
            const box = document.getElementById('prompt');
            box.focus();
            box.dispatchEvent(new ClipboardEvent('paste',
                {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        text,
    )
