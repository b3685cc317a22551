"""The MCP page in a real Chromium: real CLI scan reports in, approve, rug pull, diff, suppress."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.browser.conftest import screenshot
from tests.conftest import create_org
from threatvec.mcp.demo import changing_snapshot, poisoned_snapshot
from threatvec.mcp.snapshot import ServerSnapshot


def _save(path: Path, snap: ServerSnapshot) -> None:
    """A saved `initialize` + `tools/list` listing, as `--static` reads it."""
    path.write_text(
        json.dumps(
            {"initialize": {"serverInfo": snap.server_info}, "tools/list": {"tools": snap.tools}}
        ),
        encoding="utf-8",
    )


def _cli_report(base: str, key: str, *files: Path) -> None:
    args = [sys.executable, "-m", "threatvec.cli.mcp", "scan"]
    for f in files:
        args += ["--static", str(f)]
    args += ["--report", "--threatvec-url", base, "--org-key", key]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode in (0, 1), proc.stderr  # 1 = findings at or above high
    assert "Report sent." in proc.stderr, proc.stderr


def _login(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_scan_approve_rug_pull_diff_and_suppress(page, live_server, session_factory, tmp_path):
    org = create_org(session_factory)
    base = live_server.url
    page.on("dialog", lambda d: d.accept())
    notes = tmp_path / "notes.json"
    weather = tmp_path / "weather.json"
    _save(notes, changing_snapshot(1))
    _save(weather, poisoned_snapshot())
    _cli_report(base, org.key, notes, weather)

    _login(page, base, org.key)
    page.goto(f"{base}/mcp")
    rows = page.locator("#mcp-servers tr.mcp-server")
    assert rows.count() == 2
    weather_row = page.locator("tr.mcp-server", has_text="weather.json")
    assert "high" in weather_row.locator(".findings").inner_text()
    assert page.locator("#mcp-fleet svg").count() == 1
    screenshot(page, "mcp_servers")

    # the poisoned server's covert finding, then suppress one with a reason
    weather_row.locator("a.server-name").click()
    page.wait_for_selector("#server-findings")
    first = page.locator("#server-findings tr.finding").first
    rule = first.get_attribute("data-rule")
    assert rule and rule.startswith("TV-COVERT-")
    assert "get_forecast" in first.inner_text()
    open_before = page.locator("#server-findings .finding-status:has-text('open')").count()
    first.locator("input[name=reason]").fill("Vendor confirmed; removed in 0.3.2")
    first.locator("button", has_text="Suppress").click()
    page.wait_for_selector(".flash:has-text('Suppressed')")
    assert "Vendor confirmed" in page.locator("#server-findings").inner_text()
    assert (
        page.locator("#server-findings .finding-status:has-text('open')").count() == open_before - 1
    )
    screenshot(page, "mcp_server_poisoned")

    # a suppression can be undone from the same row
    suppressed = page.locator("#server-findings tr.finding", has_text="Vendor confirmed")
    suppressed.locator("button", has_text="Unsuppress").click()
    page.wait_for_selector(".flash:has-text('Suppression withdrawn')")
    assert "Vendor confirmed" not in page.locator("#server-findings").inner_text()
    assert page.locator("#server-findings .finding-status:has-text('open')").count() == open_before

    # approve the notes server: its pin is the current snapshot
    page.goto(f"{base}/mcp")
    notes_row = page.locator("tr.mcp-server", has_text="notes.json")
    notes_row.locator("button.approve").click()
    page.wait_for_selector("#pin-state:has-text('approved and unchanged')")
    assert page.locator("#score-value").inner_text().isdigit()
    server_url = page.url.split("?")[0]

    # the server changes after approval → a rug pull, with the diff on the page
    _save(notes, changing_snapshot(2))
    _cli_report(base, org.key, notes, weather)
    page.goto(server_url)
    assert "rug pull" in page.locator("#pin-state").inner_text()
    rug = page.locator("#server-findings tr.finding[data-rule='TV-MCP-RUGPULL']")
    assert rug.count() == 1 and ("critical" in rug.inner_text() or "high" in rug.inner_text())
    changes = page.locator("#diff-changes tr.change")
    assert changes.count() >= 2
    diff_text = page.locator("#diff-view").inner_text()
    assert "directive text" in diff_text and "never tell the user" in diff_text
    assert page.locator("#diff-changes tr.change[data-kind^='annotation']").count() >= 1
    screenshot(page, "mcp_rug_pull_diff")

    # comparing a snapshot with itself shows no change
    current = page.locator("#to option").first.get_attribute("value")
    page.select_option("#from", current)
    page.select_option("#to", current)
    page.click("#diff-form button")
    page.wait_for_selector("#no-changes")

    page.goto(f"{base}/mcp")
    assert "rug pull" in page.locator("tr.mcp-server", has_text="notes.json").inner_text()
    screenshot(page, "mcp_servers_after_rug_pull")


def test_forms_without_csrf_are_refused(page, live_server, session_factory, tmp_path):
    org = create_org(session_factory)
    saved = tmp_path / "notes.json"
    _save(saved, changing_snapshot(1))
    _cli_report(live_server.url, org.key, saved)
    _login(page, live_server.url, org.key)
    page.goto(f"{live_server.url}/mcp")
    server_id = page.locator("tr.mcp-server").first.get_attribute("data-server-id")
    r = page.request.post(
        f"{live_server.url}/mcp/servers/{server_id}/approve", form={"csrf": "forged"}
    )
    assert r.status == 403
    page.reload()
    assert "not approved" in page.locator("tr.mcp-server").first.inner_text()


def test_the_server_list_pages_and_counts_servers_as_the_fleet_score_does(
    page, live_server, session_factory, tmp_path
):
    import httpx

    from threatvec.mcp.demo import clean_snapshot

    org = create_org(session_factory)
    base = live_server.url
    files = []
    for i in range(53):
        files.append(tmp_path / f"srv-{i:03d}.json")
        _save(files[-1], clean_snapshot())
    args = [sys.executable, "-m", "threatvec.cli.mcp", "scan"]
    for f in files:
        args += ["--static", str(f)]
    # Two servers whose scan fails: listed, but with no score the fleet score leaves them out.
    args += ["--server", f"{sys.executable} -c 'raise SystemExit(3)'", "--server", "false"]
    args += ["--report", "--threatvec-url", base, "--org-key", org.key, "--timeout", "10"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert "Report sent." in proc.stderr, proc.stderr
    with httpx.Client(base_url=base + "/api/v1", headers=org.headers) as api:
        fleet = api.get("/mcp/score").json()
        listed = api.get("/mcp/servers", params={"limit": 1}).json()
    assert (fleet["servers"], listed["total"]) == (53, 55)

    _login(page, base, org.key)
    page.goto(f"{base}/mcp")
    assert page.locator("#mcp-count .scored").inner_text() == str(fleet["servers"])
    assert page.locator("#mcp-count .unscored").inner_text() == "2"
    assert "as the fleet score counts them" in page.locator("#mcp-count").inner_text()
    rows = page.locator("#mcp-servers tr.mcp-server")
    assert rows.count() == 50
    assert page.locator("#mcp-pager .range").inner_text() == "1–50"
    assert page.locator("#mcp-pager .total").inner_text() == "55"
    assert page.locator("#mcp-pager a.first").count() == 0
    first_ids = [rows.nth(i).get_attribute("data-server-id") for i in range(rows.count())]
    screenshot(page, "mcp_servers_page_1")

    page.locator("#mcp-pager a.next").click()
    page.wait_for_selector("#mcp-pager .range:has-text('51–55')")
    rows = page.locator("#mcp-servers tr.mcp-server")
    second_ids = [rows.nth(i).get_attribute("data-server-id") for i in range(rows.count())]
    assert len(second_ids) == 5 and not set(second_ids) & set(first_ids)
    assert page.locator("#mcp-pager a.next").count() == 0
    # the same count on every page
    assert page.locator("#mcp-count .scored").inner_text() == "53"
    page.locator("#mcp-pager a.first").click()
    page.wait_for_selector("#mcp-pager .range:has-text('1–50')")
    # a cursor that is not one is a clear 4xx, not a server error
    r = page.request.get(f"{base}/mcp?cursor=not-a-cursor")
    assert 400 <= r.status < 500, r.status


def test_every_finding_is_reachable_and_suppressible_past_the_first_200(
    page, live_server, session_factory, tmp_path
):
    from threatvec.mcp.models import McpFinding
    from threatvec.store.engine import session_scope

    org = create_org(session_factory)
    base = live_server.url
    weather = tmp_path / "weather.json"
    _save(weather, poisoned_snapshot())
    _cli_report(base, org.key, weather)
    _login(page, base, org.key)
    page.goto(f"{base}/mcp")
    server_id = page.locator("tr.mcp-server").first.get_attribute("data-server-id")
    with session_scope(session_factory) as s:  # a long tail of low findings on one server
        s.add_all(
            McpFinding(org_id=org.id, server_id=server_id, fingerprint=f"tail-{i:03d}",
                       rule_id="TV-COVERT-003", severity="low", severity_rank=1,
                       message=f"tail finding {i:03d}")
            for i in range(210)
        )  # fmt: skip

    page.goto(f"{base}/mcp/servers/{server_id}")
    assert page.locator("#server-findings tr.finding").count() == 200
    page.locator("#findings-truncated a", has_text="all open").click()
    page.wait_for_selector("#all-findings")
    total = int(page.locator("#findings-pager .total").inner_text())
    assert total > 210 and page.locator("#all-findings tr.finding").count() == 100
    seen = set()
    while True:
        rows = page.locator("#all-findings tr.finding")
        seen |= {rows.nth(i).get_attribute("data-finding-id") for i in range(rows.count())}
        if page.locator("#findings-pager a.next").count() == 0:
            break
        page.locator("#findings-pager a.next").click()
        page.wait_for_load_state()
    assert len(seen) == total
    screenshot(page, "mcp_findings_last_page")

    # suppressing on the last page comes back to the last page, with one fewer open
    last_url = page.url
    row = page.locator("#all-findings tr.finding").last
    gone = row.get_attribute("data-finding-id")
    row.locator("input[name=reason]").fill("Accepted tail")
    row.locator("button", has_text="Suppress").click()
    page.wait_for_selector(".flash:has-text('Suppressed')")
    assert page.url.split("&flash=")[0] == last_url
    assert page.locator(f"#all-findings tr[data-finding-id='{gone}']").count() == 0
    page.locator("#status-filter a[data-status=suppressed]").click()
    page.wait_for_selector("#all-findings")
    assert "Accepted tail" in page.locator(f"tr[data-finding-id='{gone}']").inner_text()
