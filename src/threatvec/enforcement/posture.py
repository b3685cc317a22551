"""The Agent dimension with enforcement evidence: the built-in provider, then the credit.

`threatvec.posture.builtin` tries this module first for the "agent" dimension;
it wraps whichever provider comes next in that list (the agents domain's, or
the posture engine's fallback) and applies `posture.enforcement.apply_enforcement`
with evidence from the gap scan. An org with no enforcement decision in the
window costs one indexed query and gets the inner dimension unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from threatvec.enforcement import gaps, service
from threatvec.posture.builtin import BUILTIN_PROVIDERS, LazyProvider
from threatvec.posture.dimensions import DimensionScore
from threatvec.posture.enforcement import EnforcementEvidence, apply_enforcement

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["AgentProvider", "evidence"]


def evidence(*, session: Session, org_id: str, now: datetime) -> EnforcementEvidence | None:
    """The gap scan as posture evidence; None when there is no enforcement data."""
    if not service.has_recent_decisions(session=session, org_id=org_id, now=now):
        return None
    result = gaps.scan(session=session, org_id=org_id, now=now)
    if not result.pairs:
        return None
    weight: dict[str, int] = {}
    for p in result.uncovered:
        weight[p.agent_id] = weight.get(p.agent_id, 0) + p.weight
    return EnforcementEvidence(
        pairs=len(result.pairs),
        covered=result.covered,
        weighted_coverage=result.weighted_coverage or 0.0,
        blocked=result.blocked_7d,
        uncovered_agents=tuple(sorted(weight, key=lambda a: (-weight[a], a))),
    )


class AgentProvider:
    """The "agent" dimension: the next built-in provider's, plus the enforcement factor."""

    name = "agent"

    def __init__(self) -> None:
        others = tuple(c for c in BUILTIN_PROVIDERS["agent"] if c[0] != __name__)
        self.inner = LazyProvider("agent", others)

    def compute(self, *, session: Session, org_id: str, now: datetime) -> DimensionScore:
        dim = self.inner.compute(session=session, org_id=org_id, now=now)
        return apply_enforcement(dim, evidence(session=session, org_id=org_id, now=now))

    def compute_incremental(
        self, *, session: Session, org_id: str, now: datetime, changed: frozenset[str]
    ) -> DimensionScore:
        dim = self.inner.compute_incremental(
            session=session, org_id=org_id, now=now, changed=changed
        )
        return apply_enforcement(dim, evidence(session=session, org_id=org_id, now=now))
