"""A catalog refresh never leaves a moment in which a visit goes unseen.

Applying a catalog swaps the navigation listener's filter. Re-registering one
function removes it from the browser and adds it again: a page that commits
between the two is not seen, which happened when an admin's policy let the
worker refresh its catalog at start just as the user opened ChatGPT.
"""

from __future__ import annotations

import time

import pytest

from tests.extension.conftest import Collector, ExtensionBrowser

pytestmark = pytest.mark.browser

TABS = 12


def catalog_fetches(collector: Collector) -> int:
    return sum(r.path == "/api/v1/shadow/catalog" for r in collector.raw_requests())


def test_visits_during_catalog_refreshes_are_all_seen(
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
    refreshes = catalog_fetches(collector) - before
    assert refreshes >= TABS  # the tabs really opened while the catalog was being swapped

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        visits = [e for e in collector.events() if e["event_type"] == "visit"]
        if len(visits) >= TABS:
            break
        time.sleep(0.25)
    assert len(visits) == TABS, f"{TABS - len(visits)} of {TABS} tab visits were not seen"
