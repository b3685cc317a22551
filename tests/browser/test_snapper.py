"""Settings → Snapper in a real Chromium: connect (settings shown once), Snapper posts, it shows."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import create_org
from tests.enforcement.helpers import SnapperSender, audit

HOSTILE = "<img src=x onerror=alert(1)>"
pytestmark = pytest.mark.browser


def test_connect_snapper_and_see_its_decisions_and_alerts(page, live_server, session_factory):
    org = create_org(session_factory)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    base = live_server.url
    page.goto(f"{base}/login")
    page.fill("#org_key", org.key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/settings")
    page.click("a.card:has-text('Snapper')")
    page.wait_for_url(f"{base}/settings/snapper")
    assert page.locator("#snapper-empty").is_visible()
    page.fill("#snapper-name", "Laptops " + HOSTILE)
    page.click("#snapper-connect")
    env = dict(line.split("=", 1) for line in page.inner_text("#snapper-env").strip().splitlines())
    assert env["SIEM_OUTPUT"] == "webhook"
    url, secret = env["SIEM_WEBHOOK_URL"], env["SIEM_WEBHOOK_SECRET"]
    assert url.startswith(f"{base}/api/v1/enforcement/snapper/") and secret.startswith("tves_")
    assert page.locator(".source-name").first.inner_text() == "Laptops " + HOSTILE
    screenshot(page, "snapper_connected")

    # Snapper, configured with exactly what the page showed
    snapper = SnapperSender(base, {"id": url.rsplit("/", 1)[1], "secret": secret})
    snapper.url = url
    denied = audit(
        "request_denied",
        message=HOSTILE,
        details={"tool_name": "bash", "rule_type": "command_denylist"},
    )
    assert snapper.send(denied).json()["outcome"] == "stored"
    quarantined = audit("agent_quarantined", severity="critical", message="trust fell to 0.1")
    assert snapper.send(quarantined).json()["outcome"] == "signal"

    page.goto(f"{base}/settings/snapper")
    assert secret not in page.content()  # shown once only
    row = page.locator("#snapper-events-table tbody tr").first
    assert row.get_attribute("data-action") == "blocked"
    assert "bash" in row.inner_text() and HOSTILE in row.inner_text()  # text, not markup
    alerts = page.inner_text("#snapper-alerts-table")
    assert "agent_quarantined" in alerts and "trust fell to 0.1" in alerts
    assert page.locator("#snapper-table td", has_text="never").count() == 0
    assert dialogs == []
    screenshot(page, "snapper_events")
