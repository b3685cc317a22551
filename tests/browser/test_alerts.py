"""Settings → Alert Rules in a real Chromium: create a rule with its Slack channel, toggle,
see recent alerts and their delivery status; hostile names stay text."""

from __future__ import annotations

from sqlalchemy import select

from tests.alerts.receivers import http_receiver
from tests.browser.conftest import screenshot
from tests.conftest import create_org
from threatvec.alerts import flows
from threatvec.alerts.models import AlertDelivery
from threatvec.core.crypto import SecretBox
from threatvec.mcp import service as mcp
from threatvec.mcp.demo import CHANGING_SPEC, changing_snapshot, scan_report
from threatvec.store.engine import session_scope

HOSTILE = "<img src=x onerror=alert(1)>"


def _login(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_alert_rules_page(page, live_server, session_factory) -> None:
    org = create_org(session_factory)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    base = live_server.url
    _login(page, base, org.key)
    page.goto(f"{base}/settings")
    page.click("a.card:has-text('Alert Rules')")
    page.wait_for_url(f"{base}/settings/alerts")
    assert page.locator("#rules-empty").is_visible()

    with http_receiver() as slack:
        # A bad threshold: the form comes back with the field named, nothing created.
        page.fill("#rule-name", "MCP changed")
        page.select_option("#rule-trigger", "pii_spike")
        page.fill("#rule-value", "0")
        page.click("#rule-create")
        assert "threshold" in page.locator("p.error").inner_text()
        assert page.locator("#rules-empty").is_visible()

        page.fill("#rule-name", HOSTILE)
        page.select_option("#rule-trigger", "mcp_rug_pull")
        page.fill("#rule-value", "")
        page.select_option("#rule-channel", "new_slack")
        page.fill("#rule-channel-url", slack.url + "/slack/T0/B0/secretpart")
        page.click("#rule-create")
        page.wait_for_selector("text=Rule created")
        row = page.locator("#rules-table tbody tr").first
        assert HOSTILE in row.locator(".rule-name").inner_text()
        assert page.locator("img[src=x]").count() == 0
        assert "secretpart" not in page.content()
        assert "…part" in page.locator("#channels-table .secret-hint").inner_text()

        # A real rug pull (approved, then the tools change under the pin): a signal
        # naming a server that does not exist clears at once (auto_resolve), unsent.
        with session_scope(session_factory) as s:
            first = scan_report([(CHANGING_SPEC, changing_snapshot(1))])
            ingested = mcp.ingest_report(session=s, org_id=org.id, report=first)
            server_id = ingested.accepted[0].server_id
            mcp.approve(session=s, org_id=org.id, server_id=server_id, by="test")
        with session_scope(session_factory) as s:
            changed = scan_report([(CHANGING_SPEC, changing_snapshot(2))])
            mcp.ingest_report(session=s, org_id=org.id, report=changed)
            s.flush()
            flows.evaluate(session=s, org_id=org.id)
            s.commit()
            flows.deliver_due(
                session=s,
                org_id=org.id,
                box=SecretBox(live_server_secret(live_server)),
                allow_private=True,
            )
        assert len(slack.requests) == 1
        page.goto(f"{base}/settings/alerts")
        alert_row = page.locator("#alerts-table tbody tr[data-trigger='mcp_rug_pull']")
        assert "notes changed its tools" in alert_row.locator(".alert-title").inner_text()
        assert "sent" in alert_row.locator(".deliveries").inner_text()
        screenshot(page, "alert_rules")

        alert_row.locator("button", has_text="Ack").click()
        page.wait_for_selector("text=Alert acknowledged")
        assert page.locator("#alerts-table .alert-status").first.inner_text() == "acknowledged"

        # A delivery that gave up during a long outage is sent again from the page.
        with session_scope(session_factory) as s:
            [d] = s.scalars(select(AlertDelivery).where(AlertDelivery.org_id == org.id)).all()
            d.status, d.attempts, d.last_error = "failed", 6, "HTTP 503"
            s.commit()
        page.goto(f"{base}/settings/alerts")
        assert page.locator("#alerts-table .deliveries").first.inner_text().count("failed") == 1
        page.locator("#alerts-table form.send-again button").click()
        page.wait_for_selector("text=Delivery queued again")
        assert page.locator("#alerts-table form.send-again").count() == 0
        with session_scope(session_factory) as s:
            flows.deliver_due(
                session=s,
                org_id=org.id,
                box=SecretBox(live_server_secret(live_server)),
                allow_private=True,
            )
            s.commit()
        assert len(slack.requests) == 2
        page.goto(f"{base}/settings/alerts")
        assert "sent" in page.locator("#alerts-table .deliveries").first.inner_text()

        page.locator("#channels-table button", has_text="Send test").click()
        page.wait_for_selector("text=Test message sent")
        assert slack.requests[-1].json()["text"].startswith("[INFO] ThreatVec test notification")

        page.locator("#rules-table .toggle-form button").click()
        page.wait_for_selector("text=Rule disabled")
        assert page.locator("#rules-table .rule-state").inner_text() == "off"
    assert dialogs == []


def live_server_secret(server) -> str:
    return server.server.config.app.state.secret_key
