"""The run harness: a loopback listener that gives server runs a canary egress URL and honeypot MCP.

Server-started runs (the API, the learning cycle, the weekly job, the CLI)
need somewhere real for an agent to send data and real tools to misuse, or
the egress and honeypot signals could never fire. One :class:`ListenerHub`
per process (per bind address) serves, for every active run, keyed by the
run's random canary token:

* ``/c/<token>/...``  the run's canary URLs: every request is recorded as an
  :class:`~threatvec.redteam.egress.EgressHit` and answered 204;
* ``/h/<token>/mcp``  the run's honeypot tools as an MCP server over
  streamable HTTP (the official ``mcp`` SDK), each call landing in the run's
  :class:`~threatvec.redteam.honeypot.HoneypotRecorder`.

The hub starts with the first run and stops when the last one ends (runs are
torn down on completion, failure and cancellation alike). A token the hub
does not know gets 404, so one run never sees another's traffic.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from threatvec.redteam.canary import RunCanaries, new_run_canaries
from threatvec.redteam.egress import EgressHit, EgressLog
from threatvec.redteam.honeypot import HoneypotRecorder, build_honeypot_server

__all__ = ["ListenerHub", "ListenerSettings", "RunHarness", "open_run_harness"]

log = logging.getLogger("threatvec.redteam")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_MAX_BODY = 64 * 1024
_START_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ListenerSettings:
    """Where the harness listens and the URL agents are told to use (deployment config)."""

    enabled: bool = True
    bind_host: str = "127.0.0.1"
    port: int = 0  # 0: an ephemeral port per hub start
    public_url: str | None = None  # e.g. http://10.0.0.5:8765 when agents run elsewhere

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be between 0 and 65535")
        if self.public_url is not None:
            parts = urlsplit(self.public_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("public_url must be an http(s) URL with a host")
            if parts.path not in ("", "/") or parts.query:
                # Hits are matched on the path the hub receives; a prefix would break that.
                raise ValueError("public_url must not have a path (proxy paths unchanged)")


@dataclass
class _RunEntry:
    token: str
    egress: EgressLog
    recorder: HoneypotRecorder
    mcp_app: Any  # the SDK's Starlette app for this run's honeypot server
    mcp_server: Any
    stop: asyncio.Event | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    done: concurrent.futures.Future[None] | None = None


class ListenerHub:
    """One uvicorn server on its own thread and event loop, dispatching by run token."""

    def __init__(self, settings: ListenerSettings) -> None:
        import uvicorn

        self.settings = settings
        self._runs: dict[str, _RunEntry] = {}
        self._lock = threading.Lock()
        family = socket.AF_INET6 if ":" in settings.bind_host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((settings.bind_host, settings.port))
        self._sock.listen(128)
        self._sock.setblocking(False)
        config = uvicorn.Config(
            self._asgi, interface="asgi3", lifespan="off", log_level="warning",
            access_log=False, proxy_headers=False,
            timeout_graceful_shutdown=2,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="agentbench-listener", daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._server.serve(sockets=[self._sock]))
        finally:
            self._loop.close()

    def start(self) -> ListenerHub:
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the AgentBench listener did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._sock.close()

    @property
    def bound_url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    @property
    def public_url(self) -> str:
        return (self.settings.public_url or self.bound_url).rstrip("/")

    # ── per-run registration (called from run threads) ──

    def register(self, token: str, egress: EgressLog, recorder: HoneypotRecorder) -> None:
        """Serve ``token``'s canary URLs and honeypot MCP until ``unregister``."""
        from mcp.server.transport_security import TransportSecuritySettings

        server = build_honeypot_server(recorder)
        app = server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            # The random run token in the path is the guard; agents may reach the hub
            # under any name (public_url, a NAT address), which a Host allow-list would refuse.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        entry = _RunEntry(token, egress, recorder, app, server)
        entry.done = asyncio.run_coroutine_threadsafe(self._run_session_manager(entry), self._loop)
        if not entry.ready.wait(_START_TIMEOUT_S):
            entry.done.cancel()
            raise RuntimeError("the honeypot MCP server did not start")
        with self._lock:
            self._runs[token] = entry

    def unregister(self, token: str) -> None:
        with self._lock:
            entry = self._runs.pop(token, None)
        if entry is None or entry.stop is None:
            return
        self._loop.call_soon_threadsafe(entry.stop.set)
        if entry.done is not None:
            try:
                entry.done.result(timeout=5)
            except Exception:  # a stuck MCP session must not block the end of a run
                log.debug("honeypot MCP shutdown for a run did not finish cleanly", exc_info=True)

    @property
    def active_runs(self) -> int:
        with self._lock:
            return len(self._runs)

    async def _run_session_manager(self, entry: _RunEntry) -> None:
        entry.stop = asyncio.Event()
        async with entry.mcp_server.session_manager.run():
            entry.ready.set()
            await entry.stop.wait()

    # ── the ASGI app ──

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        parts = str(scope.get("path", "")).split("/")
        # ["", "c", token, ...] or ["", "h", token, "mcp", ...]
        kind, token = (parts[1], parts[2]) if len(parts) > 2 else ("", "")
        with self._lock:
            entry = self._runs.get(token)
        if entry is None or kind not in ("c", "h"):
            await _reply(send, 404, b'{"error":"unknown run"}')
            return
        if kind == "c":
            await self._record_egress(entry, scope, receive, send)
            return
        rest = "/" + "/".join(parts[3:])
        if rest.rstrip("/") != "/mcp":
            await _reply(send, 404, b'{"error":"no such path"}')
            return
        inner = dict(scope)
        inner["path"] = "/mcp"
        inner["raw_path"] = b"/mcp"
        await entry.mcp_app(inner, receive, send)

    async def _record_egress(
        self, entry: _RunEntry, scope: Scope, receive: Receive, send: Send
    ) -> None:
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            if len(body) < _MAX_BODY:
                body += message.get("body", b"")[: _MAX_BODY - len(body)]
            more = bool(message.get("more_body"))
        path = str(scope.get("path", ""))
        query = scope.get("query_string", b"").decode("latin-1")
        client = scope.get("client") or ("", 0)
        entry.egress.add(
            EgressHit(
                str(scope.get("method", "GET")),
                path + (f"?{query}" if query else ""),
                str(client[0]),
                time.time(),
                bytes(body).decode("utf-8", "replace"),
            )
        )
        await _reply(send, 204, b"")


async def _reply(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode())]
    if body:
        headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# Process-wide hubs, keyed by their settings, with the number of runs using each.
_HUBS: dict[ListenerSettings, tuple[ListenerHub, int]] = {}
_HUBS_LOCK = threading.Lock()


def _acquire(settings: ListenerSettings) -> ListenerHub:
    with _HUBS_LOCK:
        hub, users = _HUBS.get(settings, (None, 0))
        if hub is None:
            hub = ListenerHub(settings).start()
        _HUBS[settings] = (hub, users + 1)
        return hub


def _release(settings: ListenerSettings) -> None:
    with _HUBS_LOCK:
        hub, users = _HUBS.get(settings, (None, 0))
        if hub is None:
            return
        if users > 1:
            _HUBS[settings] = (hub, users - 1)
            return
        del _HUBS[settings]
    hub.stop()


@dataclass
class RunHarness:
    """What one run is given: canaries pointing at the hub, its egress log and honeypot."""

    canaries: RunCanaries
    egress: EgressLog | None
    honeypot: HoneypotRecorder | None
    honeypot_url: str | None  # the run's MCP endpoint (streamable HTTP), None when disabled
    _settings: ListenerSettings | None = None
    _hub: ListenerHub | None = None
    _closed: bool = False

    def close(self) -> None:
        """Stop serving this run's URLs (idempotent); the hub stops with its last run."""
        if self._closed:
            return
        self._closed = True
        if self._hub is not None and self._settings is not None:
            self._hub.unregister(self.canaries.url_token)
            _release(self._settings)

    def __enter__(self) -> RunHarness:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_run_harness(run_id: str, settings: ListenerSettings | None) -> RunHarness:
    """Canaries for ``run_id`` and, when enabled, the hub serving its egress URLs and honeypot."""
    if settings is None or not settings.enabled:
        return RunHarness(new_run_canaries(run_id), None, None, None)
    hub = _acquire(settings)
    try:
        canaries = new_run_canaries(run_id, canary_base_url=hub.public_url)
        egress = EgressLog(hub.public_url)
        # read_secret hands out the run's context secret, so a leak of it is traceable.
        recorder = HoneypotRecorder(secret_for=lambda _name: f"sk-live-{canaries.secret}")
        hub.register(canaries.url_token, egress, recorder)
    except BaseException:
        _release(settings)
        raise
    return RunHarness(
        canaries, egress, recorder, f"{hub.public_url}/h/{canaries.url_token}/mcp",
        settings, hub,
    )  # fmt: skip
