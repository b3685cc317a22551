"""The extension across a browser restart: tabs restored at start-up are noticed.

Its own module: the end-to-end module keeps one Playwright running for all its
tests, and the sync API cannot run a second one beside it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.extension.conftest import Collector, configure, extension_worker, open_browser, paste

pytestmark = pytest.mark.browser


RESTORED_PATH = "/c/restored-conversation-e2e"
RESTORED_TEXT = "write to restored.user@example.com RESTORED-MARKER-4b2e"


def _new_events(collector: Collector, after: int, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        fresh = collector.events()[after:]
        if len(fresh) >= count:
            return fresh
        time.sleep(0.2)
    raise AssertionError(f"expected {count} new events; received {collector.events()[after:]}")


def test_tabs_restored_after_a_browser_restart_are_noticed(
    chromium_path: str, ai_sites: int, collector: Collector, tmp_path: Path
) -> None:
    """Same profile, browser closed and reopened with its last session: the tab is reported."""
    profile = tmp_path / "profile"
    with open_browser(chromium_path, ai_sites, profile) as context:
        configure(extension_worker(context), collector)
        context.new_page().goto(f"https://chatgpt.com{RESTORED_PATH}")
        collector.wait_for(lambda e: e["event_type"] == "visit")
    before = len(collector.events())

    restart = ("--restore-last-session",)
    with open_browser(chromium_path, ai_sites, profile, extra_args=restart) as context:
        restored = [p for p in context.pages if p.url.startswith("https://chatgpt.com/")]
        assert restored, f"Chromium did not restore the tab: {[p.url for p in context.pages]}"
        # Nothing touches the worker here: the restored tab alone must produce the visit.
        [visit] = _new_events(collector, before, 1)
        assert (visit["domain"], visit["event_type"]) == ("chatgpt.com", "visit")
        # The restored tab has the content script: a paste there is reported too.
        paste(restored[0], RESTORED_TEXT)
        [_, pasted] = _new_events(collector, before, 2)
        assert pasted["event_type"] == "paste" and pasted["pii_categories"] == ["EMAIL"]
        time.sleep(2.5)  # longer than the flush debounce: a duplicate would have arrived
    assert len(collector.events()) == before + 2
    for req in collector.raw_requests():
        blob = req.path + req.body.decode("utf-8", "replace")
        for value in ("restored-conversation", "restored.user", "RESTORED-MARKER-4b2e"):
            assert value not in blob, f"{value!r} leaked in {req.method} {req.path}"
