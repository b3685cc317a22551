"""The dashboard in a real Chromium: login, every page, assets end to end, XSS, CSP, docs."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.browser.conftest import screenshot
from tests.conftest import create_org
from threatvec.server.web.render import NAV

XSS_NAME = "<img src=x onerror=alert(1)>"


def _login(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_login_navigate_every_page_and_register_assets(page, live_server, session_factory):
    org = create_org(session_factory)
    base = live_server.url
    dialogs: list[str] = []
    csp_errors: list[str] = []

    def on_dialog(d) -> None:
        if d.type == "confirm":  # our own confirmation before removing
            d.accept()
        else:
            dialogs.append(d.message)
            d.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )

    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(f"{base}/")
    assert page.url.endswith("/login")
    # The login page names its icon, so the browser asks for no /favicon.ico.
    page.wait_for_load_state("load")
    assert page.locator("link[rel=icon]").count() == 1 and missing == [], missing
    page.fill("#org_key", "tvk_wrong_key")
    page.click("button[type=submit]")
    assert "not accepted" in page.inner_text("main")
    _login(page, base, org.key)
    assert org.name in page.inner_text("header")

    for href, label in NAV:
        page.click(f"nav >> text={label}")
        page.wait_for_url(f"{base}{href}")
        assert page.inner_text("h1") == label
        assert page.locator("nav a[aria-current=page]").inner_text() == label
        screenshot(page, f"page{href.replace('/', '_') or '_overview'}")

    page.goto(f"{base}/settings/assets")
    assert page.locator("#assets-empty").is_visible()
    page.select_option("#kind", "mcp_server")
    page.fill("#name", "crm-tools")
    page.fill("#tags", "internal, prod")
    page.click("#asset-form button[type=submit]")
    page.wait_for_selector("#assets-table")
    assert "Registered MCP server" in page.inner_text(".flash")
    row = page.locator("tr", has_text="crm-tools")
    assert "! unapproved" in row.inner_text()
    row.locator("button", has_text="Approve").click()
    page.wait_for_selector("tr:has-text('crm-tools') .badge.ok")

    # A hostile name is shown as text and runs nothing.
    page.select_option("#kind", "agent")
    page.fill("#name", XSS_NAME)
    page.click("#asset-form button[type=submit]")
    page.wait_for_selector("#assets-table")
    cell = page.locator(".asset-name", has_text="onerror")
    assert cell.inner_text().strip() == XSS_NAME
    assert page.locator("img[src=x]").count() == 0
    page.reload()
    screenshot(page, "settings_assets")

    # A duplicate is refused with a clear message and the form keeps its values.
    page.select_option("#kind", "mcp_server")
    page.fill("#name", "crm-tools")
    page.click("#asset-form button[type=submit]")
    assert "already registered" in page.inner_text(".error")
    assert page.input_value("#name") == "crm-tools"

    # Removing asks for confirmation (our own JS) and then removes.
    page.locator("tr", has_text="crm-tools").locator("button", has_text="Remove").click()
    page.wait_for_selector("text=Removed")
    assert page.locator("tr", has_text="crm-tools").count() == 0

    assert dialogs == [], f"a script ran: {dialogs}"
    assert csp_errors == [], csp_errors

    page.click("button:has-text('Log out')")
    page.wait_for_url(f"{base}/login")
    page.goto(f"{base}/settings/assets")
    assert page.url.endswith("/login")


def test_live_traffic_streams_signals(page, live_server, session_factory):
    from threatvec.signals import service
    from threatvec.store.engine import session_scope

    org = create_org(session_factory)
    _login(page, live_server.url, org.key)
    page.goto(f"{live_server.url}/live")
    page.wait_for_selector("#live-status.on")
    with session_scope(session_factory) as s:
        service.publish(
            session=s,
            org_id=org.id,
            kind="tool.call",
            data={"tool": "<b>send_email</b>", "agent": "support-bot"},
        )
    item = page.wait_for_selector("#live-list li[data-kind='tool.call']")
    assert "<b>send_email</b>" in item.inner_text()  # shown as text, not markup
    assert page.locator("#live-list b").count() == 0
    screenshot(page, "live_traffic")


def test_api_docs_render_offline(page, live_server):
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlsplit(r.url).hostname or r.url.split(":")[0]))
    page.goto(f"{live_server.url}/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "ThreatVec" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector('.opblock-summary-path[data-path="/api/v1/assets"]')
    screenshot(page, "docs_swagger")
    page.goto(f"{live_server.url}/redoc")
    page.wait_for_selector("h1:has-text('ThreatVec')")
    screenshot(page, "docs_redoc")
    external = {h for h in hosts if h not in ("127.0.0.1", "blob", "data")}
    assert not external, f"docs pages reached other hosts: {external}"
