"""Pydantic shapes of the posture API: the explained posture, history, brief, weights, advice."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from threatvec.posture.advisor import Advice
from threatvec.posture.brief import Brief
from threatvec.posture.factors import round1
from threatvec.posture.models import PostureSnapshot, PostureWeightChange
from threatvec.posture.service import CurrentPosture

__all__ = [
    "AdviceRead",
    "BriefRead",
    "DimensionRead",
    "FactorRead",
    "HistoryPointRead",
    "HistoryRead",
    "PostureRead",
    "RankedRiskRead",
    "RiskRead",
    "WeightChangeRead",
    "WeightsRead",
    "WeightsUpdate",
]

_FACTOR: JsonDict = {
    "name": "rule_coverage",
    "points": 21.4,
    "max_points": 35.0,
    "detail": "3 of 5 agent(s) below full marks on rule coverage",
    "objects": ["3f2b9c0d8e7a4b6c9d1e2f3a4b5c6d7e"],
}
_RISK: JsonDict = {
    "id": "agent:3f2b9c0d8e7a4b6c9d1e2f3a4b5c6d7e:rule_coverage",
    "dimension": "agent",
    "title": "Agent billing-bot (3 trifecta leg(s) — full lethal trifecta) runs 2 of 7 "
    "recommended guard rules",
    "action": "Enable prompt_injection_guard, tool_allowlist on agent billing-bot",
    "points_lost": 20.8,
    "objects": ["3f2b9c0d8e7a4b6c9d1e2f3a4b5c6d7e"],
    "detail": "missing: prompt_injection_guard, tool_allowlist",
}
_DIMENSION: JsonDict = {
    "name": "agent",
    "label": "Agents",
    "value": 64.8,
    "status": "ok",
    "detail": "2 agent(s), weighted by trifecta legs (weights 1/2/3/5); full trifecta: 1",
    "parts": [_FACTOR],
    "top_factor": _FACTOR,
    "coverage": {"agents": 2, "full_trifecta": 1},
    "risks": [_RISK],
}
_POSTURE: JsonDict = {
    "snapshot_id": "9a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "computed_at": "2026-11-25T10:00:00Z",
    "trigger": "change",
    "value": 69.2,
    "status": "ok",
    "detail": "weighted over agent, mcp, shadow",
    "parts": [
        {
            "name": "agent",
            "points": 25.9,
            "max_points": 40.0,
            "detail": "Agents 64.8 × 40.0% (weight 40)",
            "objects": [],
        }
    ],
    "weights": {"agent": 40.0, "mcp": 35.0, "shadow": 25.0},
    "effective_weights": {"agent": 0.4, "mcp": 0.35, "shadow": 0.25},
    "dimensions": [_DIMENSION],
    "coverage": {"dimensions_with_data": ["agent"], "dimensions_without_data": []},
    "change_24h": 1.5,
    "change_7d": -3.0,
    "top_risks": [
        {
            "rank": 1,
            "risk": _RISK,
            "gain": 8.3,
            "before": 69.2,
            "after": 77.5,
            "dimension_before": 64.8,
            "dimension_after": 85.6,
        }
    ],
}


class FactorRead(BaseModel):
    name: str
    points: float
    max_points: float
    detail: str
    objects: list[str]


class RiskRead(BaseModel):
    id: str
    dimension: str
    title: str
    action: str
    points_lost: float = Field(description="Dimension points recovered by fixing it")
    objects: list[str]
    detail: str


class DimensionRead(BaseModel):
    name: str
    label: str
    value: float | None
    status: Literal["ok", "no_data"]
    detail: str
    parts: list[FactorRead]
    top_factor: FactorRead | None
    coverage: dict[str, int]
    risks: list[RiskRead]


class RankedRiskRead(BaseModel):
    rank: int
    risk: RiskRead
    gain: float = Field(description="Composite points gained by fixing it (what-if)")
    before: float | None
    after: float | None
    dimension_before: float | None
    dimension_after: float | None


class PostureRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_POSTURE]})

    snapshot_id: str
    computed_at: datetime
    trigger: str
    value: float | None = Field(description="The composite 0–100; null when no dimension has data")
    status: Literal["ok", "no_data"]
    detail: str
    parts: list[FactorRead] = Field(description="One factor per dimension; they sum to the value")
    weights: dict[str, float]
    effective_weights: dict[str, float]
    dimensions: list[DimensionRead]
    coverage: dict[str, Any]
    change_24h: float | None
    change_7d: float | None
    top_risks: list[RankedRiskRead]

    @classmethod
    def of(cls, cur: CurrentPosture) -> PostureRead:
        p, snap = cur.posture, cur.snapshot
        body = p.to_dict()
        return cls(
            snapshot_id=snap.id,
            computed_at=snap.computed_at,
            trigger=snap.trigger,
            **body,
            **cur.trend.to_dict(),
            top_risks=[RankedRiskRead(rank=i, **w.to_dict()) for i, w in enumerate(cur.top, 1)],
        )


class HistoryPointRead(BaseModel):
    snapshot_id: str
    computed_at: datetime
    trigger: str
    value: float | None
    values: dict[str, float | None]

    @classmethod
    def of(cls, s: PostureSnapshot) -> HistoryPointRead:
        return cls(
            snapshot_id=s.id,
            computed_at=s.computed_at,
            trigger=s.trigger,
            value=None if s.composite is None else round1(s.composite),
            values={k: None if v is None else round1(float(v)) for k, v in s.values.items()},
        )


class HistoryRead(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "from": "2026-11-18T10:00:00Z",
                    "to": "2026-11-25T10:00:00Z",
                    "items": [
                        {
                            "snapshot_id": "9a1b2c3d4e5f60718293a4b5c6d7e8f9",
                            "computed_at": "2026-11-25T09:00:00Z",
                            "trigger": "schedule",
                            "value": 69.2,
                            "values": {"agent": 64.8, "mcp": 74.7, "shadow": None},
                        }
                    ],
                }
            ]
        },
    )

    from_: datetime = Field(alias="from", serialization_alias="from")
    to: datetime
    items: list[HistoryPointRead]


class BriefRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "snapshot_id": "9a1b2c3d4e5f60718293a4b5c6d7e8f9",
                    "computed_at": "2026-11-25T10:00:00Z",
                    "text": "Your AI security posture is 69.2/100, up 1.5 points over 24 hours "
                    "and down 3.0 points over 7 days.",
                    "source": "deterministic",
                    "llm_rejected": None,
                    "facts": {"score": 69.2, "top_risks": [], "action": None},
                }
            ]
        }
    )

    snapshot_id: str
    computed_at: datetime
    text: str
    source: Literal["deterministic", "llm"]
    llm_rejected: str | None = Field(description="Why the LLM's wording was not used, if not")
    facts: dict[str, Any] = Field(description="Everything the brief may say (the LLM sees this)")

    @classmethod
    def of(cls, snap: PostureSnapshot, b: Brief) -> BriefRead:
        return cls(
            snapshot_id=snap.id,
            computed_at=snap.computed_at,
            text=b.text,
            source=b.source,  # type: ignore[arg-type]
            llm_rejected=b.llm_rejected,
            facts=b.facts,
        )


class WeightChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    changed_at: datetime
    changed_by: str
    previous: dict[str, float]
    weights: dict[str, float]
    note: str | None


_WEIGHTS: JsonDict = {"agent": 40.0, "mcp": 35.0, "shadow": 25.0}


class WeightsRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "weights": {"agent": 50.0, "mcp": 30.0, "shadow": 20.0},
                    "defaults": _WEIGHTS,
                    "is_default": False,
                    "changes": [
                        {
                            "changed_at": "2026-11-25T10:00:00Z",
                            "changed_by": "key:acme",
                            "previous": _WEIGHTS,
                            "weights": {"agent": 50.0, "mcp": 30.0, "shadow": 20.0},
                            "note": "agents carry most of our risk",
                        }
                    ],
                    "value": 68.4,
                    "snapshot_id": "9a1b2c3d4e5f60718293a4b5c6d7e8f9",
                }
            ]
        }
    )

    weights: dict[str, float]
    defaults: dict[str, float]
    is_default: bool
    changes: list[WeightChangeRead] = Field(description="The latest changes, newest first")
    value: float | None = Field(
        default=None, description="After a PUT: the composite recomputed with the new weights"
    )
    snapshot_id: str | None = None

    @staticmethod
    def changes_of(rows: list[PostureWeightChange]) -> list[WeightChangeRead]:
        return [WeightChangeRead.model_validate(r) for r in rows]


class WeightsUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "weights": {"agent": 50, "mcp": 30, "shadow": 20},
                    "note": "agents carry most of our risk",
                }
            ]
        },
    )

    # values are checked by validate_weights (numbers ≥ 0, sum 100) with a location per error
    weights: dict[str, Any] = Field(description="agent, mcp and shadow: non-negative, sum 100")
    note: str | None = Field(default=None, max_length=500)


class AdviceRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "suggested": {"agent": 48.0, "mcp": 22.0, "shadow": 30.0},
                    "current": _WEIGHTS,
                    "differs_from_current": True,
                    "reasons": [
                        "Start from the defaults: Agents 40, MCP servers 35, Shadow AI 25.",
                        "MCP servers −10: only 2 server(s) in use.",
                    ],
                    "profile": {"agents": 2, "mcp_servers": 2, "shadow_services": 4},
                    "applied": False,
                }
            ]
        }
    )

    suggested: dict[str, float]
    current: dict[str, float]
    differs_from_current: bool
    reasons: list[str]
    profile: dict[str, int]
    applied: bool = Field(description="Always false: advice is applied only by a PUT")

    @classmethod
    def of(cls, a: Advice) -> AdviceRead:
        return cls.model_validate(a.to_dict())
