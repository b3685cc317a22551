"""The composite posture score: a weighted mean over the dimensions that have data.

    composite = Σ_{d with data} w_d · s_d / Σ_{d with data} w_d

Weights are percentages (default Agent 40, MCP 35, Shadow AI 25), validated
as non-negative and summing to 100. A dimension with no data is reported as
``no_data`` and left out; the others' weights are renormalised. If no
dimension with data has a positive weight, the composite itself is no data.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from threatvec.core.errors import FieldError, InvalidInput
from threatvec.posture.dimensions import DIMENSION_LABELS, DimensionScore
from threatvec.posture.factors import Factor, Risk, Score, round1

__all__ = [
    "DEFAULT_WEIGHTS",
    "WEIGHT_SUM",
    "PostureScore",
    "composite",
    "compute_posture",
    "effective_weights",
    "validate_weights",
]

DEFAULT_WEIGHTS: dict[str, float] = {"agent": 40.0, "mcp": 35.0, "shadow": 25.0}
WEIGHT_SUM = 100.0
_SUM_TOLERANCE = 0.01


def validate_weights(
    weights: Mapping[str, object], *, dimensions: Collection[str] = tuple(DEFAULT_WEIGHTS)
) -> dict[str, float]:
    """Exactly the known dimensions, each finite and >= 0, summing to 100; else InvalidInput."""
    errors: list[FieldError] = []
    if not isinstance(weights, Mapping):
        raise InvalidInput(("weights",), "must be an object of dimension -> weight")
    out: dict[str, float] = {}
    for key in weights:
        if key not in dimensions:
            errors.append(FieldError(("weights", str(key)), "unknown dimension"))
    for dim in dimensions:
        if dim not in weights:
            errors.append(FieldError(("weights", dim), "missing"))
            continue
        raw = weights[dim]
        # bool is an int subclass; True as a weight is a client bug, not 1
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            errors.append(FieldError(("weights", dim), "must be a number"))
            continue
        val = float(raw)
        if not math.isfinite(val):
            errors.append(FieldError(("weights", dim), "must be finite"))
        elif val < 0:
            errors.append(FieldError(("weights", dim), "must be >= 0"))
        else:
            out[dim] = val + 0.0  # -0.0 + 0.0 is 0.0: a stored "-0" would show as "weight -0"
    if not errors and abs(sum(out.values()) - WEIGHT_SUM) > _SUM_TOLERANCE:
        errors.append(
            FieldError(("weights",), f"must sum to 100 (got {round(sum(out.values()), 4):g})")
        )
    if errors:
        raise InvalidInput(errors=errors)
    return out


def effective_weights(
    values: Mapping[str, float | None], weights: Mapping[str, float]
) -> dict[str, float]:
    """Fractions (summing to 1) over dimensions with data; 0 for the rest; all 0 if none."""
    live = {d: weights.get(d, 0.0) for d, v in values.items() if v is not None}
    total = sum(live.values())
    return {d: (live[d] / total if d in live and total > 0 else 0.0) for d in values}


def composite(values: Mapping[str, float | None], weights: Mapping[str, float]) -> Score:
    """The composite score with one factor per dimension (points = effective weight × score)."""
    eff = effective_weights(values, weights)
    missing = [d for d, v in values.items() if v is None]
    parts: list[Factor] = []
    for dim, val in values.items():
        label = DIMENSION_LABELS.get(dim, dim)
        w = weights.get(dim, 0.0)
        if val is None:
            parts.append(
                Factor(
                    dim, 0.0, 0.0, f"{label}: no data — left out; weight {w:g} spread over the rest"
                )
            )
            continue
        e = eff[dim]
        parts.append(
            Factor(
                dim,
                e * val,
                e * 100.0,
                f"{label} {round1(val):g} × {e * 100:.1f}% (weight {w:g}"
                + (", renormalised)" if missing else ")"),
            )
        )
    if not any(eff.values()):
        why = (
            "no dimension has data"
            if len(missing) == len(values)
            else "the dimensions with data all have weight 0"
        )
        return Score(None, tuple(parts), why)
    detail = f"weighted over {', '.join(d for d in values if d not in missing)}"
    if missing:
        detail += f"; no data: {', '.join(missing)}"
    return Score.from_parts(parts, detail)


@dataclass(frozen=True, slots=True)
class PostureScore:
    """The composite, every dimension behind it and the weights used."""

    composite: Score
    dimensions: tuple[DimensionScore, ...]
    weights: Mapping[str, float]
    effective: Mapping[str, float] = field(default_factory=dict)

    @property
    def value(self) -> float | None:
        return self.composite.value

    @property
    def values(self) -> dict[str, float | None]:
        return {d.name: d.value for d in self.dimensions}

    def dimension(self, name: str) -> DimensionScore:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise KeyError(name)

    @property
    def risks(self) -> tuple[Risk, ...]:
        return tuple(r for d in self.dimensions for r in d.risks)

    def coverage(self) -> dict[str, Any]:
        with_data = [d.name for d in self.dimensions if not d.no_data]
        return {
            "dimensions_with_data": with_data,
            "dimensions_without_data": [d.name for d in self.dimensions if d.no_data],
            **{f"{d.name}.{k}": v for d in self.dimensions for k, v in d.coverage.items()},
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.composite.to_dict(),
            "weights": dict(self.weights),
            "effective_weights": {k: round(v, 4) for k, v in self.effective.items()},
            "dimensions": [d.to_dict() for d in self.dimensions],
            "coverage": self.coverage(),
        }


def compute_posture(
    dimension_scores: Iterable[DimensionScore] | Mapping[str, DimensionScore],
    weights: Mapping[str, float] | None = None,
) -> PostureScore:
    """Combine dimension scores into the posture; weights default to 40/35/25.

    Dimensions named in the weights but not supplied count as no data.
    """
    dims = list(
        dimension_scores.values() if isinstance(dimension_scores, Mapping) else dimension_scores
    )
    w = dict(DEFAULT_WEIGHTS if weights is None else weights)
    names = {d.name for d in dims}
    if len(names) != len(dims):
        raise ValueError("dimension names must be unique")
    for name in w:
        if name not in names:
            dims.append(DimensionScore(name, Score.missing("no provider supplied this dimension")))
    values = {d.name: d.value for d in dims}
    return PostureScore(composite(values, w), tuple(dims), w, effective_weights(values, w))
