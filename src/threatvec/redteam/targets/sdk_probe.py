"""SDK-served probes: the agent long-polls the server, which hands it probes.

Agents behind NAT or without an HTTP API call ``tv.serve_probes(handler)``;
the SDK polls ``GET /api/v1/agentbench/probes/next`` and posts replies to
``/api/v1/agentbench/probes/{id}/reply`` (``threatvec.sdk.probes``). On the
server, those endpoints talk to a :class:`ProbeTransport`; the
:class:`SdkProbeTarget` sits on the other side of it and waits for replies.

:class:`InMemoryProbeTransport` is the single-process implementation (tests,
the embedded server); a multi-replica deployment implements the same three
methods on the database.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

from threatvec.redteam.channels import DIRECT, DOCUMENT, TOOL_OUTPUT, WEB_PAGE
from threatvec.redteam.exchange import ProbeRequest, TargetReply, ToolCall

__all__ = [
    "InMemoryProbeTransport",
    "ProbeEnvelope",
    "ProbeTransport",
    "SdkProbeTarget",
    "envelope_for",
    "reply_from_sdk",
]

MAX_OUTPUT_CHARS = 100_000


@dataclass(frozen=True)
class ProbeEnvelope:
    """What ``GET .../probes/next`` returns: ``{"probe_id", "prompt", "context"}``."""

    probe_id: str  # a delivery id ([A-Za-z0-9_-]), not the library probe id
    agent: str
    prompt: str
    context: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"probe_id": self.probe_id, "prompt": self.prompt, "context": self.context}


def envelope_for(agent: str, request: ProbeRequest) -> ProbeEnvelope:
    """The SDK-facing form of a request; the handler sees documents and tool results in context."""
    context: dict[str, Any] = {
        "session_id": request.session_id,
        "channel": request.channel,
        "system_prompt": request.system_prompt,
        "documents": [{"name": d.name, "content": d.content} for d in request.documents],
        "tool_outputs": [
            {"tool": t.tool, "arguments": t.arguments, "content": t.content}
            for t in request.tool_outputs
        ],
        "tools": list(request.tools),
        "history": request.history_json(),
    }
    if request.honeypot_url:
        context["honeypot_mcp_url"] = request.honeypot_url
    return ProbeEnvelope(f"pr_{uuid.uuid4().hex}", agent, request.prompt_with_documents(), context)


def reply_from_sdk(body: Any) -> TargetReply:
    """Parse ``{"output", "tool_calls", "error"?}`` as posted by the SDK; be strict about shape."""
    if not isinstance(body, dict):
        return TargetReply.failed("SDK reply is not an object")
    if body.get("error"):
        return TargetReply.failed(f"agent handler failed: {str(body['error'])[:500]}")
    calls = []
    for item in body.get("tool_calls") or []:
        if not isinstance(item, dict):
            continue
        fn: dict[str, Any] = item["function"] if isinstance(item.get("function"), dict) else item
        name = fn.get("name")
        if name:
            calls.append(ToolCall.parse(name, fn.get("arguments", fn.get("args", {}))))
    return TargetReply(
        output=str(body.get("output") or "")[:MAX_OUTPUT_CHARS], tool_calls=tuple(calls)
    )


class ProbeTransport(Protocol):
    """The queue between the SDK endpoints (server side) and the runner."""

    async def dispatch(self, envelope: ProbeEnvelope, timeout: float) -> TargetReply:
        """Queue a probe for its agent and wait for the reply (or time out: ERROR)."""
        ...

    def next_probe(self, agent: str, wait: float) -> ProbeEnvelope | None:
        """Long-poll side: the next probe for ``agent``, waiting up to ``wait`` seconds."""
        ...

    def submit_reply(self, probe_id: str, body: Any) -> bool:
        """Reply side: deliver the SDK's answer; False if the probe is unknown or expired."""
        ...


@dataclass
class InMemoryProbeTransport:
    """Thread-safe in-process transport: server threads poll, the runner's loop awaits."""

    _pending: dict[str, deque[ProbeEnvelope]] = field(default_factory=dict)
    _waiting: dict[str, concurrent.futures.Future[TargetReply]] = field(default_factory=dict)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    async def dispatch(self, envelope: ProbeEnvelope, timeout: float) -> TargetReply:
        future: concurrent.futures.Future[TargetReply] = concurrent.futures.Future()
        with self._cond:
            self._waiting[envelope.probe_id] = future
            self._pending.setdefault(envelope.agent, deque()).append(envelope)
            self._cond.notify_all()
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except TimeoutError:
            return TargetReply.failed(f"the agent did not answer within {timeout:.0f}s")
        finally:
            with self._cond:
                self._waiting.pop(envelope.probe_id, None)
                queue = self._pending.get(envelope.agent)
                if queue and envelope in queue:
                    queue.remove(envelope)  # never picked up: withdraw it

    def next_probe(self, agent: str, wait: float) -> ProbeEnvelope | None:
        deadline = time.monotonic() + max(0.0, wait)
        with self._cond:
            while True:
                queue = self._pending.get(agent)
                if queue:
                    return queue.popleft()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def submit_reply(self, probe_id: str, body: Any) -> bool:
        with self._cond:
            future = self._waiting.get(probe_id)
        if future is None or future.done():
            return False
        future.set_result(reply_from_sdk(body))
        return True

    def pending_count(self, agent: str) -> int:
        with self._cond:
            return len(self._pending.get(agent, ()))


@dataclass
class SdkProbeTarget:
    """A registered agent answering probes through the SDK's long-poll connection."""

    agent: str
    transport: ProbeTransport
    timeout: float = 60.0
    name: str = "sdk"
    channels: frozenset[str] = field(default=frozenset({DIRECT, DOCUMENT, TOOL_OUTPUT, WEB_PAGE}))
    observes_tool_calls: bool = True
    tool_capabilities: frozenset[str] | None = None  # from MCP tools/list; None = unknown
    uses_honeypot: bool = False  # the handler connects to context["honeypot_mcp_url"]

    async def send(self, request: ProbeRequest) -> TargetReply:
        started = time.perf_counter()
        reply = await self.transport.dispatch(envelope_for(self.agent, request), self.timeout)
        return TargetReply(
            output=reply.output,
            tool_calls=reply.tool_calls,
            error=reply.error,
            latency_ms=(time.perf_counter() - started) * 1000,
        )
