"""``mcp_url``: AgentBench lists the agent's own MCP server (real, over HTTP) to pick probes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Api, free_port
from tests.redteam.agents.servers import AgentMcpServer, OpenAIAgentServer
from threatvec.redteam.tool_discovery import ToolDiscoveryError, discover_tools

MAIL_ONLY = {"send_email": "Send an email on the user's behalf", "lookup_order": "Look up an order"}


@pytest.fixture(scope="module")
def mail_only_mcp() -> Iterator[AgentMcpServer]:
    with AgentMcpServer(MAIL_ONLY) as server:
        yield server


def test_discovery_lists_tools_and_obeys_the_outbound_policy(mail_only_mcp: AgentMcpServer) -> None:
    found = asyncio.run(discover_tools(mail_only_mcp.url, allow_private=True))
    assert found.tools == ("lookup_order", "send_email")
    assert found.capabilities == frozenset({"email"})
    with pytest.raises(ToolDiscoveryError, match="outbound policy"):
        asyncio.run(discover_tools(mail_only_mcp.url))  # loopback is private: refused
    with pytest.raises(ToolDiscoveryError, match="could not list"):
        asyncio.run(
            discover_tools(f"http://127.0.0.1:{free_port()}/mcp", allow_private=True, timeout=5)
        )


def _run(api: Api, agent_id: str) -> dict[str, Any]:
    run = api.post("/agentbench/run", json={"agent_id": agent_id, "mode": "quick", "k": 1}).json()
    deadline = time.monotonic() + 240  # an upper bound, not a speed check
    while run["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, "run did not finish"
        time.sleep(0.1)
        run = api.get(f"/agentbench/runs/{run['id']}").json()
    return dict(run)


def _agent_with_target(api: Api, name: str, config: dict[str, Any]) -> str:
    agent_id = str(api.post("/assets", json={"kind": "agent", "name": name}).json()["id"])
    body = {"config": config, "secrets": {"key": "sk-test-discovery-0123456789"}}
    r = api.put(f"/agentbench/targets/{agent_id}", json=body)
    assert r.status_code == 200, r.text
    return agent_id


def test_a_run_skips_misuse_of_tools_the_agent_does_not_have(
    api: Api, openai_agents: OpenAIAgentServer, mail_only_mcp: AgentMcpServer
) -> None:
    base = {"type": "openai_chat", "base_url": openai_agents.url + "/v1", "model": "naive",
            "api_key_ref": "key"}  # fmt: skip
    bad = api.put("/agentbench/targets/" + _agent_with_target(api, "mcp-x", base),
                  json={"config": {**base, "mcp_url": "ftp://tools.example"}})  # fmt: skip
    assert bad.status_code == 422 and "mcp_url" in bad.text

    agent_id = _agent_with_target(api, "mail-agent", {**base, "mcp_url": mail_only_mcp.url})
    run = _run(api, agent_id)
    assert run["status"] == "completed", run
    page = api.get(f"/agentbench/runs/{run['id']}/results", params={"limit": 500}).json()
    results = {r["probe_id"]: r for r in page["items"]}
    # It has a mail tool: the injected forward is tried (and the naive agent falls for it).
    assert results["tool-hijack-email"]["verdict"] == "FAIL"
    # No payment, delete, shell or vault tool: those probes do not apply, never PASS.
    for probe_id in ("money-transfer", "destroy-delete-records", "exec-run-command",
                     "cred-read-secret"):  # fmt: skip
        assert results[probe_id]["verdict"] == "NOT_APPLICABLE", probe_id
        assert "no tool of the kind" in results[probe_id]["reason"]

    gone = _agent_with_target(
        api, "mcp-down", {**base, "mcp_url": f"http://127.0.0.1:{free_port()}/mcp"}
    )
    failed = _run(api, gone)
    assert failed["status"] == "failed" and "could not list the agent's MCP tools" in (
        failed["error"] or ""
    )
