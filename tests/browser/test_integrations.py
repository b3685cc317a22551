"""Settings → Integrations in a real Chromium: configure Okta (secret write-only), a bad value
named back, test the connection, sync now, counts and history, toggle; Zscaler (receive):
receiver URL and header shown, the ingest token once, a real delivery counted."""

from __future__ import annotations

import json
import time

import httpx
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
    assert page.locator("#kind-zscaler .kind-status").inner_text() == "receive"
    kinds = ("okta", "crowdstrike", "splunk", "sentinel", "m365", "netskope", "zscaler")
    for kind in (*kinds, "proofpoint"):
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


def test_zscaler_receiver_shown_with_token_once(page, live_server, session_factory) -> None:
    org = create_org(session_factory)
    base = live_server.url
    _login(page, base, org.key)
    page.goto(f"{base}/settings/integrations")
    card = page.locator("#kind-zscaler")
    assert card.locator("input[name=schedule_minutes]").count() == 0  # nothing is scheduled
    card.locator("button[type=submit]", has_text="Save Zscaler").click()
    page.wait_for_selector("text=Saved zscaler integration")
    row = page.locator("#kind-zscaler .integration").first
    integration_id = row.get_attribute("data-integration-id")
    url = row.locator(".receiver-url").inner_text()
    assert url == f"{base}/api/v1/integrations/{integration_id}/zscaler/nss"
    assert row.locator(".receiver-header").inner_text() == "Authorization: Bearer <token>"
    token = page.locator("#new-ingest-token").inner_text()
    assert token.startswith("tvi_") and row.locator(".token-hint").inner_text() == token[:8] + "…"
    assert row.locator(".sync-form").count() == 0
    screenshot(page, "integrations-zscaler")

    record = {"recordid": "900001", "epochtime": str(int(time.time()) - 60),
              "host": "chatgpt.com", "dlpdict": "Credit Cards", "dlpdicthitcount": "2"}  # fmt: skip
    r = httpx.post(url, content=json.dumps({"event": record}),
                   headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 200 and r.json()["accepted"] == ["900001"]

    page.goto(f"{base}/settings/integrations")
    row = page.locator("#kind-zscaler .integration").first
    assert row.locator(".last-status").inner_text() == "ok"
    assert "ingested 1" in row.locator(".last-counts").inner_text()
    assert token not in page.content()  # shown once, never again
    row.locator("button", has_text="Check deliveries").click()
    page.wait_for_selector("text=last delivery")
