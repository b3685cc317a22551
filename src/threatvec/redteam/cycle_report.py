"""A learning cycle's outcome rows summed up: scenarios run, passed, failed, not run, per technique.

Input is the cycle's ``cve → rule → scenario → run → verdict`` rows as the API
returns them (``OutcomeRead`` dicts), so a client and the server count alike.
A row with a ``scenario_id`` is a generated scenario: *run* when it has a
verdict (PASS, FAIL, or INCONCLUSIVE / ERROR / NOT_APPLICABLE, which are run
but neither passed nor failed), *not run* otherwise (the agent was not
serving, the run failed or was cancelled). Rows without one are CVEs the
cycle did not turn into scenarios (not applicable, unmapped, untestable).
A scenario counts once in the totals and once under each of its techniques.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

__all__ = ["CycleTally", "TechniqueTally", "tally_outcomes", "untested_reason"]


@dataclass
class TechniqueTally:
    """Scenarios of one ATLAS technique (or the totals, with ``technique`` empty)."""

    technique: str = ""
    scenarios: int = 0
    run: int = 0
    passed: int = 0
    failed: int = 0
    not_run: int = 0

    def add(self, verdict: str | None) -> None:
        self.scenarios += 1
        if verdict is None:
            self.not_run += 1
            return
        self.run += 1
        self.passed += verdict == "PASS"
        self.failed += verdict == "FAIL"

    @property
    def other(self) -> int:
        """Run, but neither passed nor failed (inconclusive, error, not applicable)."""
        return self.run - self.passed - self.failed

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "other": self.other}


@dataclass
class CycleTally:
    totals: TechniqueTally = field(default_factory=TechniqueTally)
    techniques: list[TechniqueTally] = field(default_factory=list)  # most failed first
    not_tested: dict[str, int] = field(default_factory=dict)  # CVE decision → rows

    def as_dict(self) -> dict[str, Any]:
        totals = self.totals.as_dict()
        totals.pop("technique")
        return {
            "totals": totals,
            "techniques": [t.as_dict() for t in self.techniques],
            "not_tested": dict(self.not_tested),
        }


def tally_outcomes(outcomes: Iterable[Mapping[str, Any]]) -> CycleTally:
    """Sum a cycle's outcome rows (see the module docstring for what counts as what)."""
    totals = TechniqueTally()
    per: dict[str, TechniqueTally] = {}
    not_tested: Counter[str] = Counter()
    for row in outcomes:
        if not row.get("scenario_id"):
            not_tested[str(row.get("status"))] += 1
            continue
        verdict = row.get("verdict") if row.get("status") != "not_run" else None
        totals.add(verdict)
        for technique in row.get("techniques") or ():
            per.setdefault(technique, TechniqueTally(technique)).add(verdict)
    ordered = sorted(per.values(), key=lambda t: (-t.failed, -t.scenarios, t.technique))
    return CycleTally(totals, ordered, dict(sorted(not_tested.items())))


def untested_reason(
    *, status: str, cve_source: str, cve_count: int, agent_count: int, summary: Mapping[str, Any]
) -> str | None:
    """Why a completed cycle sent no probe, and what would change that; None if it sent one.

    A cycle that found nothing to test read "completed" with a few counters, as
    if the agents had been tested: the first cycle on a new install (no CVE
    synced) and agents that declare no components both ended that way.
    """
    if status != "completed" or summary.get("runs"):
        return None
    count = partial(_count, summary)
    if cve_count == 0:
        if cve_source == "request":
            dropped = count("not_ai_relevant_dropped")
            return f"none of the CVE records sent is AI-relevant ({dropped} dropped)"
        days = count("days") or 30
        return (
            f"no AI-relevant CVE was published or modified in the last {days} days in the CVE "
            "database: sync it from NVD (threatvec cves sync) or import a feed file "
            "(threatvec cves import FILE)"
        )
    if agent_count == 0:
        return "the organisation has no agents: register one with the SDK or add an asset"
    if count("agents_skipped") + count("agents_failed") >= agent_count:
        return (
            "no agent could be probed: give each an AgentBench target, or register it with "
            "the SDK and serve probes (tv.serve_probes)"
        )
    if count("planned"):
        if count("agents_not_serving"):
            return "the agents with scenarios were not serving probes (tv.serve_probes)"
        return None  # planned but stopped: the cycle's error says why
    applicable = count("unmapped") + count("untestable")
    if not applicable:
        return (
            f"none of the {cve_count} CVEs is in a component the agents declare: list each "
            "agent's components (the SDK's frameworks and integrations, the asset's "
            "metadata.components or the AgentBench target's components)"
        )
    parts = []
    if count("unmapped"):
        parts.append(
            f"{count('unmapped')} map to no ATLAS rule (approve a suggested mapping to test them)"
        )
    if count("untestable"):
        parts.append(f"{count('untestable')} have no probe that reaches the agents' channels")
    return "of the CVEs in the agents' components, " + "; ".join(parts)


def _count(summary: Mapping[str, Any], key: str) -> int:
    value = summary.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
