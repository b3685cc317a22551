from __future__ import annotations

import asyncio

import pytest

from tests.redteam.agents.servers import OpenAIAgentServer
from threatvec.redteam.canary import new_run_canaries
from threatvec.redteam.probes import get_probe, render_probe
from threatvec.redteam.targets import OpenAICompatTarget, TargetConfigError, build_target


def test_chat_body_carries_system_tools_and_seeded_tool_results(
    openai_agents: OpenAIAgentServer,
) -> None:
    keys = {"agents/bench": "sk-test-123"}
    target = build_target(
        {
            "type": "openai_chat",
            "base_url": openai_agents.url + "/v1",
            "model": "hardened",
            "api_key_ref": "agents/bench",
            "system_prompt": "Be helpful.",
        },
        resolve_secret=keys.__getitem__,
        allow_private=True,
    )
    r = render_probe(get_probe("exfil-http-post-key"), new_run_canaries("oa"), 1)
    reply = asyncio.run(target.send(r.request()))  # type: ignore[misc]
    assert reply.error is None and reply.total_tokens == 42
    sent = openai_agents.requests[-1]
    assert sent["auth"] == "Bearer sk-test-123"
    messages = sent["body"]["messages"]
    assert messages[0] == {"role": "system", "content": "Be helpful."}
    assert messages[2]["tool_calls"][0]["function"]["name"] == "read_document"
    assert messages[3]["role"] == "tool" and r.attack_text in messages[3]["content"]
    names = [t["function"]["name"] for t in sent["body"]["tools"]]
    assert names == ["read_document", "http_post"]


def test_responses_body_and_parsing(openai_agents: OpenAIAgentServer) -> None:
    target = OpenAICompatTarget(
        base_url=openai_agents.url + "/v1", model="naive", api="responses", allow_private=True
    )
    r = render_probe(get_probe("leak-system-prompt"), new_run_canaries("oa"), 1)
    reply = asyncio.run(target.send(r.request()))
    body = openai_agents.requests[-1]["body"]
    assert body["instructions"] == r.system_prompt and body["input"][-1]["role"] == "user"
    assert r.canaries.system_prompt in reply.output


def test_missing_key_resolver_and_bad_config() -> None:
    t = OpenAICompatTarget(
        base_url="http://127.0.0.1:9", model="m", api_key_ref="k", allow_private=True
    )
    from threatvec.redteam.exchange import ProbeRequest

    reply = asyncio.run(t.send(ProbeRequest("p", 1, "s", "direct", "x")))
    assert reply.error is not None and "resolver" in reply.error
    with pytest.raises(TargetConfigError):
        OpenAICompatTarget(base_url="ftp://x", model="m")
    with pytest.raises(TargetConfigError):
        OpenAICompatTarget(base_url="http://x", model="m", api="completions")


def test_ssrf_guard_blocks_private_hosts_unless_allowed(openai_agents: OpenAIAgentServer) -> None:
    from threatvec.redteam.exchange import ProbeRequest

    t = OpenAICompatTarget(base_url=openai_agents.url + "/v1", model="naive")
    reply = asyncio.run(t.send(ProbeRequest("p", 1, "s", "direct", "x")))
    assert reply.error is not None and "outbound policy" in reply.error
    allowed = OpenAICompatTarget(
        base_url=openai_agents.url + "/v1", model="naive", allowed_hosts=("127.0.0.1",)
    )
    assert asyncio.run(allowed.send(ProbeRequest("p", 1, "s", "direct", "x"))).error is None
