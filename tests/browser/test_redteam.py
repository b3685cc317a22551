"""The Red Team page in a real Chromium: run AgentBench and the cycle, watch progress, evidence."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.conftest import SHARED_DATA, create_org
from tests.redteam.agents.servers import OpenAIAgentServer

# httpx's 5 s default failed once when the shared machine was loaded: the live server
# answers in its own thread and a slow answer is not what these tests are about.
API_TIMEOUT_S = 60.0


def _login(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _import_atlas(session_factory: Any) -> None:
    from threatvec.redteam.atlas import load_atlas
    from threatvec.redteam.service import import_catalog

    path = SHARED_DATA / "atlas" / "ATLAS.yaml"
    if path.exists():  # without it the heatmap lists technique ids without tactics
        with session_factory() as s:
            import_catalog(session=s, catalog=load_atlas(path))
            s.commit()


def test_run_agentbench_and_cycle_from_the_page(page, live_server, session_factory) -> None:
    _import_atlas(session_factory)
    org = create_org(session_factory)
    base = live_server.url
    csp: list[str] = []
    page.on(
        "console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None
    )
    with (
        OpenAIAgentServer() as agents,
        httpx.Client(base_url=base + "/api/v1", headers=org.headers, timeout=API_TIMEOUT_S) as api,
    ):
        asset = api.post("/assets", json={"kind": "agent", "name": "web-naive-bot"}).json()
        target = {"config": {"type": "openai_chat", "base_url": agents.url + "/v1",
                             "model": "naive", "api_key_ref": "k"},
                  "secrets": {"k": "sk-browser-secret"}}  # fmt: skip
        assert api.put(f"/agentbench/targets/{asset['id']}", json=target).status_code == 200

        _login(page, base, org.key)
        page.goto(f"{base}/red-team")
        assert page.inner_text("h1") == "Red Team"
        assert page.locator("#heatmap-empty").is_visible()
        page.select_option("#agent_id", asset["id"])
        page.select_option("#mode", "quick")
        page.click("#agentbench-form button[type=submit]")
        page.wait_for_url(f"{base}/red-team?run=*")
        # The page reloads itself while the run is active, then shows the results.
        page.wait_for_selector("#results-table", timeout=60_000)
        screenshot(page, "redteam_results")

    fail_rows = page.locator("#results-table tr[data-verdict=FAIL]")
    assert fail_rows.count() > 5
    row = page.locator("#results-table tr[data-probe-id=exfil-http-post-key]")
    assert row.get_attribute("data-verdict") == "FAIL"
    # Server runs execute the tool loop against the honeypot: the strongest signal shows.
    assert "critical" in row.inner_text() and "honeypot_call" in row.inner_text()
    assert "AML.T0086" in row.inner_text() and "LLM02" in row.inner_text()
    assert page.locator("#runs-table tr[data-status=completed]").count() == 1
    heat = page.locator("#heatmap .heatmap-wrap svg.heatmap")
    assert heat.count() == 1 and heat.locator("g.cell").count() > 10
    assert "sk-browser-secret" not in page.content()

    page.click("#cycle-form button[type=submit]")
    page.wait_for_url(f"{base}/red-team?flash=*")
    assert "Learning cycle started" in page.inner_text("main")
    page.wait_for_selector("#cycle-status .badge.ok", timeout=30_000)
    screenshot(page, "redteam_cycle")
    assert not csp, csp


def test_approve_a_suggested_cve_mapping_from_the_page(page, live_server, session_factory) -> None:
    import json

    from threatvec.core.llm import LlmClient
    from threatvec.redteam import flows

    nvd = SHARED_DATA / "nvd" / "nvd_sample_dev.json"
    if not nvd.exists():
        pytest.skip(f"shared test data missing: {nvd}")
    records = json.loads(nvd.read_text(encoding="utf-8"))["vulnerabilities"]
    cve = next(v["cve"] for v in records if v["cve"]["id"] == "CVE-2024-28088")
    org = create_org(session_factory)
    base = live_server.url
    state = live_server.server.config.app.state
    with (
        OpenAIAgentServer() as agents,
        httpx.Client(base_url=base + "/api/v1", headers=org.headers, timeout=API_TIMEOUT_S) as api,
    ):
        asset = api.post("/assets", json={"kind": "agent", "name": "web-chain-bot"}).json()
        target = {"config": {"type": "openai_chat", "base_url": agents.url + "/v1",
                             "model": "naive", "api_key_ref": "k", "components": ["langchain"]},
                  "secrets": {"k": "sk-browser-secret"}}  # fmt: skip
        assert api.put(f"/agentbench/targets/{asset['id']}", json=target).status_code == 200
        # A cycle with a model configured: the unmapped CVE gets a pending suggestion.
        ctx = flows.RunContext(
            factory=state.session_factory, secret_key=state.secret_key, allow_private=True,
            suggester=LlmClient(base_url=agents.url + "/v1", model="mapper", retries=0),
        )  # fmt: skip
        flows.start_cycle(ctx, org_id=org.id, trigger="api", k=1, agent_ids=[asset["id"]],
                          cves=[cve], background=False)  # fmt: skip

    _login(page, base, org.key)
    page.goto(f"{base}/red-team")
    row = page.locator("#suggestions tr[data-cve=CVE-2024-28088]")
    assert row.count() == 1 and "AML.T0057" in row.inner_text()
    assert "data_leakage" in row.inner_text()
    screenshot(page, "redteam_suggestion")
    row.locator("button.approve").click()
    page.wait_for_url(f"{base}/red-team?flash=*")
    assert "CVE-2024-28088 approved" in page.inner_text("main")
    assert page.locator("#suggestions").count() == 0  # nothing pending any more
    approved = httpx.get(
        base + "/api/v1/red-team/learn/suggestions", params={"state": "approved"},
        headers=org.headers, timeout=API_TIMEOUT_S,
    ).json()["items"]  # fmt: skip
    assert [s["cve_id"] for s in approved] == ["CVE-2024-28088"]
    assert approved[0]["decided_by"] == f"dashboard:{org.id}"


def test_cancel_a_running_cycle_from_the_page(page, live_server, session_factory) -> None:
    import json

    from tests.redteam.agents.servers import SlowAgentServer

    cves = []
    for name in ("nvd_sample_dev.json", "nvd_sample_dev2.json"):
        nvd = SHARED_DATA / "nvd" / name
        if not nvd.exists():
            pytest.skip(f"shared test data missing: {nvd}")
        cves += [v["cve"] for v in json.loads(nvd.read_text(encoding="utf-8"))["vulnerabilities"]]
    org = create_org(session_factory)
    base = live_server.url
    with (
        SlowAgentServer(delay=0.5) as agent,
        httpx.Client(base_url=base + "/api/v1", headers=org.headers, timeout=API_TIMEOUT_S) as api,
    ):
        asset = api.post("/assets", json={"kind": "agent", "name": "web-slow-bot"}).json()
        config = {"config": agent.target(components=["langchain"])}
        assert api.put(f"/agentbench/targets/{asset['id']}", json=config).status_code == 200
        r = api.post("/red-team/learn/run-cycle",
                     json={"agent_ids": [asset["id"]], "cves": cves, "k": 1})  # fmt: skip
        assert r.status_code == 202, r.text
        cycle_id = r.json()["id"]
        agent.wait_for_requests(1)

        _login(page, base, org.key)
        page.goto(f"{base}/red-team")
        assert "running" in page.inner_text("#cycle-status")
        page.click("#cycle-cancel-form button[type=submit]")
        page.wait_for_url(f"{base}/red-team?flash=*")
        assert "Learning cycle cancelled" in page.inner_text("main")
        status = page.inner_text("#cycle-status")
        assert "cancelled" in status and "cancelled by dashboard" in status, status
        assert page.locator("#cycle-cancel-form").count() == 0
        cycle = api.get(f"/red-team/learn/cycles/{cycle_id}").json()
        assert cycle["status"] == "cancelled", cycle
