"""The enforcement factor of the Agent dimension (docs/scoring.md, "Enforcement credit").

Runtime enforcement is a guard rule in force where it matters: a gateway that
decides on an agent's high-risk tool calls does part of what the missing
rules would. So the factor earns back part of the points the fleet loses on
rule coverage, in proportion to how much of the high-risk surface it covers
and how much evidence there is that it acts:

    lost    = rule_coverage.max − rule_coverage.points        (fleet-weighted, 0–35)
    cap     = 0.5 · lost                                       (at most half of it)
    act     = 0.5 + 0.5 · min(1, blocked / 10)                 (blocked or redacted, 7 d)
    points  = cap · weighted coverage · act

The cap is carved out of the rule-coverage factor's maximum (its max becomes
``max − cap``), so the parts still sum to the value and the maxima to 100.
No enforcement data (no decision in the window, or no high-risk pair) leaves
the dimension exactly as it was. Pure: the evidence is gathered by
`threatvec.enforcement.posture`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from threatvec.posture.dimensions import RISK_LIMIT, DimensionScore
from threatvec.posture.factors import Factor, Risk, Score

__all__ = [
    "BLOCKED_FOR_FULL_CREDIT",
    "CREDIT_SHARE",
    "RISK_ID",
    "EnforcementEvidence",
    "apply_enforcement",
]

CREDIT_SHARE = 0.5
BLOCKED_FOR_FULL_CREDIT = 10
RISK_ID = "enforcement:uncovered"


@dataclass(frozen=True, slots=True)
class EnforcementEvidence:
    """What the gap scan says, in the terms the rule needs."""

    pairs: int  # high-risk agent-tool pairs
    covered: int
    weighted_coverage: float  # 0–1, critical pairs counted twice
    blocked: int  # blocked or redacted decisions in the window
    uncovered_agents: tuple[str, ...] = ()  # agent ids, most uncovered weight first


def _activity(blocked: int) -> float:
    return 0.5 + 0.5 * min(1.0, max(0, blocked) / BLOCKED_FOR_FULL_CREDIT)


def apply_enforcement(dim: DimensionScore, ev: EnforcementEvidence | None) -> DimensionScore:
    """The Agent dimension with the enforcement factor (unchanged without enforcement data)."""
    if ev is None or ev.pairs <= 0 or dim.no_data or dim.name != "agent":
        return dim
    try:
        rc = dim.score.part("rule_coverage")
    except KeyError:
        return dim
    lost = max(0.0, rc.max_points - rc.points)
    cap = CREDIT_SHARE * lost
    act = _activity(ev.blocked)
    coverage = min(1.0, max(0.0, ev.weighted_coverage))
    points = cap * coverage * act
    detail = (
        f"{ev.covered} of {ev.pairs} high-risk agent-tool pairs covered by an enforcement layer "
        f"(weighted {coverage:.0%}); {ev.blocked} blocked or redacted in 7 d "
        f"(evidence x{act:.2f}); earns up to half of the {lost:.1f} rule-coverage points lost"
    )
    parts: list[Factor] = []
    for p in dim.score.parts:
        if p.name == "rule_coverage":
            p = replace(
                p,
                max_points=p.max_points - cap,
                detail=p.detail + f"; {cap:.1f} of its points can be earned by enforcement",
            )
        parts.append(p)
    parts.append(Factor("enforcement", points, cap, detail, ev.uncovered_agents[:10]))
    risks = list(dim.risks)
    gain = cap * act - points  # what full coverage would add
    if gain > 1e-9 and ev.pairs > ev.covered:
        risks.append(
            Risk(
                RISK_ID,
                "agent",
                f"{ev.pairs - ev.covered} high-risk agent-tool pair(s) without runtime enforcement",
                "Route these agents' tool calls through an enforcement layer (gateway, guardrail "
                "or DLP) that reports to POST /api/v1/enforcement/webhook; see the gap scan",
                gain,
                ev.uncovered_agents[:10],
                detail,
            )
        )
        risks.sort(key=lambda r: (-r.points_lost, r.id))
    score = Score.from_parts(parts, dim.score.detail)
    return DimensionScore(
        dim.name,
        score,
        tuple(risks[:RISK_LIMIT]),
        {**dim.coverage, "enforcement_pairs": ev.pairs, "enforcement_covered": ev.covered},
        dim.label,
    )
