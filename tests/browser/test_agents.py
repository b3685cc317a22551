"""Agents, agent detail and Live Traffic in a real Chromium, fed by the real SDK."""

from __future__ import annotations

import uuid

import httpx

from tests.browser.conftest import screenshot
from tests.conftest import create_org
from tests.ingest.wire import batch, days_ago, llm, register, tool
from threatvec import ThreatVec

XSS_NAME = "<img src=x onerror=alert(1)>-agent"


def _login(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _ingest(base: str, key: str, agent: str, events: list[dict]) -> None:
    r = httpx.post(
        f"{base}/api/v1/ingest", json=batch(agent, events), headers={"X-Org-Key": key}, timeout=10
    )
    assert r.status_code == 200, r.text
    assert not r.json()["rejected"]


def test_fleet_cards_filters_and_detail(page, live_server, session_factory):
    org = create_org(session_factory)
    base = live_server.url
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    inst = uuid.uuid4().hex
    _ingest(
        base,
        org.key,
        "support-bot",
        [
            register(
                "support-bot", inst, capabilities={"private_data": True}, rules=["pii_redaction"]
            ),
            tool("crm_lookup", at=days_ago(5)),
            tool("crm_lookup"),
            tool("web_fetch", "https://docs.example.com/page"),
            tool("send_slack", "https://hooks.slack.com/services/T0"),
            llm("gpt-4o", text="reach me at jane@example.com"),
        ],
    )
    _ingest(base, org.key, "summariser", [llm("claude-haiku", "anthropic")])
    _ingest(base, org.key, XSS_NAME, [tool("noop")])

    _login(page, base, org.key)
    page.click("nav >> text=Agents")
    page.wait_for_url(f"{base}/agents")
    cards = page.locator(".agent-card")
    assert cards.count() == 3
    assert "3 agents" in page.inner_text("#fleet-summary")
    bot = page.locator(".agent-card", has_text="support-bot")
    assert bot.locator(".agent-risk").inner_text() == "maximum"
    assert bot.locator(".agent-rules").inner_text() == "1"
    assert "egress_allowlist" in bot.inner_text()
    # A hostile agent name is text, never markup.
    assert page.locator(".agent-name", has_text="onerror").inner_text() == XSS_NAME
    assert page.locator("img[src=x]").count() == 0
    screenshot(page, "agents_fleet")

    page.select_option("#risk", "maximum")
    page.click("#agent-filters button[type=submit]")
    page.wait_for_url("**/agents?**risk=maximum**")
    assert page.locator(".agent-card").count() == 1
    page.fill("#q", "nothing-matches")
    page.click("#agent-filters button[type=submit]")
    page.wait_for_selector("#agents-none")

    page.goto(f"{base}/agents")
    page.click(".agent-card >> text=support-bot")
    page.wait_for_selector("#trifecta-card")
    assert page.inner_text("#trifecta-risk") == "maximum"
    legs = {row.get_attribute("data-leg"): row for row in page.locator("tr.leg").all()}
    assert "declared" in legs["private_data"].inner_text()
    assert "tool:web_fetch" in legs["untrusted_content"].inner_text()
    assert "destination:hooks.slack.com" in legs["external_comms"].inner_text()
    assert "Egress allowlist" in page.inner_text("#missing-rules")
    assert "web_fetch" in page.inner_text("#drift-changes")
    assert page.locator("#drift-changes li").first.get_attribute("data-kind") == "new"
    assert page.locator("#recent-signals tr[data-event-id]").count() == 6  # with register
    assert "pii:EMAIL" in page.inner_text("#recent-signals")
    assert "hooks.slack.com" in page.inner_text("#destinations-card")
    for key in ("score", "trust_score", "trifecta_risk", "drift", "rule_coverage"):
        assert page.locator(f"[data-explains={key}]").inner_text().strip()
    screenshot(page, "agent_detail")

    page.goto(f"{base}/agents/{'0' * 32}")
    assert page.locator("#agent-missing").is_visible()
    assert dialogs == []


def test_registered_agent_shows_as_never_reported_until_it_reports(
    page, live_server, session_factory
):
    org = create_org(session_factory)
    base = live_server.url
    headers = {"X-Org-Key": org.key}
    r = httpx.post(
        f"{base}/api/v1/assets",
        json={"kind": "agent", "name": "expected-bot", "approved": True},
        headers=headers,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    asset_id = r.json()["id"]
    _ingest(base, org.key, "live-bot", [tool("noop")])

    _login(page, base, org.key)
    page.goto(f"{base}/agents")
    assert page.locator(".agent-card").count() == 2
    assert "1 never reported" in page.inner_text("#fleet-summary")
    waiting = page.locator(f".agent-card[data-agent-id='{asset_id}']")
    assert waiting.get_attribute("data-status") == "never_reported"
    assert waiting.locator(".agent-status").inner_text() == "never reported"
    assert "no telemetry yet" in waiting.locator(".agent-never-reported").inner_text()
    # its trifecta legs are unknown, so its risk is counted as unknown, never as low
    assert waiting.get_attribute("data-risk") == "unknown"
    assert page.inner_text("#risk-unknown") == "1 unknown"
    assert "1 low" in page.inner_text("#fleet-summary")  # live-bot only
    screenshot(page, "agents_never_reported")

    page.select_option("#status", "never_reported")
    page.click("#agent-filters button[type=submit]")
    page.wait_for_url("**/agents?**status=never_reported**")
    assert page.locator(".agent-card").count() == 1
    page.click(".agent-card >> text=expected-bot")
    page.wait_for_selector("#agent-header")
    assert page.inner_text("#agent-status") == "never reported"
    assert page.locator("#agent-never-reported").is_visible()
    assert "registered in the assets registry" in page.inner_text("#agent-header")
    assert page.inner_text("#trifecta-risk") == "unknown"
    legs = page.locator("#trifecta-card tr.leg")
    assert [legs.nth(i).get_attribute("data-present") for i in range(3)] == ["unknown"] * 3

    # It reports: the same fleet entry becomes a normal card, not a second one.
    _ingest(base, org.key, "expected-bot", [tool("crm_lookup")])
    page.goto(f"{base}/agents")
    assert page.locator(".agent-card").count() == 2
    card = page.locator(".agent-card", has_text="expected-bot")
    assert card.get_attribute("data-status") == "active"
    assert "0 never reported" in page.inner_text("#fleet-summary")
    assert page.locator("#risk-unknown").count() == 0
    page.goto(f"{base}/agents/{asset_id}")  # an old link to the placeholder still works
    assert page.inner_text("#agent-status") == "active"
    assert page.locator("#recent-signals tr[data-event-id]").count() == 1


def test_live_traffic_streams_one_line_per_event(page, live_server, session_factory):
    org = create_org(session_factory)
    base = live_server.url
    _login(page, base, org.key)
    page.goto(f"{base}/live")
    page.wait_for_selector("#live-status.on")  # the EventSource is open
    tv = ThreatVec(
        server_url=base,
        agent_name="live-agent",
        org_key=org.key,
        flush_interval=0.05,
        integrations=False,
    )
    tv.start()
    try:
        tv.record_tool_call("web_search", destination="https://search.example.com/?q=1")
        tv.record_tool_call(
            "send_email", destination="smtp.example.org", arguments_text="to: jane@example.com"
        )
        tv.record_llm_call("openai", "gpt-4o-mini", input_tokens=3, output_tokens=4)
        assert tv.flush(10)
    finally:
        tv.stop()
    page.wait_for_selector("#live-list li[data-event-type='llm.call']")
    tools = page.locator("#live-list li[data-kind='agent.events'][data-event-type='tool.call']")
    assert tools.count() == 2
    text = page.inner_text("#live-list")
    assert "web_search" in text and "→ search.example.com" in text
    page.wait_for_selector("#live-list li[data-kind='agent.flagged']")
    assert "pii:EMAIL" in page.inner_text("#live-list li[data-kind='agent.flagged']")
    screenshot(page, "live_traffic_agents")


def test_live_page_renders_existing_batches_one_line_per_event(page, live_server, session_factory):
    from tests.conftest import create_org
    from threatvec.signals import service
    from threatvec.store.engine import session_scope

    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        service.publish(
            session=s,
            org_id=org.id,
            kind="agent.events",
            data={
                "agent": "<i>bot</i>",
                "agent_id": "x",
                "source": "manual",
                "count": 2,
                "more": 3,
                "events": [
                    {
                        "type": "tool.call",
                        "subject": "send_email",
                        "destination": "mx.io",
                        "outcome": "ok",
                    },
                    {"type": "llm.call", "subject": "gpt-x", "outcome": "error", "flags": ["pii"]},
                ],
            },
        )
    page.goto(f"{live_server.url}/login")
    page.fill("#org_key", org.key)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/live")
    lines = page.locator("#live-list li[data-kind='agent.events']")
    assert lines.count() == 3
    assert "send_email · → mx.io · ok" in lines.nth(0).inner_text()
    assert "⚑ pii" in lines.nth(1).inner_text()
    assert "3 more" in lines.nth(2).inner_text()
    assert page.locator("#live-list i").count() == 0  # the agent name is text
