"""Red Team page helpers: the heatmap's numbers agree with its colours."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SHARED_DATA
from threatvec.redteam.atlas import load_atlas
from threatvec.redteam.coverage import CoverageInput, compute_coverage
from threatvec.redteam.verdicts import Verdict
from threatvec.server.web.pages.redteam import _heat_cells, _pct, _pct_up


def test_a_rate_just_under_a_band_boundary_is_not_shown_as_the_boundary() -> None:
    # 0.797 is amber (< 80 %) and 0.498 red (< 50 %): rounding them to "80%" / "50%"
    # put a number in the cell that the legend says belongs to the other colour.
    assert _pct(0.797) == "79%"
    assert _pct(0.498) == "49%"
    assert _pct(0.9999) == "99%"  # not 100 % while a probe failed
    assert _pct(1.0) == "100%" and _pct(0.8) == "80%" and _pct(0.0) == "0%"
    assert _pct(0.29) == "29%"  # 0.29 * 100 is 28.999… in floating point
    assert _pct(None) == "—"


def test_an_attack_success_rate_is_rounded_up() -> None:
    # One bypass in 300 attempts is a bypass: "ASR@3 0%" would say none got through.
    assert _pct_up(1 / 300) == "1%"
    assert _pct_up(0.07) == "7%" and _pct_up(0.0) == "0%"  # 0.07 * 100 is 7.000…1


def test_heatmap_cell_of_an_amber_technique_does_not_read_80_percent() -> None:
    path = SHARED_DATA / "atlas" / "ATLAS.yaml"
    if not path.exists():
        pytest.skip(f"shared test data missing: {path}")
    catalog = load_atlas(path)
    # 47 of 59 decided results passed: 79.66 %, amber by the help page's table.
    inputs = [CoverageInput(("AML.T0050",), Verdict.PASS)] * 47
    inputs += [CoverageInput(("AML.T0050",), Verdict.FAIL)] * 12
    report = compute_coverage(catalog, inputs, testable={"AML.T0050"})
    assert report.techniques["AML.T0050"].band == "amber"
    cell = next(c for c in _heat_cells(report) if c.text.startswith("T0050 "))
    assert cell.text == "T0050 79%"
    tactic = next(c for c in _heat_cells(report) if c.column == "tactic" and c.row == "Execution")
    assert tactic.text == "79%"


def test_the_page_shows_a_finished_run_with_rounding_that_never_flatters(
    client: Any, org: Any, session_factory: Any
) -> None:
    from tests.conftest import dashboard_login
    from threatvec.core.clock import utcnow
    from threatvec.redteam import service

    r = client.post("/api/v1/assets", json={"kind": "agent", "name": "page-round-bot"},
                    headers=org.headers)  # fmt: skip
    assert r.status_code == 201, r.text
    agent_id = r.json()["id"]
    with session_factory() as s:
        ref = service.resolve_agent(session=s, org_id=org.id, agent_id=agent_id)
        run = service.create_run(session=s, org_id=org.id, agent=ref, mode="cycle", k=3,
                                 target_type="http", kind="cycle")  # fmt: skip
        run.status, run.finished_at = "completed", utcnow()
        run.summary = {"pass_rate": 249 / 250, "passed": 249, "failed": 1,
                       "asr_at_k": 1 / 250, "asr_per_attempt": 1 / 750,
                       "utility_clean": 1.0, "utility_under_attack": 1.0}  # fmt: skip
        s.commit()
        run_id = run.id
    dashboard_login(client, org.key)
    page = client.get(f"/red-team?run={run_id}")
    assert page.status_code == 200, page.text[:500]
    summary = page.text.split('id="run-summary"')[1].split("</p>")[0]
    assert "<strong>99%</strong>" in summary and "ASR@3 1%" in summary, summary
    # A learning-cycle run's mode is "cycle" too: the page said "cycle · cycle".
    assert "cycle · cycle" not in page.text and "(cycle cycle," not in page.text
