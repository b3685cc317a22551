"""The Red Team page in a real Chromium: run AgentBench and the cycle, watch progress, evidence."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser.conftest import screenshot
from tests.conftest import SHARED_DATA, create_org
from tests.redteam.agents.servers import OpenAIAgentServer


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
        httpx.Client(base_url=base + "/api/v1", headers=org.headers) as api,
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
