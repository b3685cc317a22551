"""Overview and Settings → Score Weights in a real Chromium: a weight change moves the gauge."""

from __future__ import annotations

from tests.browser.conftest import screenshot
from tests.conftest import Api, create_org
from tests.posture.test_router import add_agents, seed_mcp
from tests.shadow.helpers import event, visit


def _login(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _gauge_value(page) -> float:
    return float(page.inner_text("#posture-value"))


def test_overview_and_a_weight_change_that_moves_the_gauge(page, live_server, session_factory):
    org = create_org(session_factory)
    add_agents(session_factory, org.id)
    seed_mcp(session_factory, org.id)
    base = live_server.url
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    _login(page, base, org.key)

    assert page.inner_text("h1") == "Overview"
    before = _gauge_value(page)
    assert page.locator("#posture-gauge svg.gauge").is_visible()
    assert page.get_attribute("#posture-gauge svg.gauge", "aria-label") == f"Posture: {before:.1f}"
    agent = float(page.inner_text("#dim-agent .dim-value strong"))
    mcp = float(page.inner_text("#dim-mcp .dim-value strong"))
    assert agent == 46.6 and mcp != agent
    assert "no data" in page.inner_text("#dim-shadow")
    assert "rule coverage" in page.inner_text("#dim-agent .top-factor")
    assert page.locator("#posture-trend svg.chart.line").count() == 1
    assert f"{before:.1f}/100" in page.inner_text("#posture-brief")
    first_link = page.locator("#top-risks a.risk-object").first
    href = first_link.get_attribute("href") or ""
    assert href.startswith(("/agents/", "/mcp/servers/"))
    pills = page.locator("#compliance-pills a.compliance-pill")
    assert pills.count() == 6  # one per framework, each linking to its section
    assert (pills.first.get_attribute("href") or "").startswith("/compliance#fw-")
    # agents with declared legs but no tool calls: no high-risk pair, no source connected yet
    enforcement = page.locator("#enforcement-card #enforcement-policy")
    assert enforcement.count() == 1 and "Policy Enforcement" in enforcement.inner_text()
    assert "No enforcement layer is connected" in page.inner_text("#enforcement-empty")
    assert page.locator("#enforcement-empty a").get_attribute("href") == "/settings/enforcement"
    screenshot(page, "overview_before_weights")

    page.click("nav >> text=Settings")
    page.click("a.card >> text=Score Weights")
    page.wait_for_url(f"{base}/settings/score-weights")
    assert page.locator("#weights-advice").is_visible()
    assert "Start from the defaults" in page.inner_text("#weights-advice")
    assert page.locator("#weight-changes-empty").is_visible()

    page.fill("#weight-agent", "60")
    page.fill("#weight-mcp", "60")
    page.fill("#weight-shadow", "0")
    page.click("#weights-save")
    assert "must sum to 100" in page.inner_text("p.error")

    page.fill("#weight-agent", "100")
    page.fill("#weight-mcp", "0")
    page.fill("#weight-shadow", "0")
    page.fill("#weight-note", "agents only")
    page.click("#weights-save")
    page.wait_for_url(f"{base}/settings/score-weights?flash=*")
    assert "Weights saved" in page.inner_text("p.flash")
    row = page.inner_text("#weight-changes tbody tr")
    assert "dashboard" in row and "agents only" in row
    screenshot(page, "score_weights_after_change")

    page.click("nav >> text=Overview")
    page.wait_for_url(f"{base}/")
    after = _gauge_value(page)
    assert after == agent and after != before  # MCP weighs 0 now: the gauge is the agents alone
    assert page.get_attribute("#posture-gauge svg.gauge", "aria-label") == f"Posture: {after:.1f}"
    assert "counts 100%" in page.inner_text("#dim-agent")
    screenshot(page, "overview_after_weights")
    assert not csp_errors, csp_errors


def test_shadow_risks_link_to_the_service_on_the_shadow_monitor(
    page, live_server, session_factory, client
):
    org = create_org(session_factory)
    r = Api(client, org).post(
        "/shadow/events",
        json={"events": [event(domain="claude.ai"), visit("gemini.google.com")]},
    )
    assert r.status_code == 200, r.text
    base = live_server.url
    _login(page, base, org.key)
    links = page.locator('#top-risks a.risk-object[href^="/shadow"]')
    assert links.count() == 2  # claude.ai (HIGH, PII) and gemini (MEDIUM)
    href = links.first.get_attribute("href") or ""
    service_id = href.split("#service-", 1)[1]
    links.first.click()
    page.wait_for_url(f"{base}/shadow*")
    row = page.locator(f"#service-{service_id}")  # the link lands on its row
    assert row.count() == 1 and row.get_attribute("data-domain") == "claude.ai"
