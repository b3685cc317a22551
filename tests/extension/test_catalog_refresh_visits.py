"""A catalog refresh never leaves a moment in which a page goes unwatched.

Applying a catalog swaps the navigation listener's filter and the content
scripts' match patterns. Removing either and adding it again leaves a gap: a
page that commits in it is not seen (no visit) or gets no content script (its
pastes are never counted). Both happened when an admin's policy let the worker
refresh its catalog at start just as the user opened ChatGPT.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.extension.conftest import Collector, ExtensionBrowser, paste

pytestmark = pytest.mark.browser

TABS = 12
CATALOG = "/api/v1/shadow/catalog"


def catalog_fetches(collector: Collector) -> int:
    return sum(r.path == CATALOG for r in collector.raw_requests())


def events_of(collector: Collector, event_type: str, want: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while True:
        found = [e for e in collector.events() if e["event_type"] == event_type]
        if len(found) >= want or time.monotonic() > deadline:
            return found
        time.sleep(0.25)


def test_pages_opened_during_catalog_refreshes_are_all_watched(
    extension_browser: ExtensionBrowser, collector: Collector
) -> None:
    extension_id = extension_browser.worker.url.split("/")[2]
    popup = extension_browser.new_page()
    popup.goto(f"chrome-extension://{extension_id}/popup.html")
    # Refreshes back to back from the popup (its button's message), while tabs open.
    popup.evaluate(
        """() => {
            self.tvRefreshing = true;
            const again = () => {
                if (!self.tvRefreshing) return;
                chrome.runtime.sendMessage({type: 'tv-refresh-catalog'}).finally(again);
            };
            for (let i = 0; i < 4; i++) again();
        }"""
    )
    before = catalog_fetches(collector)
    pages = []
    for _ in range(TABS):
        page = extension_browser.new_page()
        page.goto("https://chatgpt.com/")
        pages.append(page)
    popup.evaluate("() => { self.tvRefreshing = false; }")
    assert catalog_fetches(collector) - before >= TABS  # the swaps really overlapped the tabs

    visits = events_of(collector, "visit", TABS)
    assert len(visits) == TABS, f"{TABS - len(visits)} of {TABS} tab visits were not seen"
    for page in pages:
        paste(page, "write to ops@example.com")
    pastes = events_of(collector, "paste", TABS)
    assert len(pastes) == TABS, f"{TABS - len(pastes)} of {TABS} tabs had no content script"
    assert all(p["pii_categories"] == ["EMAIL"] for p in pastes)
