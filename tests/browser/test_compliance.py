"""The Compliance page, the Overview pills and the downloads in a real Chromium."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.browser.conftest import screenshot
from tests.compliance.helpers import record_mcp_scan, register_agent, shadow_pii_event
from tests.conftest import Api, create_org
from threatvec.compliance.frameworks import framework_ids

pytestmark = pytest.mark.browser


def _login(page, base: str, key: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#org_key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_pills_page_exports_and_board_pack(page, client, live_server, session_factory) -> None:
    org = create_org(session_factory)
    api = Api(client, org)
    register_agent(
        api, "browser-bot", caps={"private_data": True, "untrusted_content": True,
                                  "external_comms": True}, rules=[], tools=[],
    )  # fmt: skip
    shadow_pii_event(api)
    record_mcp_scan(session_factory, org.id, poisoned=True)
    base = live_server.url
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    _login(page, base, org.key)

    # Overview: one pill per framework, each linking to its section
    pills = page.locator("#compliance-pills a.compliance-pill")
    assert pills.count() == len(framework_ids())
    summary = api.get("/compliance/summary").json()["frameworks"]
    soc2 = next(f for f in summary if f["framework"] == "soc2")
    soc2_pill = page.locator('#compliance-pills a[data-framework="soc2"]')
    assert f"{soc2['coverage_percent']:.0f}%" in soc2_pill.inner_text()
    assert "fail" in (soc2_pill.get_attribute("class") or "")  # a gap-heavy org is red

    # the Board Pack button downloads the zip
    with page.expect_download() as info:
        page.click("#board-pack button")
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as zf:
        assert any(n.endswith("/evidence/owasp-llm.json") for n in zf.namelist())
        assert any(n.endswith("/SUMMARY.md") for n in zf.namelist())

    soc2_pill.click()
    page.wait_for_url(f"{base}/compliance#fw-soc2")
    assert page.inner_text("h1") == "Compliance"
    section = page.locator("#fw-soc2")
    cc98 = section.locator('tr.control[data-control="CC9.2"]')
    assert cc98.get_attribute("data-status") == "gap"
    assert cc98.locator(".badge.fail.status").inner_text() == "gap"
    assert "HIGH risk" in cc98.locator(".reason").inner_text()
    cc66 = section.locator('tr.control[data-control="CC6.6"]')
    assert "enforcement layer" in cc66.locator(".reason").inner_text()
    # evidence opens in place and links to the API resource
    cc98.locator("details summary").click()
    link = cc98.locator("ul.evidence a").first
    assert (link.get_attribute("href") or "").startswith("/api/v1/shadow/services")

    # the page shows what the export says, control by control
    with page.expect_download() as info:
        section.locator("form.export-form button").click()
    download = info.value
    assert download.suggested_filename.startswith("threatvec-soc2-evidence-")
    exported = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    on_page = {
        row.get_attribute("data-control"): row.get_attribute("data-status")
        for row in section.locator("tr.control").all()
    }
    assert on_page == {c["control"]: c["status"] for c in exported["controls"]}

    # ATLAS: tactic roll-up, techniques folded
    atlas = page.locator("#fw-mitre-atlas")
    assert atlas.locator("table.sections tr[data-section]").count() >= 1
    assert not atlas.locator("table.controls").is_visible()
    screenshot(page, "compliance_page")
    assert not csp_errors, csp_errors
