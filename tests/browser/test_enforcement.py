"""Settings → Enforcement Sources and the Overview's Policy Enforcement card in a real Chromium:
create a source (secret shown once), post a signed decision, watch the card's coverage move."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.conftest import create_org
from tests.enforcement.helpers import WEBHOOK, add_agent, body_of, event, signed_headers

HOSTILE = "<img src=x onerror=alert(1)>"
pytestmark = pytest.mark.browser


def _login(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_sources_page_and_policy_enforcement_card(page, live_server, session_factory) -> None:
    org = create_org(session_factory)
    runner = add_agent(session_factory, org.id, "runner", [("run_shell", None)])
    tools = [("query_db", None), ("web_fetch", "example.org"), ("send_email", "smtp.example.com")]
    add_agent(session_factory, org.id, "mailer", tools)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    base = live_server.url
    _login(page, base, org.key)

    card = page.locator("#enforcement-card #enforcement-policy")
    assert "Policy Enforcement" in card.inner_text()
    assert page.inner_text("#enforcement-coverage") == "0% covered"
    assert page.inner_text("#enforcement-pairs") == "0 of 4 high-risk agent-tool pairs"
    rows = page.locator("#enforcement-uncovered tr.uncovered-pair")
    assert rows.count() == 4 and rows.first.get_attribute("data-risk") == "critical"
    link = page.locator("#enforcement-uncovered a", has_text="runner")
    assert link.get_attribute("href") == f"/agents/{runner}"

    page.goto(f"{base}/settings")
    page.click("a.card:has-text('Enforcement Sources')")
    page.wait_for_url(f"{base}/settings/enforcement")
    assert page.locator("#sources-empty").is_visible()
    page.fill("#source-name", HOSTILE)
    page.select_option("#source-kind", "gateway")
    page.click("#source-create")
    secret = page.inner_text("#new-source-secret")
    source_id = page.inner_text("#new-source-id")
    assert secret.startswith("tves_") and len(source_id) == 32
    assert page.locator(".source-name").first.inner_text() == HOSTILE  # text, not markup
    assert dialogs == []
    screenshot(page, "enforcement_source_created")
    page.goto(f"{base}/settings/enforcement")  # the secret is never shown again
    assert page.locator("#new-source-secret").count() == 0 and secret not in page.content()

    body = body_of(event(agent="runner", tool=None), event(agent="mailer", tool="send_email"))
    r = httpx.post(base + WEBHOOK, content=body, headers=signed_headers(source_id, secret, body))
    assert r.status_code == 200, r.text
    page.reload()
    assert page.locator("#events-table tbody tr").count() == 2
    assert "runner" in page.inner_text("#events-table") and "agent-wide" in page.inner_text(
        "#events-table"
    )

    page.goto(f"{base}/")
    assert page.inner_text("#enforcement-coverage") == "50% covered"
    assert page.inner_text("#enforcement-blocked") == "2"
    uncovered = page.inner_text("#enforcement-uncovered")
    assert "run_shell" not in uncovered and "send_email" not in uncovered
    assert "query_db" in uncovered
    screenshot(page, "overview_enforcement_card")
