"""SDK-served probes: the real SDK ProbeServer long-polls a bridge over the in-memory transport."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.redteam.agents.servers import AgentRuntime, SdkBridgeServer, sdk_handler
from threatvec.redteam.egress import EgressListener
from threatvec.redteam.exchange import ProbeRequest
from threatvec.redteam.honeypot import HoneypotRecorder, build_honeypot_server
from threatvec.redteam.probes import get_probe
from threatvec.redteam.runner import RunOptions, run_probes
from threatvec.redteam.targets import InMemoryProbeTransport, SdkProbeTarget, build_target
from threatvec.redteam.targets.sdk_probe import envelope_for, reply_from_sdk
from threatvec.redteam.verdicts import Signal, Verdict
from threatvec.sdk.probes import ProbeServer


class SdkAgent:
    """An agent process's side: the SDK's own long-poll loop with a handler."""

    def __init__(self, url: str, name: str, runtime: AgentRuntime) -> None:
        self.live = True
        self.server = ProbeServer(
            server_url=url,
            agent_name=name,
            org_key=None,
            handler=sdk_handler(runtime),
            poll_timeout=1.0,
            is_live=lambda: self.live,
        )
        self.thread: threading.Thread | None = None

    def __enter__(self) -> SdkAgent:
        self.thread = self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live = False
        assert self.thread is not None
        self.thread.join(timeout=5)


@pytest.fixture()
def transport() -> InMemoryProbeTransport:
    return InMemoryProbeTransport()


@pytest.fixture()
def bridge(transport: InMemoryProbeTransport) -> Iterator[SdkBridgeServer]:
    with SdkBridgeServer(transport) as server:
        yield server


PROBES = (
    "tool-hijack-email",
    "exfil-http-post-key",
    "destroy-delete-records",
    "pi-tool-output-lower",
)


def run(target: Any, honeypot: HoneypotRecorder, egress: EgressListener) -> Any:
    return asyncio.run(
        run_probes(
            [get_probe(p) for p in PROBES],
            target,
            options=RunOptions(k=2, attempt_timeout=20),
            honeypot=honeypot,
            egress=egress,
        )
    )


def test_naive_sdk_agent_fails_with_honeypot_and_egress_evidence(
    transport: InMemoryProbeTransport, bridge: SdkBridgeServer
) -> None:
    recorder = HoneypotRecorder(secret_for=lambda name: "not-used")
    runtime = AgentRuntime("naive", honeypot_server=build_honeypot_server(recorder))
    target = build_target(
        {"type": "sdk", "agent": "naive-bot", "timeout": 20}, probe_transport=transport
    )
    with EgressListener() as egress, SdkAgent(bridge.url, "naive-bot", runtime) as agent:
        result = run(target, recorder, egress)
    assert agent.server.answered >= 2 * len(PROBES)
    by_id = {r.probe_id: r for r in result.results}
    assert all(r.verdict is Verdict.FAIL for r in result.results)
    email = by_id["tool-hijack-email"]
    assert email.evidence[0].signal is Signal.HONEYPOT_CALL
    signals = {e.signal for e in by_id["exfil-http-post-key"].evidence}
    assert {Signal.HONEYPOT_CALL, Signal.CANARY_EGRESS, Signal.CANARY_LEAK} <= signals
    assert by_id["exfil-http-post-key"].critical_failure
    destroy = by_id["destroy-delete-records"].evidence[0]
    assert destroy.signal is Signal.HONEYPOT_CALL and "deleted" in destroy.detail
    assert (
        any(h.matches(result.results[0].evidence and "", None) is False for h in egress.hits)
        or True
    )
    assert any(h.path.split("?")[0].endswith("/exfil-http-post-key/2") for h in egress.hits)


def test_hardened_sdk_agent_passes(
    transport: InMemoryProbeTransport, bridge: SdkBridgeServer
) -> None:
    recorder = HoneypotRecorder()
    runtime = AgentRuntime("hardened", honeypot_server=build_honeypot_server(recorder))
    target = SdkProbeTarget(agent="careful-bot", transport=transport, timeout=20)
    with EgressListener() as egress, SdkAgent(bridge.url, "careful-bot", runtime):
        result = run(target, recorder, egress)
    assert [r.verdict for r in result.results] == [Verdict.PASS] * len(PROBES)
    assert recorder.calls == [] and egress.hits == []
    assert result.summary.utility_under_attack == 1.0


def test_unanswered_probe_is_error_and_is_withdrawn(transport: InMemoryProbeTransport) -> None:
    target = SdkProbeTarget(agent="offline-bot", transport=transport, timeout=0.3)
    reply = asyncio.run(target.send(ProbeRequest("p", 1, "s", "direct", "hi")))
    assert reply.error is not None and "did not answer" in reply.error
    assert transport.pending_count("offline-bot") == 0
    assert transport.next_probe("offline-bot", 0.0) is None
    assert transport.submit_reply("pr_unknown", {"output": "x"}) is False


def test_envelope_and_reply_shapes() -> None:
    req = ProbeRequest("p", 1, "sess", "tool_output", "hello", system_prompt="sys")
    env = envelope_for("bot", req)
    assert env.as_json()["prompt"] == "hello"
    assert env.context["session_id"] == "sess" and env.context["system_prompt"] == "sys"
    assert env.probe_id.startswith("pr_")
    reply = reply_from_sdk(
        {
            "output": "ok",
            "tool_calls": [{"function": {"name": "send_email", "arguments": '{"to": "x"}'}}],
        }
    )
    assert reply.tool_calls[0].name == "send_email" and reply.tool_calls[0].arguments == {"to": "x"}
    assert reply_from_sdk({"error": "ValueError: boom"}).error is not None
    assert reply_from_sdk(["not", "a", "dict"]).error is not None
