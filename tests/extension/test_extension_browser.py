"""The unpacked extension in a real headless Chromium, reporting to a capturing server.

AI hosts resolve to a local HTTPS server (``--host-resolver-rules``); the
extension is configured to report to the ``collector`` fixture. The test
plants known values and then searches every byte the collector received.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.extension.conftest import PAGE_MARKER, REFRESHED_DOMAIN, Collector, ExtensionBrowser

pytestmark = pytest.mark.browser

PASTE_TEXT = (
    "Customer jane.roe@example.com card 4111 1111 1111 1111 ssn 536-22-8714 "
    "key AKIAIOSFODNN7EXAMPLE PASTE-MARKER-b81e"
)
FILE_NAME = "secret-customer-list-Q3.csv"
FILE_TEXT = "name,iban,phone\nAna,DE89 3704 0044 0532 0130 00,+1 415 555 2671\nFILE-MARKER-c02d\n"
GITHUB_TOKEN = "ghp_" + "FAKE1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1u"
SUBMIT_TEXT = f"deploy to 203.0.113.45 with {GITHUB_TOKEN} SUBMIT-MARKER-d93f"
UNKNOWN_TEXT = "passport X7654321 for bob.jones@example.com UNKNOWN-MARKER-e5a1"
NOTES_TEXT = "call +44 7700 900123 or mail carol@example.com NOTES-MARKER-f6b2"
SECRET_PATH = "/c/secret-conversation-path"
SECRET_QUERY = "q=secretquery"
USER_ID = "Alice@Example.com"
CHATGPT = "chatgpt.com"
SALT = "test-salt-0123456789"

# Nothing below may appear in any request the server receives.
FORBIDDEN = [
    "jane.roe@example.com", "4111 1111 1111 1111", "4111111111111111", "536-22-8714",
    "536228714", "AKIAIOSFODNN7EXAMPLE", "PASTE-MARKER-b81e", FILE_NAME, "secret-customer-list",
    "DE89 3704", "DE89370400440532013000", "415 555 2671", "FILE-MARKER-c02d", "203.0.113.45",
    GITHUB_TOKEN, "SUBMIT-MARKER-d93f", "X7654321", "bob.jones@example.com", "UNKNOWN-MARKER-e5a1",
    "7700 900123", "carol@example.com", "NOTES-MARKER-f6b2", "notes.example.org", "My notes",
    "private assistant", SECRET_PATH, "secret-conversation-path", "secretquery", PAGE_MARKER,
    USER_ID, USER_ID.lower(), SALT,
]  # fmt: skip


def _paste(page: Any, text: str) -> None:
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.setData('text/plain', text);
            const box = document.getElementById('prompt');
            box.focus();
            const init = {clipboardData: data, bubbles: true, cancelable: true};
            box.dispatchEvent(new ClipboardEvent('paste', init));
        }""",
        text,
    )


def _wait_for_scripts(browser: ExtensionBrowser, domain: str) -> None:
    """Wait until the refreshed catalog's content-script registration is in place."""
    pattern = f"*://*.{domain}/*"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        scripts = browser.worker.evaluate("chrome.scripting.getRegisteredContentScripts()")
        if any(pattern in s.get("matches", []) for s in scripts):
            return
        time.sleep(0.2)
    raise AssertionError("content scripts were not registered for the refreshed catalog")


def test_reports_categories_and_never_values(
    extension_browser: ExtensionBrowser, collector: Collector
) -> None:
    _wait_for_scripts(extension_browser, REFRESHED_DOMAIN)
    page = extension_browser.new_page()
    page.goto(f"https://chatgpt.com{SECRET_PATH}?{SECRET_QUERY}")
    visit = collector.wait_for(lambda e: e["event_type"] == "visit" and e["domain"] == CHATGPT)
    assert visit["pii_categories"] == [] and visit["unknown_service"] is False

    _paste(page, PASTE_TEXT)
    paste = collector.wait_for(lambda e: e["event_type"] == "paste" and e["domain"] == CHATGPT)
    assert paste["pii_categories"] == ["EMAIL", "CREDIT_CARD", "US_SSN", "AWS_ACCESS_KEY"]
    assert paste["pii_counts"] == {"EMAIL": 1, "CREDIT_CARD": 1, "US_SSN": 1, "AWS_ACCESS_KEY": 1}

    page.set_input_files(
        "#file", files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": FILE_TEXT.encode()}]
    )
    upload = collector.wait_for(lambda e: e["event_type"] == "upload")
    assert upload["pii_categories"] == ["PHONE", "IBAN"]
    assert upload["signals"] == {"files": 1, "skipped_files": 0, "via": "input"}

    page.fill("#prompt", SUBMIT_TEXT)
    page.click("#send")
    submit = collector.wait_for(lambda e: e["event_type"] == "submit")
    assert submit["pii_categories"] == ["IP_ADDRESS", "API_KEY"]

    # A second catalog service, and one that only the server's catalog knows.
    claude = extension_browser.new_page()
    claude.goto("https://claude.ai/new")
    collector.wait_for(lambda e: e["event_type"] == "visit" and e["domain"] == "claude.ai")
    refreshed = extension_browser.new_page()
    refreshed.goto(f"https://{REFRESHED_DOMAIN}/")
    collector.wait_for(lambda e: e["event_type"] == "visit" and e["domain"] == REFRESHED_DOMAIN)

    # Outside the catalog: an AI-looking page is reported only for PII pastes ...
    unknown = extension_browser.new_page()
    unknown.goto("https://chat.unknown-llm.test/session/42")
    unknown.wait_for_load_state("load")
    _paste(unknown, UNKNOWN_TEXT)
    flagged = collector.wait_for(lambda e: e["unknown_service"] is True)
    assert flagged["domain"] == "chat.unknown-llm.test"
    assert flagged["event_type"] == "paste"
    assert flagged["pii_categories"] == ["EMAIL", "PASSPORT"]
    assert flagged["signals"]["large_input"] is True
    assert "llm" in flagged["signals"]["host_terms"]

    # ... and an ordinary page never, neither for the visit nor for a paste.
    notes = extension_browser.new_page()
    notes.goto("https://notes.example.org/private/diary")
    notes.wait_for_load_state("load")
    _paste(notes, NOTES_TEXT)
    time.sleep(3.5)  # longer than the worker's flush debounce

    events = collector.events()
    assert not any(e["domain"] in ("notes.example.org", "example.org") for e in events)
    visits = [e for e in events if e["event_type"] == "visit"]
    assert {e["domain"] for e in visits} == {"chatgpt.com", "claude.ai", REFRESHED_DOMAIN}

    expected_hash = hashlib.sha256(f"{SALT}\n{USER_ID.lower()}".encode()).hexdigest()
    for event in events:
        assert set(event) == {
            "event_id", "domain", "event_type", "pii_categories", "pii_counts", "occurred_at",
            "browser", "user_hash", "unknown_service", "signals",
        }  # fmt: skip
        assert event["user_hash"] == expected_hash
        assert re.fullmatch(r"[a-z]+/[0-9]+", event["browser"])
        assert re.fullmatch(r"[0-9a-f-]{36}", event["event_id"])
    assert len({e["event_id"] for e in events}) == len(events)

    # The popup reads the same settings and reaches the server's health check.
    extension_id = extension_browser.worker.url.split("/")[2]
    popup = extension_browser.new_page()
    popup.goto(f"chrome-extension://{extension_id}/popup.html")
    # Locator assertions, not wait_for_function: the popup's CSP forbids eval.
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(popup.locator("#connection")).to_have_text("connected")
    expect(popup.locator("#queued")).to_have_text("0")
    assert popup.input_value("#serverUrl") == collector.url

    requests = collector.raw_requests()
    assert requests, "the collector received nothing"
    for req in requests:
        blob = (req.path + repr(req.headers) + req.body.decode("utf-8", "replace")).lower()
        for value in FORBIDDEN:
            assert value.lower() not in blob, f"{value!r} leaked in {req.method} {req.path}"
        if req.method == "POST":
            assert req.headers.get("X-Org-Key") == collector.org_key


OPEN_TEXT = "reach me at dana.open@example.com OPEN-TAB-MARKER-a41c"
OPEN_FORBIDDEN = ("opened-before", "dana.open", "OPEN-TAB-MARKER-a41c", "notes.example.org")


def _assert_nothing_leaked(collector: Collector) -> None:
    for req in collector.raw_requests():
        blob = req.path + req.body.decode("utf-8", "replace")
        for value in OPEN_FORBIDDEN:
            assert value not in blob, f"{value!r} leaked in {req.method} {req.path}"


def test_tabs_open_before_install_are_noticed(
    chromium_path: str, ai_sites: int, collector: Collector, tmp_path: Path
) -> None:
    """Installed into a running browser: tabs that committed before it existed still count."""
    from tests.extension.conftest import configure, install_unpacked, open_browser

    profile = tmp_path / "profile"
    with open_browser(chromium_path, ai_sites, profile, load_extension=False) as context:
        chat = context.new_page()
        chat.goto("https://chatgpt.com/c/opened-before-install")
        notes = context.new_page()
        notes.goto("https://notes.example.org/opened-before-install")
        assert not context.service_workers  # nothing is listening yet

        worker = install_unpacked(context)
        configure(worker, collector)
        visit = collector.wait_for(lambda e: e["event_type"] == "visit")
        assert visit["domain"] == CHATGPT and visit["pii_categories"] == []
        # The start-up scan put the content script into the open tab: pastes count too.
        _paste(chat, OPEN_TEXT)
        paste = collector.wait_for(lambda e: e["event_type"] == "paste")
        assert paste["domain"] == CHATGPT and paste["pii_categories"] == ["EMAIL"]
        _paste(notes, OPEN_TEXT)
        time.sleep(3.5)  # longer than the worker's flush debounce
    assert [e["domain"] for e in collector.events()] == [CHATGPT, CHATGPT]
    _assert_nothing_leaked(collector)
