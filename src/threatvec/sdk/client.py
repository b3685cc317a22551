"""`ThreatVec`: the public client. Every public method is guarded — it never raises into
the host (except `TypeError` for an unknown constructor option) and never blocks for
longer than an append to the queue.
"""

from __future__ import annotations

import atexit
import importlib.util
import logging
import os
import platform
import re
import socket
import sys
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any

from threatvec.sdk import integrations as _integrations
from threatvec.sdk._version import __version__
from threatvec.sdk.config import Settings, resolve_settings
from threatvec.sdk.events import (
    MAX_SERVER_INFO_KEYS,
    MAX_TOOLS_LISTED,
    PendingEvent,
    mcp_refs,
)
from threatvec.sdk.probes import ProbeServer
from threatvec.sdk.stats import Counters
from threatvec.sdk.transport import HttpTransport
from threatvec.sdk.worker import BackgroundWorker

__all__ = ["SDK_NAME", "ThreatVec"]

logger = logging.getLogger("threatvec")

SDK_NAME = "threatvec-python"

# Frameworks reported at registration. Top-level names only: find_spec on a dotted
# name would import its parent package.
FRAMEWORKS = (
    "openai",
    "anthropic",
    "langchain",
    "langchain_core",
    "langgraph",
    "llama_index",
    "mcp",
    "crewai",
    "autogen",
    "pydantic_ai",
    "litellm",
    "haystack",
    "semantic_kernel",
    "smolagents",
    "transformers",
)

_live_clients: weakref.WeakSet[ThreatVec] = weakref.WeakSet()

# Printable ASCII: what an X-Org-Key header value can be sent as.
HEADER_SAFE = re.compile(r"[\x20-\x7e]+")


def _debug_raise() -> bool:
    return os.environ.get("THREATVEC_SDK_DEBUG_RAISE", "") == "1"


def _after_fork_in_child() -> None:
    for client in list(_live_clients):
        try:
            client._reset_after_fork()
        except Exception:
            logger.debug("threatvec: fork reset failed", exc_info=True)


def _at_exit() -> None:
    for client in list(_live_clients):
        try:
            client._shutdown_at_exit()
        except Exception:
            logger.debug("threatvec: exit flush failed", exc_info=True)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_at_exit)


def detect_frameworks() -> list[str]:
    found: list[str] = []
    for name in FRAMEWORKS:
        try:
            if importlib.util.find_spec(name) is not None:
                found.append(name)
        except (ImportError, ValueError):
            continue
    return found


class ThreatVec:
    """Client of one agent: records what it does and ships it to a ThreatVec server."""

    def __init__(
        self,
        *,
        server_url: str | None = None,
        agent_name: str | None = None,
        org_key: str | None = None,
        enabled: bool | None = None,
        queue_size: int | None = None,
        batch_size: int | None = None,
        flush_interval: float | None = None,
        heartbeat_interval: float | None = None,
        timeout: float | None = None,
        batch_deadline: float | None = None,
        retry_initial_backoff: float | None = None,
        retry_max_backoff: float | None = None,
        shutdown_timeout: float | None = None,
        capture_content: bool | None = None,
        max_content_chars: int | None = None,
        max_scan_chars: int | None = None,
        capabilities: Mapping[str, bool] | None = None,
        rules: Iterable[str] | None = None,
        integrations: bool | Iterable[str] | Mapping[str, bool] | None = None,
    ) -> None:
        # Python itself raises TypeError for an unknown keyword: the one loud failure.
        self._live = False
        self._started = False
        self._stopped = False
        self._worker: BackgroundWorker | None = None
        self._integration_names: list[str] = []
        self._lc_handler: Any = None
        self._probe_servers: list[ProbeServer] = []
        self.counters = Counters()
        self.instance_id = uuid.uuid4().hex
        self._parent_instance_id: str | None = None
        self._started_at = time.time()
        self._pid = os.getpid()
        try:
            self.settings = resolve_settings(
                {
                    "server_url": server_url,
                    "agent_name": agent_name,
                    "org_key": org_key,
                    "enabled": enabled,
                    "queue_size": queue_size,
                    "batch_size": batch_size,
                    "flush_interval": flush_interval,
                    "heartbeat_interval": heartbeat_interval,
                    "timeout": timeout,
                    "batch_deadline": batch_deadline,
                    "retry_initial_backoff": retry_initial_backoff,
                    "retry_max_backoff": retry_max_backoff,
                    "shutdown_timeout": shutdown_timeout,
                    "capture_content": capture_content,
                    "max_content_chars": max_content_chars,
                    "max_scan_chars": max_scan_chars,
                    "capabilities": dict(capabilities) if capabilities is not None else None,
                    "rules": list(rules) if rules is not None else None,
                    "integrations": integrations
                    if isinstance(integrations, bool | Mapping) or integrations is None
                    else list(integrations),
                }
            )
            self._configure()
        except Exception:
            self.settings = Settings(enabled=False)
            self._internal_error("__init__")

    # ---- construction ------------------------------------------------------------------------

    @classmethod
    def auto(cls, **overrides: Any) -> ThreatVec:
        """Build from THREATVEC_* environment variables (overridden by arguments) and start."""
        client = cls(**overrides)
        client.start()
        return client

    def _configure(self) -> None:
        s = self.settings
        if not s.enabled:
            return
        missing = [
            n
            for n, v in (("THREATVEC_URL", s.server_url), ("THREATVEC_AGENT_NAME", s.agent_name))
            if not v
        ]
        if missing:
            logger.warning(
                "threatvec: %s not set; the SDK is inactive and records nothing",
                " and ".join(missing),
            )
            return
        assert s.server_url is not None
        try:
            HttpTransport(s.server_url, org_key=None, timeout=s.timeout)
        except ValueError:
            logger.warning("threatvec: server_url is not a valid http(s) URL; the SDK is inactive")
            return
        if s.org_key is not None and not HEADER_SAFE.fullmatch(s.org_key):
            # Never shown: it is a secret, and it would be in any error http.client raised.
            logger.warning(
                "threatvec: org_key has characters an HTTP header cannot carry (control or "
                "non-ASCII characters); the SDK is inactive"
            )
            return
        self._worker = self._new_worker()
        self._live = True

    def _new_worker(self) -> BackgroundWorker:
        s = self.settings
        assert s.server_url is not None

        def transport() -> HttpTransport:
            return HttpTransport(str(s.server_url), org_key=s.org_key, timeout=s.timeout)

        return BackgroundWorker(
            transport_factory=transport,
            envelope=self._envelope,
            make_heartbeat=self._heartbeat_event,
            counters=self.counters,
            queue_size=s.queue_size,
            batch_size=s.batch_size,
            flush_interval=s.flush_interval,
            heartbeat_interval=s.heartbeat_interval,
            batch_deadline=s.batch_deadline,
            retry_initial_backoff=s.retry_initial_backoff,
            retry_max_backoff=s.retry_max_backoff,
            capture_content=s.capture_content,
            max_content_chars=s.max_content_chars,
            max_scan_chars=s.max_scan_chars,
        )

    def _envelope(self) -> dict[str, Any]:
        return {
            "sdk": {"name": SDK_NAME, "version": __version__},
            "agent": {"name": self.settings.agent_name, "instance_id": self.instance_id},
        }

    def _register_event(self) -> PendingEvent:
        s = self.settings
        argv0 = sys.argv[0] if sys.argv and sys.argv[0] else None
        attributes: dict[str, Any] = {
            "name": s.agent_name,
            "instance_id": self.instance_id,
            "sdk_version": __version__,
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "process_name": os.path.basename(argv0) if argv0 else None,
            "argv0": argv0,
            "python_version": platform.python_version(),
            "python_implementation": platform.python_implementation(),
            "platform": sys.platform,
            "frameworks": detect_frameworks(),
            "integrations": list(self._integration_names),
            "capabilities": dict(s.capabilities),
            "rules": list(s.rules),
            "capture_content": s.capture_content,
            "heartbeat_interval_s": s.heartbeat_interval,
            "started_at": self._started_at,
        }
        if self._parent_instance_id:
            attributes["parent_instance_id"] = self._parent_instance_id
        return PendingEvent("agent.register", time.time(), attributes)

    def _heartbeat_event(self) -> PendingEvent:
        worker = self._worker
        snapshot = self.counters.snapshot(pending=worker.pending() if worker else 0)
        return PendingEvent(
            "agent.heartbeat",
            time.time(),
            {
                "instance_id": self.instance_id,
                "uptime_s": round(time.time() - self._started_at, 3),
                "interval_s": self.settings.heartbeat_interval,
                "pending": snapshot["pending"],
                "sent": snapshot["sent"],
                "dropped_total": snapshot["dropped_total"],
            },
        )

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ThreatVec:
        """Start the worker, install integrations, register the agent. Safe to call twice."""
        try:
            if not self._live or self._started or self._stopped:
                return self
            self._started = True
            _live_clients.add(self)
            self._integration_names = _integrations.setup_integrations(self.settings.integrations)
            if self._integration_names:
                _integrations.set_active_client(self)
            self._start_worker()
        except Exception:
            self._internal_error("start")
        return self

    def _start_worker(self) -> None:
        worker = self._worker
        assert worker is not None
        worker.enqueue(self._register_event(), front=True)
        worker.start()

    def stop(self, timeout: float | None = None) -> None:
        """Flush what is queued (at most `timeout` seconds, default `shutdown_timeout`) and stop."""
        try:
            if self._stopped:
                return
            self._stopped = True
            self._live = False
            _live_clients.discard(self)
            if _integrations.active_client() is self:
                _integrations.set_active_client(None)
            limit = self.settings.shutdown_timeout if timeout is None else timeout
            started = time.monotonic()
            self._stop_probe_servers(limit)
            worker = self._worker
            if worker is None:
                return
            unsent = worker.stop(max(0.0, limit - (time.monotonic() - started)))
            if unsent:
                logger.warning(
                    "threatvec: stopped with %d event(s) not delivered after %.1fs", unsent, limit
                )
        except Exception:
            self._internal_error("stop")

    close = stop

    def _stop_probe_servers(self, limit: float) -> None:
        # A long poll holds its thread for up to `poll_timeout`; cut it, within a bound.
        servers, self._probe_servers = self._probe_servers, []
        for server in servers:
            if not server.stop(min(limit, 1.0)):
                logger.debug("threatvec: a probe handler was still running at stop()")

    def _shutdown_at_exit(self) -> None:
        worker = self._worker
        pending = worker.pending() if worker is not None else 0
        if pending:
            logger.info(
                "threatvec: sending %d pending event(s) before exit (up to %.1fs)",
                pending,
                self.settings.shutdown_timeout,
            )
        self.stop(self.settings.shutdown_timeout)

    def flush(self, timeout: float = 5.0) -> bool:
        """Block until everything recorded so far is sent (or dropped). False on timeout."""
        try:
            worker = self._worker
            if worker is None or not self._started:
                return True
            self._check_fork()
            return worker.flush(timeout)
        except Exception:
            self._internal_error("flush")
            return False

    def __enter__(self) -> ThreatVec:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _reset_after_fork(self) -> None:
        # Called in the child right after fork(): the parent's thread does not exist
        # here, its queue holds the parent's events and its locks may be held.
        self._parent_instance_id = self.instance_id
        self.instance_id = uuid.uuid4().hex
        self._started_at = time.time()
        self._pid = os.getpid()
        self.counters = Counters()
        if self._worker is not None:
            self._worker.counters = self.counters
            self._worker.reset_after_fork()
            self._fork_restart_needed = self._started and not self._stopped

    _fork_restart_needed = False

    def _check_fork(self) -> None:
        if self._fork_restart_needed:
            self._fork_restart_needed = False
            self._start_worker()

    # ---- state -------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """True when this client is configured and will send events."""
        return self._live

    @property
    def integrations(self) -> list[str]:
        return list(self._integration_names)

    def _integration_on(self, name: str) -> bool:
        return self._live and name in self._integration_names

    def stats(self) -> dict[str, Any]:
        """Counts: queued, pending, sent, duplicates, batches, retries, dropped (by reason)."""
        try:
            worker = self._worker
            snapshot = self.counters.snapshot(pending=worker.pending() if worker else 0)
            snapshot["enabled"] = self._live
            snapshot["instance_id"] = self.instance_id
            return snapshot
        except Exception:
            self._internal_error("stats")
            return {}

    def _internal_error(self, where: str) -> None:
        if _debug_raise():
            raise
        logger.warning("threatvec: internal error in %s (ignored)", where, exc_info=True)

    # ---- recording ---------------------------------------------------------------------------

    def _record(
        self, event_type: str, attributes: dict[str, Any], texts: dict[str, Any] | None = None
    ) -> None:
        if self._fork_restart_needed:
            self._check_fork()
        worker = self._worker
        if worker is not None:
            worker.enqueue(PendingEvent(event_type, time.time(), attributes, texts))

    def record_llm_call(
        self,
        provider: str,
        model: str | None,
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        latency_ms: float | None = None,
        outcome: str = "ok",
        input_text: str | None = None,
        output_text: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Record one call to a model. Texts are scanned locally; only verdicts are sent."""
        if not self._live:
            return
        try:
            attributes: dict[str, Any] = {
                "provider": provider,
                "model": model,
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "latency_ms": latency_ms,
                "outcome": outcome,
                "source": "manual",
            }
            if metadata:
                attributes["metadata"] = dict(metadata)
            texts = None
            if input_text or output_text:
                texts = {"input": input_text, "output": output_text}
            self._record("llm.call", attributes, texts)
        except Exception:
            self._internal_error("record_llm_call")

    def record_tool_call(
        self,
        tool_name: str,
        *,
        destination: str | None = None,
        outcome: str = "ok",
        latency_ms: float | None = None,
        arguments_text: str | None = None,
        output_text: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Record one tool call; `destination` (host or URL) is reduced to its host name."""
        if not self._live:
            return
        try:
            attributes: dict[str, Any] = {
                "tool_name": tool_name,
                "_destination": destination,
                "outcome": outcome,
                "latency_ms": latency_ms,
                "source": "manual",
            }
            if metadata:
                attributes["metadata"] = dict(metadata)
            texts = None
            if arguments_text or output_text:
                texts = {"input": arguments_text, "output": output_text}
            self._record("tool.call", attributes, texts)
        except Exception:
            self._internal_error("record_tool_call")

    def record_mcp_use(
        self,
        server: str,
        *,
        tools_listed: Iterable[Any] | None = None,
        tool_called: str | None = None,
        outcome: str = "ok",
        server_info: Mapping[str, Any] | None = None,
        latency_ms: float | None = None,
    ) -> None:
        """Record use of an MCP server: tools it listed (definitions or names) or a tool called."""
        if not self._live:
            return
        try:
            self._record(
                "mcp.use",
                mcp_attributes(
                    server,
                    tools_listed=tools_listed,
                    tool_called=tool_called,
                    outcome=outcome,
                    server_info=server_info,
                    latency_ms=latency_ms,
                    source="manual",
                ),
            )
        except Exception:
            self._internal_error("record_mcp_use")

    def record_event(self, name: str, attributes: Mapping[str, Any] | None = None) -> None:
        """Record a custom event: a name and flat attributes (≤ 50 scalar values)."""
        if not self._live:
            return
        try:
            self._record(
                "custom", {"name": name, "attributes": dict(attributes) if attributes else {}}
            )
        except Exception:
            self._internal_error("record_event")

    # ---- integrations and probes ---------------------------------------------------------------

    def langchain_handler(self) -> Any:
        """A LangChain callback handler recording LLM and tool events; None if unavailable."""
        try:
            from threatvec.sdk.integrations.langchain import handler_for

            return handler_for(self)
        except Exception:
            self._internal_error("langchain_handler")
            return None

    def serve_probes(
        self,
        handler: Callable[[str, dict[str, Any]], str | dict[str, Any]],
        *,
        poll_timeout: float = 25.0,
    ) -> bool:
        """Answer AgentBench probes with `handler(prompt, context)` in the background.

        The handler returns the reply text, or a dict with `output` and `tool_calls`.
        """
        try:
            if not self._live:
                return False
            assert self.settings.server_url is not None
            server = ProbeServer(
                server_url=self.settings.server_url,
                agent_name=str(self.settings.agent_name),
                org_key=self.settings.org_key,
                handler=handler,
                poll_timeout=poll_timeout,
                is_live=lambda: self._live,
            )
            server.start()
            self._probe_servers.append(server)
            return True
        except Exception:
            self._internal_error("serve_probes")
            return False


def mcp_attributes(
    server: str,
    *,
    tools_listed: Iterable[Any] | None,
    tool_called: str | None,
    outcome: str,
    server_info: Mapping[str, Any] | None,
    latency_ms: float | None,
    source: str,
) -> dict[str, Any]:
    """Attributes of an `mcp.use` event, as cheap as an append on the agent's thread.

    The tool definitions and the server info are only referenced here (a list or
    tuple cut to its first 500 items, a dict to its first 20 keys: a bounded copy of
    references that runs none of the caller's code). Turning them into JSON dicts -
    `model_dump`, `str()` of odd values, walking a generator - happens on the worker
    thread (`events.finalise_attributes`): a 500-tool listing cost the caller ~10 ms
    and an endless generator never returned.
    """
    attributes: dict[str, Any] = {
        "server": server,
        "outcome": outcome,
        "latency_ms": latency_ms,
        "source": source,
    }
    if server_info is not None:
        attributes["_server_info"] = mcp_refs(server_info, MAX_SERVER_INFO_KEYS)
    if tools_listed is not None:
        attributes["_tools_listed"] = mcp_refs(tools_listed, MAX_TOOLS_LISTED)
    if tool_called is not None:
        attributes["tool_called"] = tool_called
    return attributes
