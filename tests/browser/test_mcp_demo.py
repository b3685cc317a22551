"""The demo MCP servers in Chromium: clean, poisoned, changed after approval; accepting a flow."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import screenshot
from tests.conftest import create_org
from threatvec.mcp.demo import scan_report
from threatvec.mcp.snapshot import ServerSnapshot
from threatvec.mcp.spec import ServerSpec
from threatvec.store.engine import session_scope

PROJECT = "/work/docs-site/.mcp.json"


def _tool(name: str, description: str, prop: str, **hints: bool) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "inputSchema": {"type": "object", "properties": {prop: {"type": "string"}}},
        "annotations": hints,
    }


def _git_and_fetch_report() -> dict[str, Any]:
    """Two reference servers in one project config: together a lethal trifecta."""
    git = ServerSpec(
        name="git",
        transport="stdio",
        command="uvx",
        args=("mcp-server-git==2025.7.1",),
        source=PROJECT,
        pointer="/mcpServers/git",
    )
    fetch = ServerSpec(
        name="fetch",
        transport="stdio",
        command="uvx",
        args=("mcp-server-fetch==2025.4.7",),
        source=PROJECT,
        pointer="/mcpServers/fetch",
    )
    git_log = _tool(
        "git_log",
        "Show the commit log of the local repository.",
        "repo_path",
        readOnlyHint=True,
        openWorldHint=False,
    )
    fetch_url = _tool(
        "fetch",
        "Fetch a URL from the internet and return the web page as markdown.",
        "url",
        readOnlyHint=True,
        openWorldHint=True,
    )
    return scan_report(
        [
            (git, ServerSnapshot(server_info={"name": "git", "version": "1"}, tools=[git_log])),
            (
                fetch,
                ServerSnapshot(server_info={"name": "fetch", "version": "1"}, tools=[fetch_url]),
            ),
        ]
    )


def _login(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_demo_servers_rug_pull_review_and_accepted_flow(page, live_server, session_factory) -> None:
    from threatvec.mcp import demo, service

    org = create_org(session_factory)
    with session_scope(session_factory) as session:
        demo.seed(session=session, org_id=org.id)
        service.ingest_report(session=session, org_id=org.id, report=_git_and_fetch_report())
    page.on("dialog", lambda d: d.accept())
    base = live_server.url
    _login(page, base, org.key)

    page.click("nav >> text=MCP")
    page.wait_for_url(f"{base}/mcp")
    rows = page.locator("#mcp-servers tr.mcp-server")
    assert rows.count() == 5
    time_row = page.locator("tr.mcp-server", has_text="mcp-server-time")
    weather_row = page.locator("tr.mcp-server", has_text="weather")
    notes_row = page.locator("tr.mcp-server", has_text="notes")
    # the clean one: approved, no findings, a good score, nothing to approve
    assert "approved" in time_row.locator(".pin").inner_text()
    assert time_row.locator(".findings").inner_text().strip() == "none"
    assert int(time_row.locator(".score").inner_text()) >= 90
    assert time_row.locator("button.approve").count() == 0
    # the poisoned one: open findings of high severity or worse
    assert any(s in weather_row.locator(".findings").inner_text() for s in ("high", "critical"))
    # the one that changed after approval
    assert "rug pull" in notes_row.locator(".pin").inner_text()
    screenshot(page, "mcp_demo_servers")

    # the git + fetch project completes the lethal trifecta, naming the tools;
    # the team accepts that flow with a reason, and it stays visible as accepted
    [trifecta] = page.locator("#mcp-trifectas tr[data-finding-id]").all()
    assert PROJECT in trifecta.inner_text()
    assert "git/git_log" in trifecta.inner_text() and "fetch/fetch" in trifecta.inner_text()
    trifecta.locator("input[name=reason]").fill("Docs sandbox: the repo is public")
    trifecta.locator("button", has_text="Accept flow").click()
    page.wait_for_selector("#mcp-trifectas .badge:has-text('accepted')")
    assert "Docs sandbox: the repo is public" in page.locator("#mcp-trifectas").inner_text()

    # the rug pull, reviewed on the server's page: the diff says what changed
    page.locator("tr.mcp-server", has_text="notes").locator("a.server-name").click()
    page.wait_for_selector("#pin-state")
    assert "rug pull" in page.locator("#pin-state").inner_text()
    assert page.locator("#diff-changes tr.change").count() >= 1
    assert page.locator("#server-findings tr.finding[data-rule='TV-MCP-RUGPULL']").count() == 1
    # the score explains itself in four parts, integrity citing the change
    parts = page.locator("#server-score tr.score-part")
    assert [parts.nth(i).get_attribute("data-part") for i in range(parts.count())] == [
        "integrity",
        "covert",
        "catalog_trust",
        "schema_stability",
    ]
    integrity = page.locator("#server-score tr.score-part[data-part='integrity']").inner_text()
    assert "/ 35" in integrity and "approv" in integrity.lower()
    screenshot(page, "mcp_demo_rug_pull")

    # after review the team approves the new definitions: the pin moves, clean again
    page.goto(f"{base}/mcp")
    page.locator("tr.mcp-server", has_text="notes").locator("button.approve").click()
    page.wait_for_selector("#pin-state:has-text('approved and unchanged')")
    page.goto(f"{base}/mcp")
    assert (
        "approved" in page.locator("tr.mcp-server", has_text="notes").locator(".pin").inner_text()
    )
    assert "rug pull" not in page.locator("#mcp-servers").inner_text()
