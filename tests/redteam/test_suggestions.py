"""LLM-suggested CVE → ATLAS mappings: stored as pending, applied only after a person approves.

The model is the project's fake OpenAI-compatible server (``mapper``) on
127.0.0.1; the agent is the naive one; the CVE is a real NVD record that no
rule of the table maps (CVE-2024-28088, LangChain path traversal, no CWE yet).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Api
from tests.redteam.agents.servers import OpenAIAgentServer
from tests.redteam.conftest import shared
from threatvec.core.llm import LlmClient
from threatvec.redteam import flows
from threatvec.redteam.cve_rules import CveFacts, map_cve
from threatvec.redteam.rule_suggestions import SUGGEST_PROMPT_HASH

CVE_ID = "CVE-2024-28088"


@pytest.fixture(scope="module")
def unmapped_cve() -> dict[str, Any]:
    data = json.loads(shared("nvd", "nvd_sample_dev.json").read_text(encoding="utf-8"))
    cve = next(v["cve"] for v in data["vulnerabilities"] if v["cve"]["id"] == CVE_ID)
    assert map_cve(CveFacts.from_nvd(cve)) == []  # the premise: no table rule fires
    return dict(cve)


def _agent(api: Api, server: OpenAIAgentServer, name: str) -> str:
    agent_id = str(api.post("/assets", json={"kind": "agent", "name": name}).json()["id"])
    config = {"type": "openai_chat", "base_url": server.url + "/v1", "model": "naive",
              "api_key_ref": "key", "components": ["langchain"]}  # fmt: skip
    r = api.put(f"/agentbench/targets/{agent_id}", json={"config": config,
                "secrets": {"key": "sk-test-suggest-0123456789"}})  # fmt: skip
    assert r.status_code == 200, r.text
    return agent_id


def _cycle(api: Api, server: OpenAIAgentServer, agent_id: str, cve: dict[str, Any]) -> Any:
    ctx = flows.RunContext(
        factory=api.client.app.state.session_factory,
        secret_key=api.client.app.state.secret_key,
        allow_private=True,
        suggester=LlmClient(base_url=server.url + "/v1", model="mapper", retries=0),
    )
    cycle_id = flows.start_cycle(ctx, org_id=api.org.id, trigger="api", k=1,
                                 agent_ids=[agent_id], cves=[cve], background=False)  # fmt: skip
    cycle = api.get(f"/red-team/learn/cycles/{cycle_id}").json()
    assert cycle["status"] == "completed", cycle
    [row] = [o for o in cycle["outcomes"] if o["cve_id"] == CVE_ID and o["agent_id"] == agent_id]
    return cycle, row


def test_suggestion_waits_for_approval_then_becomes_a_rule_with_provenance(
    api: Api, openai_agents: OpenAIAgentServer, unmapped_cve: dict[str, Any]
) -> None:
    agent_id = _agent(api, openai_agents, "suggest-approve")
    asked_before = len(openai_agents.mapper_prompts)
    _, row = _cycle(api, openai_agents, agent_id, unmapped_cve)
    assert row["status"] == "unmapped" and row["run_id"] is None  # suggested, not applied
    s = row["provenance"]["suggestion"]
    # Invented ids are dropped: only what the probe library can test survives.
    assert s["techniques"] == ["AML.T0057"] and s["families"] == ["data_leakage"]
    assert (s["state"], s["model"], s["prompt_hash"]) == ("pending", "mapper", SUGGEST_PROMPT_HASH)
    prompt = openai_agents.mapper_prompts[-1]
    assert CVE_ID in prompt and "LangChain" in prompt
    assert len(openai_agents.mapper_prompts) == asked_before + 1

    pending = api.get("/red-team/learn/suggestions", params={"state": "pending"}).json()["items"]
    assert [p["id"] for p in pending] == [row["id"]]
    # Not approved yet: a second cycle still does not test it, and does not ask again.
    _, again = _cycle(api, openai_agents, agent_id, unmapped_cve)
    assert again["status"] == "unmapped" and "suggestion" not in again["provenance"]
    assert len(openai_agents.mapper_prompts) == asked_before + 1

    ok = api.post(f"/red-team/learn/suggestions/{row['id']}/approve")
    assert ok.status_code == 200 and ok.json()["state"] == "approved" and ok.json()["decided_at"]
    assert api.post(f"/red-team/learn/suggestions/{row['id']}/approve").status_code == 409
    assert api.post("/red-team/learn/suggestions/nope/approve").status_code == 404

    cycle, _ = _cycle(api, openai_agents, agent_id, unmapped_cve)
    tested = [o for o in cycle["outcomes"] if o["cve_id"] == CVE_ID and o["run_id"]]
    rule_id = f"LLM-{row['id'][:8]}"
    assert tested and all(o["rule_id"] == rule_id for o in tested)
    assert all(o["scenario_id"].startswith(f"{CVE_ID}/{rule_id}/") for o in tested)
    assert all(o["provenance"]["rule"] == rule_id for o in tested)
    assert any(o["verdict"] == "FAIL" and o["evidence"] for o in tested)  # naive agent leaks


def test_rejected_suggestion_is_never_applied_nor_asked_again(
    api: Api, openai_agents: OpenAIAgentServer, unmapped_cve: dict[str, Any]
) -> None:
    agent_id = _agent(api, openai_agents, "suggest-reject")
    _, row = _cycle(api, openai_agents, agent_id, unmapped_cve)
    r = api.post(f"/red-team/learn/suggestions/{row['id']}/reject")
    assert r.status_code == 200 and r.json()["state"] == "rejected"
    asked = len(openai_agents.mapper_prompts)
    _, again = _cycle(api, openai_agents, agent_id, unmapped_cve)
    assert again["status"] == "unmapped" and again["run_id"] is None
    assert len(openai_agents.mapper_prompts) == asked
    rejected = api.get("/red-team/learn/suggestions", params={"state": "rejected"}).json()
    assert [s["id"] for s in rejected["items"]] == [row["id"]]
    assert api.get("/red-team/learn/suggestions", params={"state": "maybe"}).status_code == 422
