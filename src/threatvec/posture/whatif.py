"""What if one risk were fixed: the composite recomputed with that risk's dimension improved.

A `Risk` carries ``points_lost``: how far its dimension rises when it is fixed
(computed exactly by the dimension's own formula). The what-if replaces that
dimension's value with ``min(100, value + points_lost)``, recomputes the
composite with the same weights and reports the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from threatvec.posture.composite import PostureScore, composite
from threatvec.posture.factors import Risk, round1

__all__ = ["WhatIf", "rank_risks", "what_if_fixed"]


@dataclass(frozen=True, slots=True)
class WhatIf:
    risk: Risk
    before: float | None
    after: float | None
    dimension_before: float | None
    dimension_after: float | None

    @property
    def gain(self) -> float:
        if self.before is None or self.after is None:
            return 0.0
        return self.after - self.before

    def to_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round1(x)

        return {
            "risk": self.risk.to_dict(),
            "before": r(self.before),
            "after": r(self.after),
            "gain": round1(self.gain),
            "dimension_before": r(self.dimension_before),
            "dimension_after": r(self.dimension_after),
        }


def what_if_fixed(posture: PostureScore, risk: Risk | str) -> WhatIf:
    """The composite before and after fixing one risk (given or looked up by id)."""
    if isinstance(risk, str):
        found = next((r for r in posture.risks if r.id == risk), None)
        if found is None:
            raise KeyError(risk)
        risk = found
    values = posture.values
    dim_before = values.get(risk.dimension)
    if dim_before is None:
        # a risk in a dimension without data cannot move the composite
        return WhatIf(risk, posture.value, posture.value, None, None)
    dim_after = min(100.0, dim_before + max(0.0, risk.points_lost))
    after = composite({**values, risk.dimension: dim_after}, posture.weights).value
    return WhatIf(risk, posture.value, after, dim_before, dim_after)


def rank_risks(posture: PostureScore, limit: int = 3) -> list[WhatIf]:
    """Risks across all dimensions, largest composite gain first (ties: dimension loss, id)."""
    scored = [what_if_fixed(posture, r) for r in posture.risks]
    scored.sort(key=lambda w: (-round(w.gain, 9), -w.risk.points_lost, w.risk.id))
    return scored[:limit]
