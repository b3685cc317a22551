"""Settings → Integrations in a real Chromium: configure Okta (secret write-only), a bad value
named back, test the connection, sync now, counts and history, toggle; Zscaler shown as coming."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import create_org
from tests.integrations.test_okta import TOKEN, OktaLog, _event
from tests.integrations.vendors import vendor_server

HOSTILE = "<img src=x onerror=alert(1)>"

pytestmark = pytest.mark.browser


def _login(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_integrations_page(page, live_server, session_factory) -> None:
    org = create_org(session_factory)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    base = live_server.url
    _login(page, base, org.key)
    page.goto(f"{base}/settings")
    page.click("a.card:has-text('Integrations')")
    page.wait_for_url(f"{base}/settings/integrations")
    assert page.locator("#kind-zscaler .kind-status").inner_text() == "coming"
    assert page.locator("#kind-zscaler form").count() == 0
    for kind in ("okta", "crowdstrike", "splunk", "sentinel", "m365", "netskope", "proofpoint"):
        assert page.locator(f"#kind-{kind} form.create-form").count() == 1

    holder: list[str] = []
    log = OktaLog(holder)
    log.events = [_event("user.authentication.auth_via_mfa", 30, result="FAILURE"),
                  _event("user.session.start", 20)]  # fmt: skip
    with vendor_server(log) as okta:
        holder.append(okta.url)
        card = page.locator("#kind-okta")
        # A bad URL: the form comes back naming the field; nothing is saved.
        card.locator("input[name=name]").fill(HOSTILE)
        card.locator("input[name=f_base_url]").fill("not a url")
        card.locator("input[name=f_api_token]").fill(TOKEN)
        card.locator("button[type=submit]", has_text="Save Okta").click()
        assert "base_url" in page.locator("p.error").inner_text()
        assert page.locator("#kind-okta .integration").count() == 0

        card = page.locator("#kind-okta")
        card.locator("input[name=name]").fill(HOSTILE)
        card.locator("input[name=f_base_url]").fill(okta.url)
        card.locator("input[name=f_api_token]").fill(TOKEN)
        card.locator("button[type=submit]", has_text="Save Okta").click()
        page.wait_for_selector("text=Saved okta integration")
        row = page.locator("#kind-okta .integration").first
        assert row.locator(".integration-name").inner_text() == HOSTILE
        assert page.locator("img[src=x]").count() == 0
        assert TOKEN not in page.content()
        assert row.locator(".secret-hint").inner_text().endswith("wxyz")
        # The secret field is empty in the edit form: write-only.
        assert row.locator("form.edit-form input[name=f_api_token]").input_value() == ""

        row.locator("button", has_text="Test connection").click()
        page.wait_for_selector("text=Connection OK")

        page.locator("#kind-okta .integration button", has_text="Sync now").click()
        page.wait_for_selector("text=Sync ok")
        row = page.locator("#kind-okta .integration").first
        assert row.locator(".last-status").inner_text() == "ok"
        assert "fetched 2" in row.locator(".last-counts").inner_text()
        assert "ingested 1" in row.locator(".last-counts").inner_text()
        assert row.locator("table.runs tbody tr").count() == 1
        screenshot(page, "integrations")

        row.locator(".toggle-form button").click()
        page.wait_for_selector("text=Disabled")
        row = page.locator("#kind-okta .integration").first
        assert row.locator(".integration-state").inner_text() == "disabled"
        assert TOKEN not in page.content()
    assert dialogs == []
