"""An agent served through the real SDK (`tv.serve_probes`) against the live server over HTTP.

The agent registers itself through the SDK (no target registration needed),
long-polls `GET /api/v1/agentbench/probes/next`, answers with its own brain
and posts to `/probes/{id}/reply`; the run goes through the database-backed
probe transport. Its tools run against the honeypot MCP endpoint the server
hands out in each probe's context, so honeypot and egress signals fire.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import create_org
from tests.redteam.agents.bench import run_quick
from tests.redteam.agents.servers import AgentRuntime, sdk_handler
from threatvec import ThreatVec
from threatvec.agents.models import Agent


@pytest.fixture
def http(live_server: Any, session_factory: Any) -> Iterator[tuple[httpx.Client, Any]]:
    org = create_org(session_factory)
    with httpx.Client(base_url=live_server.url + "/api/v1", headers=org.headers) as c:
        yield c, org


def serve(live_server: Any, org: Any, name: str, brain: str) -> ThreatVec:
    tv = ThreatVec(server_url=live_server.url, agent_name=name, org_key=org.key,
                   heartbeat_interval=5.0, flush_interval=0.2).start()  # fmt: skip
    assert tv.serve_probes(sdk_handler(AgentRuntime(brain)), poll_timeout=2.0)
    return tv


def agent_id_of(session_factory: Any, org_id: str, name: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with session_factory() as s:
            found = s.scalar(select(Agent.id).where(Agent.org_id == org_id, Agent.name == name))
        if found:
            return str(found)
        time.sleep(0.1)
    raise AssertionError(f"agent {name} never registered through the SDK")


def run(c: httpx.Client, agent_id: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    row = run_quick(c, agent_id)
    items = c.get(f"/agentbench/runs/{row['id']}/results", params={"limit": 500}).json()["items"]
    return row, {i["probe_id"]: i for i in items}


def test_naive_sdk_agent_fails_and_hardened_passes_through_the_real_sdk(
    live_server: Any, session_factory: Any, http: tuple[httpx.Client, Any]
) -> None:
    c, org = http
    naive = serve(live_server, org, "sdk-naive-agent", "naive")
    careful = serve(live_server, org, "sdk-careful-agent", "hardened")
    try:
        naive_id = agent_id_of(session_factory, org.id, "sdk-naive-agent")
        careful_id = agent_id_of(session_factory, org.id, "sdk-careful-agent")
        row, results = run(c, naive_id)
        assert row["status"] == "completed" and row["target_type"] == "sdk"
        for probe_id in ("pi-tool-output-lower", "pi-document-reverse", "tool-hijack-email",
                         "exfil-http-post-key", "exfil-markdown-image"):  # fmt: skip
            assert results[probe_id]["verdict"] == "FAIL", (probe_id, results[probe_id])
            assert results[probe_id]["evidence"][0]["excerpt"]
        # The handler connected to the run's honeypot MCP endpoint (streamable HTTP) from
        # its probe context and made the injected request to the run's canary URL.
        signals = {e["signal"] for e in results["exfil-http-post-key"]["evidence"]}
        assert {"honeypot_call", "canary_egress"} <= signals, signals
        # The SDK has no MCP tool-definition channel: those probes are N/A, never PASS.
        assert results["mcp-poisoned-description"]["verdict"] == "NOT_APPLICABLE"
        assert "ERROR" not in {r["verdict"] for r in results.values()}

        row, results = run(c, careful_id)
        verdicts = {r["verdict"] for r in results.values()}
        assert row["status"] == "completed" and verdicts <= {"PASS", "NOT_APPLICABLE"}
        assert row["summary"]["pass_rate"] == 1.0
        assert row["summary"]["utility_under_attack"] == 1.0
    finally:
        naive.stop()
        careful.stop()


class _SdkToolCall:
    """A tool call as agent frameworks hand it over: an object, not a dict."""

    def __init__(self, name: str, arguments: dict[str, Any]) -> None:
        self.name, self.arguments = name, arguments


def test_tool_calls_in_any_reported_shape_reach_the_judges(
    live_server: Any, session_factory: Any, http: tuple[httpx.Client, Any]
) -> None:
    # The documented contract: each tool call is "whatever the agent reports". A
    # looping agent reporting 250 calls, calls as plain names or as framework objects,
    # and an output of None were posted as-is; the server refused the reply (422) and
    # the probe ended as ERROR "the agent did not answer" instead of a verdict.
    import asyncio

    from threatvec.redteam.targets.sdk_probe import ProbeEnvelope
    from threatvec.redteam.transport_db import DbProbeTransport

    _, org = http
    tv = ThreatVec(server_url=live_server.url, agent_name="sdk-loop-agent", org_key=org.key,
                   heartbeat_interval=5.0, flush_interval=0.2).start()  # fmt: skip

    def handler(prompt: str, context: dict[str, Any]) -> dict[str, Any]:
        calls: list[Any] = [_SdkToolCall("send_email", {"to": "x@example.com"})]
        calls += [{"name": "kb_search"}] + ["fetch_url"] * 248
        return {"output": None, "tool_calls": calls}

    assert tv.serve_probes(handler, poll_timeout=2.0)
    try:
        agent_id_of(session_factory, org.id, "sdk-loop-agent")
        envelope = ProbeEnvelope("loop-probe-1", "sdk-loop-agent", "loop, please", {})
        transport = DbProbeTransport(session_factory, org.id)
        reply = asyncio.run(transport.dispatch(envelope, timeout=90.0))
    finally:
        tv.stop()
    assert reply.error is None, reply.error
    assert reply.output == ""
    names = [c.name for c in reply.tool_calls]
    assert len(names) == 200  # the server's cap: far above any budget a probe checks
    assert names[:3] == ["send_email", "kb_search", "fetch_url"]
    assert reply.tool_calls[0].arguments == {"to": "x@example.com"}
