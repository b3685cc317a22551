"""Vulnerability Exposure in Chromium: stats, query bar, status actions, detail, stack import."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import screenshot
from tests.conftest import create_org
from threatvec.store.engine import session_scope
from threatvec.vulns import demo

XSS = "<img src=x onerror=alert(1)>"


def _login(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_vulnerability_exposure_page(page, live_server, session_factory, tmp_path: Path) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        demo.seed(session=s, org_id=org.id)
    base = live_server.url
    alerts: list[str] = []
    page.on(
        "dialog",
        lambda d: d.accept() if d.type == "confirm" else (alerts.append(d.message), d.dismiss()),
    )
    _login(page, base, org.key)

    page.click("nav >> text=Vulnerability Exposure")
    page.wait_for_url(f"{base}/vulnerabilities")
    # The shared test database may hold more KEV CVEs than the demo's three.
    assert int(page.inner_text("#stat-kev")) >= 3
    assert int(page.inner_text("#stat-overdue")) >= 1
    rows = page.locator("#patches-table tbody tr")
    assert rows.count() >= 10
    first = float(rows.nth(0).locator(".priority").inner_text())
    last = float(rows.nth(rows.count() - 1).locator(".priority").inner_text())
    assert first >= last
    assert "overdue" in page.inner_text("#patches-table")
    screenshot(page, "vulnerabilities")

    # ✨ query bar: a plain form, answered by the same service as the API.
    page.fill("#question", "what linux patches matter most right now?")
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#ask-answer")
    answer = page.inner_text("#ask-answer")
    top = answer.split()[0]
    assert top.startswith("CVE-") and "linux" in answer and "priority" in answer
    assert page.locator("#ask-answer a.cited").first.inner_text() == top
    screenshot(page, "vulnerabilities_ask")

    # Filters.
    page.select_option("#f-severity", "CRITICAL")
    page.click("#filter-form button[type=submit]")
    page.wait_for_url("**severity=CRITICAL**")
    sevs = page.locator("#patches-table tbody tr td:nth-child(2)").all_inner_texts()
    assert sevs and set(s.strip() for s in sevs) == {"CRITICAL"}

    # A status action from the table.
    row = page.locator("tr[data-cve='CVE-2025-32434']")
    row.locator("select[name=status]").select_option("investigating")
    row.locator("button", has_text="Set").click()
    page.wait_for_selector(".flash")
    assert "CVE-2025-32434 is now investigating" in page.inner_text(".flash")
    assert (
        page.locator("tr[data-cve='CVE-2025-32434']").get_attribute("data-status")
        == "investigating"
    )

    # Won't fix from the table: its justification field appears, and is required.
    # (an open one: the test database may keep rows from an earlier run)
    other = page.locator("#patches-table tbody tr[data-status='open']").first
    other_cve = other.get_attribute("data-cve")
    reason = other.locator("input[name=justification]")
    assert not reason.is_visible()
    other.locator("select[name=status]").select_option("wont_fix")
    assert reason.is_visible()
    other.locator("button", has_text="Set").click()  # the browser refuses an empty reason
    assert other.get_attribute("data-status") != "wont_fix"
    reason.fill("compensating control: the service is not reachable from outside")
    other.locator("button", has_text="Set").click()
    page.wait_for_selector(".flash")
    assert f"{other_cve} is now wont fix" in page.inner_text(".flash")

    # Detail page: components, SLA, won't fix needs a justification, history.
    page.click("a:text-is('CVE-2025-32434')")
    page.wait_for_url(f"{base}/vulnerabilities/CVE-2025-32434")
    assert page.locator("#components tr[data-component]").count() == 4
    page.select_option("#new-status", "wont_fix")
    page.click("#status-form button[type=submit]")
    page.wait_for_selector(".error")
    assert "justification" in page.inner_text(".error")
    page.select_option("#new-status", "wont_fix")
    page.fill("#justification", "Models are loaded only from our signed registry")
    page.click("#status-form button[type=submit]")
    page.wait_for_selector(".flash")
    assert page.inner_text("#current-status") == "wont fix"
    assert "signed registry" in page.inner_text("#history")
    assert "clock stopped" in page.inner_text("#sla-card")
    screenshot(page, "vulnerability_detail")

    # Tech-stack import: bad rows listed by line, hostile text shown as text.
    stack = tmp_path / "stack.csv"
    stack.write_text(f"technology,version,asset_count\nredis,7.2.4,3\n{XSS},1.0,\n,1.0,2\n")
    page.goto(f"{base}/vulnerabilities")
    page.set_input_files("#stack-file", str(stack))
    page.click("#stack-form button[type=submit]")
    page.wait_for_selector("#import-errors")
    assert "line 4" in page.inner_text("#import-errors")
    assert XSS in page.inner_text("#stack-table")
    assert page.locator("img[src=x]").count() == 0
    href = page.get_attribute("#template-link", "href")
    assert href == "/vulnerabilities/tech-stack-template.csv"
    screenshot(page, "vulnerabilities_stack_import")
    assert alerts == []


def test_large_stack_import_shows_its_progress(
    page, live_server, session_factory, tmp_path: Path
) -> None:
    """10,000 rows: the page shows a progress bar that moves, then the result."""
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        demo.seed(session=s, org_id=org.id)
    base = live_server.url
    _login(page, base, org.key)
    stack = tmp_path / "big-stack.csv"
    rows = [f"library{i},1.{i % 40}.0,Vendor {i % 60},{1 + i % 9}" for i in range(10_000)]
    stack.write_text("technology,version,vendor,asset_count\n" + "\n".join(rows) + "\n")
    page.goto(f"{base}/vulnerabilities")
    page.set_input_files("#stack-file", str(stack))
    page.click("#stack-form button[type=submit]")
    page.wait_for_selector("#stack-import-progress")
    assert "big-stack.csv" in page.inner_text("#stack-import")
    seen: list[float] = []
    while page.locator("#stack-import-progress").count():
        try:
            seen.append(float(page.get_attribute("#stack-import-progress", "value") or 0))
        except Exception:  # the page reloaded between the two calls: the job is done
            break
        page.wait_for_timeout(50)
    page.wait_for_selector("text=Imported 10000 new")
    assert "Imported 10000 new" in page.content()
    # the bar moved forward (0 %, storing, scoring, ...) and never back
    assert len(set(seen)) >= 2 and seen == sorted(seen) and max(seen) <= 100, seen
    assert page.locator("#stack-table tbody tr").count() >= 500  # the page lists up to 500
    screenshot(page, "vulnerabilities_stack_import_progress")
