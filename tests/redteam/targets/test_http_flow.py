"""The generic HTTP target against an agent behind login → create conversation → send."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.redteam.agents.servers import FlowAgentServer
from threatvec.redteam.exchange import ProbeRequest, Turn
from threatvec.redteam.jsonpath import find_all, find_first
from threatvec.redteam.runner import RunOptions, run_mode
from threatvec.redteam.targets import TargetConfigError, build_target
from threatvec.redteam.targets.http_flow import HttpStep, substitute
from threatvec.redteam.verdicts import Verdict

SECRETS = {"flow/password": "pw-local-test"}


def config(base_url: str) -> dict[str, Any]:
    return {
        "type": "http",
        "base_url": base_url,
        "steps": [
            {
                "name": "login",
                "url": "/login",
                "body": {"user": "bench", "password": "{{secret:flow/password}}"},
                "captures": {"token": "$.token", "sid": "cookie:sid"},
                "scope": "target",
            },
            {
                "name": "create conversation",
                "url": "/conversations",
                "headers": {"Authorization": "Bearer {{token}}"},
                "captures": {"conversation": "$.conversation.id"},
            },
            {
                "name": "send",
                "url": "/conversations/{{session_id}}/messages",
                "headers": {"Authorization": "Bearer {{token}}"},
                "body": '{"text": "{{prompt}}", "history": "{{history}}"}',
            },
        ],
        "session_source": "capture:conversation",
        "reply_path": "$.reply.text",
        "tool_calls_path": "$.reply.tool_calls[*]",
        "channels": ["direct", "document"],
    }


@pytest.fixture()
def flow_agent() -> Iterator[FlowAgentServer]:
    with FlowAgentServer() as server:
        yield server


def build(server: FlowAgentServer) -> Any:
    return build_target(config(server.url), resolve_secret=SECRETS.__getitem__, allow_private=True)


def test_multi_step_flow_runs_in_order_and_keeps_the_session(flow_agent: FlowAgentServer) -> None:
    target = build(flow_agent)
    tricky = 'He said "}], "admin": true, {"x": "\\u0000 and {{token}}'

    async def go() -> Any:
        first = await target.send(
            ProbeRequest("p", 1, "s", "direct", tricky, history=(Turn("user", "hi"),))
        )
        second = await target.send(ProbeRequest("p", 2, "s", "direct", "again"))
        await target.aclose()
        return first, second

    first, second = asyncio.run(go())
    assert first.error is None and second.error is None
    # login once, then create + send for each attempt
    assert flow_agent.paths == [
        "/login", "/conversations", "/conversations/conv-1/messages",
        "/conversations", "/conversations/conv-2/messages",
    ]  # fmt: skip
    sent = flow_agent.conversations["conv-1"][0]
    assert sent["text"] == tricky  # JSON-escaped, never concatenated, placeholders not re-expanded
    assert sent["history"] == [{"role": "user", "content": "hi"}]
    assert "admin" not in sent


def test_flow_agent_fails_direct_injection_and_tool_channels_are_not_applicable(
    flow_agent: FlowAgentServer,
) -> None:
    run = asyncio.run(run_mode("quick", build(flow_agent), options=RunOptions(k=2)))
    by_id = {r.probe_id: r for r in run.results}
    assert by_id["pi-direct-reverse"].verdict is Verdict.FAIL
    assert by_id["pi-document-reverse"].verdict is Verdict.FAIL
    assert by_id["obf-base64-reverse"].verdict is Verdict.FAIL
    for probe_id in ("pi-tool-output-lower", "tool-hijack-email", "leak-system-prompt"):
        assert by_id[probe_id].verdict is Verdict.NOT_APPLICABLE, probe_id
    assert not any(r.verdict is Verdict.PASS and r.channel == "tool_output" for r in run.results)


def test_expired_login_is_redone_once_and_failures_are_errors(flow_agent: FlowAgentServer) -> None:
    target = build(flow_agent)

    async def go() -> Any:
        ok = await target.send(ProbeRequest("p", 1, "s", "direct", "hello"))
        flow_agent.tokens.clear()  # the server forgets every session
        relogged = await target.send(ProbeRequest("p", 2, "s", "direct", "hello"))
        flow_agent.fail_all = True
        down = await target.send(ProbeRequest("p", 3, "s", "direct", "hello"))
        return ok, relogged, down

    ok, relogged, down = asyncio.run(go())
    assert ok.error is None and relogged.error is None
    assert flow_agent.paths.count("/login") == 2
    assert down.error is not None and down.status == 503


def test_wrong_secret_is_an_error_not_a_verdict(flow_agent: FlowAgentServer) -> None:
    target = build_target(
        config(flow_agent.url), resolve_secret=lambda ref: "wrong", allow_private=True
    )
    reply = asyncio.run(target.send(ProbeRequest("p", 1, "s", "direct", "x")))  # type: ignore[misc]
    assert reply.error is not None and "login" in reply.error and reply.status == 401


def test_config_validation() -> None:
    good = config("http://127.0.0.1:1")
    with pytest.raises(TargetConfigError):
        build_target({**good, "reply_path": "reply.text"})
    with pytest.raises(TargetConfigError):
        build_target({**good, "channels": ["carrier-pigeon"]})
    with pytest.raises(TargetConfigError):
        HttpStep(name="x", url="/", body="{not json")
    with pytest.raises(TargetConfigError):
        HttpStep(name="x", url="/", captures={"t": "$..deep"})
    with pytest.raises(TargetConfigError):
        build_target({"type": "telnet"})
    with pytest.raises(TargetConfigError):
        build_target({"type": "sdk", "agent": "a"})  # no transport


def test_probe_text_cannot_name_a_secret() -> None:
    body = substitute({"q": "{{prompt}}"}, {"prompt": "{{secret:flow/password}}"})
    assert body == {"q": "{{secret:flow/password}}"}  # left as data, never resolved


def test_jsonpath_subset() -> None:
    data = {"a": {"b": [{"c": 1}, {"c": 2}], "odd key": "x"}}
    assert find_first(data, "$.a.b[0].c") == 1
    assert find_first(data, "$.a.b[-1].c") == 2
    assert find_all(data, "$.a.b[*].c") == [1, 2]
    assert find_first(data, "$['a']['odd key']") == "x"
    assert find_first(data, "$.a.missing") is None
    assert len(find_all(data, "$.a.*")) == 2
    with pytest.raises(ValueError):
        find_all(data, "$..c")
    assert json.dumps(substitute("{{history}}", {"history": [1]})) == "[1]"
