"""Summing a learning cycle's outcome rows: what counts as run, passed, failed, not run."""

from __future__ import annotations

from typing import Any

from threatvec.redteam.cycle_report import tally_outcomes, untested_reason


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


def _reason(**kw: Any) -> str | None:
    base: dict[str, Any] = {
        "status": "completed", "cve_source": "vulns", "cve_count": 12, "agent_count": 2,
        "summary": {},
    }  # fmt: skip
    return untested_reason(**{**base, **kw})


def test_a_cycle_that_sent_no_probe_says_why_and_what_to_do() -> None:
    no_cves = _reason(cve_count=0, summary={"days": 14})
    assert no_cves and "last 14 days" in no_cves and "threatvec cves sync" in no_cves
    sent = _reason(cve_count=0, cve_source="request", summary={"not_ai_relevant_dropped": 7})
    assert sent == "none of the CVE records sent is AI-relevant (7 dropped)"
    assert "no agents" in (_reason(agent_count=0) or "")
    skipped = _reason(summary={"agents_skipped": 2, "not_applicable": 0})
    assert skipped and "AgentBench target" in skipped
    components = _reason(summary={"not_applicable": 24, "days": 30})
    assert components and "none of the 12 CVEs" in components and "components" in components
    mixed = _reason(summary={"not_applicable": 20, "unmapped": 3, "untestable": 1})
    assert mixed and "3 map to no ATLAS rule" in mixed and "1 have no probe" in mixed
    idle = _reason(summary={"planned": 2, "not_run": 4, "agents_not_serving": 1})
    assert idle and "not serving probes" in idle


def test_a_cycle_that_ran_or_has_not_ended_gives_no_reason() -> None:
    assert _reason(summary={"planned": 3, "runs": 1, "FAIL": 2}) is None
    assert _reason(status="running", cve_count=0) is None
    assert _reason(status="failed", cve_count=0) is None
    assert _reason(summary={"planned": 3}) is None  # stopped mid-way: its error says why
