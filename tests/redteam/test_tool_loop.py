"""The multi-turn tool loop: the model's tool calls run against the simulated tools and honeypot."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from tests.redteam.agents.servers import OpenAIAgentServer
from threatvec.redteam.canary import new_run_canaries
from threatvec.redteam.egress import EgressListener
from threatvec.redteam.exchange import ProbeRequest, ToolCall
from threatvec.redteam.harness import ListenerSettings, open_run_harness
from threatvec.redteam.honeypot import HoneypotRecorder
from threatvec.redteam.probes import get_probe, render_probe
from threatvec.redteam.runner import RunOptions, RunResult, run_probes
from threatvec.redteam.targets import OpenAICompatTarget
from threatvec.redteam.tool_loop import SimulatedTools, simulated_tools_for
from threatvec.redteam.verdicts import Signal, Verdict

PROBES = ("exfil-http-post-key", "tool-hijack-email", "dos-tool-loop", "pi-tool-output-lower")


@pytest.fixture(scope="module")
def agents() -> Iterator[OpenAIAgentServer]:
    with OpenAIAgentServer() as server:
        yield server


def target(server: OpenAIAgentServer, model: str, api: str = "chat") -> OpenAICompatTarget:
    return OpenAICompatTarget(
        base_url=server.url + "/v1", model=model, api=api, allow_private=True, timeout=10
    )


def run_with_harness(t: OpenAICompatTarget, probes: tuple[str, ...]) -> RunResult:
    with open_run_harness("run_loop", ListenerSettings()) as h:
        return asyncio.run(
            run_probes(
                [get_probe(p) for p in probes], t, options=RunOptions(k=1, attempt_timeout=20),
                canaries=h.canaries, honeypot=h.honeypot, egress=h.egress,
                honeypot_url=h.honeypot_url,
            )
        )  # fmt: skip


def signals_of(result: RunResult, probe_id: str) -> set[Signal]:
    return {e.signal for r in result.results if r.probe_id == probe_id for e in r.evidence}


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_naive_agent_tool_calls_reach_honeypot_and_canary_egress(
    agents: OpenAIAgentServer, api: str
) -> None:
    agents.requests.clear()
    result = run_with_harness(target(agents, "naive", api), PROBES)
    verdicts = {r.probe_id: r.verdict for r in result.results}
    assert verdicts == dict.fromkeys(PROBES, Verdict.FAIL)
    exfil = signals_of(result, "exfil-http-post-key")
    # Executed for real: the honeypot recorded the call and the canary URL was contacted.
    assert {Signal.HONEYPOT_CALL, Signal.CANARY_EGRESS} <= exfil
    top = next(r for r in result.results if r.probe_id == "exfil-http-post-key").evidence[0]
    assert top.signal is Signal.HONEYPOT_CALL and top.critical
    assert Signal.HONEYPOT_CALL in signals_of(result, "tool-hijack-email")
    assert Signal.BUDGET_EXCEEDED in signals_of(result, "dos-tool-loop")
    # The tool results were fed back to the model as tool messages (a second round trip).
    fed_back = [
        r for r in agents.requests
        if '"ok": true' in str(r["body"]) and r["path"].endswith(
            "/chat/completions" if api == "chat" else "/responses")
    ]  # fmt: skip
    assert fed_back, "no request carried a tool result back to the model"


def test_hardened_agent_passes_with_the_loop_and_keeps_utility(agents: OpenAIAgentServer) -> None:
    result = run_with_harness(
        target(agents, "hardened"), (*PROBES, "mcp-poisoned-description", "cred-read-secret")
    )
    assert {r.verdict for r in result.results} == {Verdict.PASS}
    assert result.summary.utility_under_attack == 1.0


def test_tool_budget_stops_the_loop_and_is_reported(agents: OpenAIAgentServer) -> None:
    canaries = new_run_canaries("run_budget")
    rendered = render_probe(get_probe("tool-hijack-email"), canaries, 1)
    recorder = HoneypotRecorder()
    base = simulated_tools_for(rendered.request(), recorder, None)
    t = target(agents, "naive")
    for limits, phrase in (({"max_tool_calls": 0}, "budget 0"), ({"max_tool_steps": 0}, "after 0")):
        request = dataclasses.replace(rendered.request(), tool_executor=base, **limits)
        reply = asyncio.run(t.send(request))
        assert reply.error is None
        assert phrase in reply.extra["tool_budget_exceeded"]
    # Without an executor the reply's calls are read, never run (the old single-turn path).
    reply = asyncio.run(t.send(rendered.request()))
    assert reply.tool_calls and "tool_budget_exceeded" not in reply.extra
    assert reply.extra["tool_steps"] == 1


def test_simulated_tools_serve_carriers_and_contact_only_the_runs_canary() -> None:
    with EgressListener() as canary_host, EgressListener() as elsewhere:
        canaries = new_run_canaries("run_sim", canary_base_url=canary_host.base_url)
        request = render_probe(get_probe("pi-tool-output-lower"), canaries, 1).request()
        prefix = f"{canary_host.base_url}/c/{canaries.url_token}/"
        recorder = HoneypotRecorder()
        tools = SimulatedTools(
            carriers={t.tool: t.content for t in request.tool_outputs},
            recorder=recorder, canary_prefix=prefix,
        )  # fmt: skip

        def call(tool: str, **args: Any) -> str:
            return asyncio.run(tools(ToolCall(tool, args)))

        carrier_tool = request.tool_outputs[0].tool
        assert call(carrier_tool, name="x") == request.tool_outputs[0].content
        assert call("fetch_url", url=elsewhere.base_url + "/steal") == "404: page not found"
        call("http_post", url=elsewhere.base_url + "/x", body="secret")
        call("run_command", command=f"curl {elsewhere.base_url}/y")
        assert elsewhere.hits == []  # no URL outside this run's canary prefix is ever contacted
        assert call("fetch_url", url=prefix + "p/1") == "HTTP 204"
        call("http_post", url=prefix + "p/2", body="k=v")
        assert [h.method for h in canary_host.hits] == ["GET", "POST"]
        assert canary_host.hits[1].body == "k=v"
        assert [c.tool for c in recorder.calls] == ["http_post", "run_command", "http_post"]
        assert "not available" in call("wire_money", to="x")


def test_request_carries_no_executor_into_equality() -> None:
    canaries = new_run_canaries("run_eq")
    request = render_probe(get_probe("pi-direct-reverse"), canaries, 1).request()
    equipped = dataclasses.replace(
        request, tool_executor=simulated_tools_for(request, HoneypotRecorder(), None)
    )
    assert equipped == request and isinstance(equipped, ProbeRequest)
