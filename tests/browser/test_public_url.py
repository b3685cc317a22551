"""Alert Rules in a real Chromium: PagerDuty's webhook URL starts with THREATVEC_PUBLIC_URL;
unset, the derived URL carries a visible hint saying how to set it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.browser.conftest import screenshot
from tests.conftest import LiveServer, OrgHandle, create_org, free_port, settings_for_tests

PUBLIC = "https://threatvec.example.com"


@pytest.fixture(scope="module")
def public_server(engine, tmp_path_factory) -> Iterator[LiveServer]:
    from threatvec.server.app import create_app

    settings = settings_for_tests(tmp_path_factory.mktemp("pub"), public_url=PUBLIC)
    server = LiveServer(create_app(settings, engine=engine), free_port()).start()
    yield server
    server.stop()


def _pagerduty_channel(base: str, org: OrgHandle) -> str:
    r = httpx.post(
        f"{base}/api/v1/alerts/channels",
        headers=org.headers,
        json={"name": "pd", "settings": {"kind": "pagerduty", "routing_key": "R" * 32}},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _open_alert_rules(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/settings/alerts")


def test_pagerduty_webhook_url_uses_the_public_url(page, public_server, session_factory) -> None:
    org = create_org(session_factory)
    channel_id = _pagerduty_channel(public_server.url, org)
    _open_alert_rules(page, public_server.url, org.key)
    shown = page.locator(f"tr[data-pd-channel-id='{channel_id}'] .pd-webhook-url").inner_text()
    assert shown == f"{PUBLIC}/api/v1/alerts/channels/{channel_id}/pagerduty-webhook"
    assert page.locator(".public-url-hint").count() == 0
    screenshot(page, "alerts_public_url")


def test_without_it_the_derived_url_has_a_visible_hint(page, live_server, session_factory) -> None:
    org = create_org(session_factory)
    channel_id = _pagerduty_channel(live_server.url, org)
    _open_alert_rules(page, live_server.url, org.key)
    row = page.locator(f"tr[data-pd-channel-id='{channel_id}']")
    assert row.locator(".pd-webhook-url").inner_text().startswith(live_server.url + "/api/v1/")
    hint = row.locator(".public-url-hint")
    assert hint.is_visible() and "THREATVEC_PUBLIC_URL" in hint.inner_text()
    screenshot(page, "alerts_public_url_unset")
