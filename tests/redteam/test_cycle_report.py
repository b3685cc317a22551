"""Summing a learning cycle's outcome rows: what counts as run, passed, failed, not run."""

from __future__ import annotations

from typing import Any

from threatvec.redteam.cycle_report import tally_outcomes


def row(status: str, verdict: str | None, *techniques: str, scenario: bool = True) -> Any:
    return {"status": status, "verdict": verdict, "techniques": list(techniques),
            "scenario_id": f"CVE-1/R-1/{len(techniques)}" if scenario else None}  # fmt: skip


def test_a_scenario_counts_once_in_totals_and_once_per_technique() -> None:
    tally = tally_outcomes([
        row("planned", "PASS", "AML.T0051"),
        row("planned", "FAIL", "AML.T0051", "AML.T0053"),
        row("planned", "INCONCLUSIVE", "AML.T0053"),
        row("planned", "ERROR", "AML.T0053"),
        row("not_run", None, "AML.T0050"),
        row("not_run", "PASS", "AML.T0050"),  # a not_run row never counts as run
        row("not_applicable", None, "AML.T0051", scenario=False),
        row("unmapped", None, scenario=False),
        row("unmapped", None, scenario=False),
    ])  # fmt: skip
    t = tally.totals
    assert (t.scenarios, t.run, t.passed, t.failed, t.not_run, t.other) == (6, 4, 1, 1, 2, 2)
    per = {x.technique: (x.scenarios, x.run, x.passed, x.failed, x.not_run, x.other)
           for x in tally.techniques}  # fmt: skip
    assert per == {
        "AML.T0051": (2, 2, 1, 1, 0, 0),
        "AML.T0053": (3, 3, 0, 1, 0, 2),
        "AML.T0050": (2, 0, 0, 0, 2, 0),
    }
    # Most FAILs first, then most scenarios: where the agent is weakest leads.
    assert [x.technique for x in tally.techniques] == ["AML.T0053", "AML.T0051", "AML.T0050"]
    assert tally.not_tested == {"not_applicable": 1, "unmapped": 2}
    data = tally.as_dict()
    assert data["totals"]["other"] == 2 and "technique" not in data["totals"]
    assert data["techniques"][0] == {
        "technique": "AML.T0053", "scenarios": 3, "run": 3, "passed": 0, "failed": 1,
        "not_run": 0, "other": 2,
    }  # fmt: skip


def test_no_rows_is_an_empty_tally() -> None:
    tally = tally_outcomes([])
    assert tally.totals.scenarios == 0 and tally.techniques == [] and tally.not_tested == {}
