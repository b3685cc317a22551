"""The agent detail page shows the agent's AgentBench pass rate, last run and a results link."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from tests.browser.conftest import screenshot
from tests.conftest import create_org
from tests.ingest.wire import batch, register, tool
from tests.redteam.agents.servers import OpenAIAgentServer
from threatvec.agents.models import Agent


def _login(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _agent_id(session_factory: Any, org_id: str, name: str) -> str:
    with session_factory() as s:
        found = s.scalar(select(Agent.id).where(Agent.org_id == org_id, Agent.name == name))
    assert found, name
    return str(found)


def test_agent_detail_shows_pass_rate_last_run_and_links_to_results(
    page: Any, live_server: Any, session_factory: Any
) -> None:
    org = create_org(session_factory)
    base = live_server.url
    with (
        OpenAIAgentServer() as agents,
        httpx.Client(base_url=base + "/api/v1", headers=org.headers, timeout=10) as api,
    ):
        r = api.post("/ingest", json=batch("bench-bot", [register("bench-bot", uuid.uuid4().hex),
                                                         tool("crm_lookup")]))  # fmt: skip
        assert r.status_code == 200 and not r.json()["rejected"], r.text
        agent_id = _agent_id(session_factory, org.id, "bench-bot")

        _login(page, base, org.key)
        page.goto(f"{base}/agents/{agent_id}")
        assert page.inner_text("#agent-redteam-rate") == "untested"
        assert "No AgentBench run yet" in page.inner_text("#agent-redteam-last")

        target = {"config": {"type": "openai_chat", "base_url": agents.url + "/v1",
                             "model": "hardened", "api_key_ref": "k",
                             "channels": ["direct", "document", "system"]},
                  "secrets": {"k": "sk-detail-page-secret"}}  # fmt: skip
        assert api.put(f"/agentbench/targets/{agent_id}", json=target).status_code == 200
        run = api.post("/agentbench/run", json={"agent_id": agent_id, "mode": "quick", "k": 1})
        assert run.status_code == 202, run.text
        run_id = run.json()["id"]
        deadline = time.monotonic() + 60
        while api.get(f"/agentbench/runs/{run_id}").json()["status"] in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        summary = api.get(f"/agentbench/runs/{run_id}").json()["summary"]

    page.goto(f"{base}/agents/{agent_id}")
    card = page.locator("#agent-redteam-card")
    assert page.inner_text("#agent-redteam-rate") == "100%"
    assert f"{summary['passed']} passed, 0 failed" in card.inner_text()
    assert "completed" in page.inner_text("#agent-redteam-last")
    screenshot(page, "agent_detail_redteam")
    assert "sk-detail-page-secret" not in page.content()
    page.click("#agent-redteam-results")
    page.wait_for_url(f"{base}/red-team?run={run_id}")
    assert page.locator("#results-table tr[data-verdict=PASS]").count() == summary["passed"]
