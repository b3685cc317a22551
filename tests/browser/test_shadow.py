"""The Shadow AI Monitor in a real Chromium: risk, markers, PII, trend, register / alert, setup."""

from __future__ import annotations

from tests.browser.conftest import screenshot
from tests.conftest import create_org
from threatvec.store.engine import session_scope

XSS_DOMAIN_SERVICE = "<img src=x onerror=alert(1)>"


def _login(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_shadow_monitor_register_alert_and_setup(page, live_server, session_factory) -> None:
    from threatvec.assets import demo as assets_demo
    from threatvec.shadow import demo
    from threatvec.shadow import service as shadow
    from threatvec.shadow.schemas import CatalogEntryCreate

    org = create_org(session_factory)
    with session_scope(session_factory) as session:
        assets_demo.seed(session=session, org_id=org.id)
        demo.seed(session=session, org_id=org.id)
        # a hostile service name from an org catalog entry is shown as text
        shadow.add_catalog_entry(
            session=session,
            org_id=org.id,
            data=CatalogEntryCreate(
                domain="askmydocs-bot.ai", service=XSS_DOMAIN_SERVICE, category="chat"
            ),
        )
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    base = live_server.url
    _login(page, base, org.key)

    page.click("nav >> text=Shadow AI Monitor")
    page.wait_for_url(f"{base}/shadow")
    page.wait_for_selector("#shadow-table")
    assert page.locator("#shadow-trend svg.chart.line").count() == 2
    assert page.locator("#shadow-trend svg.chart.bar").count() == 1
    claude = page.locator("tr[data-domain='claude.ai']")
    assert claude.locator(".marker").inner_text().strip() == "!"
    assert claude.locator(".badge.high").first.inner_text() == "HIGH"
    assert "US_SSN" in claude.locator("td.pii").inner_text()
    chatgpt = page.locator("tr[data-domain='chatgpt.com']")
    assert chatgpt.locator(".marker").inner_text().strip() == ""
    assert "LOW" in chatgpt.inner_text()
    hostile = page.locator("tr[data-domain='askmydocs-bot.ai'] .service-name")
    assert XSS_DOMAIN_SERVICE in hostile.inner_text()
    assert page.locator("img[src=x]").count() == 0
    screenshot(page, "shadow_monitor")

    # Register Claude allowing the categories it received: LOW, no marker.
    for box in claude.locator("input[name=allowed_pii]").all():
        box.check()
    claude.locator("button", has_text="Register as approved").click()
    page.wait_for_selector("text=Registered claude.ai")
    claude = page.locator("tr[data-domain='claude.ai']")
    assert claude.locator(".marker").inner_text().strip() == ""
    assert "LOW" in claude.inner_text()

    # Alert on PII for DeepSeek.
    deepseek = page.locator("tr[data-domain='chat.deepseek.com']")
    deepseek.locator("button", has_text="Alert on PII").click()
    page.wait_for_selector("text=Alert rule added for chat.deepseek.com")
    assert "alert on PII" in page.locator("tr[data-domain='chat.deepseek.com']").inner_text()

    page.click("a:has-text('HIGH') >> nth=-1")
    page.wait_for_url(f"{base}/shadow?risk=HIGH")
    assert page.locator("#shadow-table tbody tr .badge.medium").count() == 0
    screenshot(page, "shadow_monitor_high")

    page.click("#extension-link")
    page.wait_for_url(f"{base}/extension")
    assert page.inner_text("h1") == "Browser extension"
    assert base in page.inner_text("#server-url")
    with page.expect_download() as info:
        page.click("#extension-download")
    assert info.value.suggested_filename == "threatvec-extension.zip"
    screenshot(page, "extension_setup")
    assert dialogs == [], f"a script ran: {dialogs}"
