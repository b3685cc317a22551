"""Agent fleet API shapes: a posture card per agent, and the detail with every number's why."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from threatvec.agents.service import AgentView
from threatvec.core.pagination import Page

__all__ = [
    "AgentCardRead",
    "AgentDetailRead",
    "AgentPage",
    "AgentStatus",
    "TrifectaRisk",
    "card_from_view",
]

AgentStatus = Literal["active", "stale", "offline", "never_reported"]
TrifectaRisk = Literal["low", "medium", "high", "maximum"]
AgentSource = Literal["sdk", "otlp"]

_CARD_EXAMPLE: dict[str, Any] = {
    "id": "5c0f3e2a9b8d4c7e8f1a2b3c4d5e6f70",
    "name": "support-bot",
    "status": "active",
    "source": "sdk",
    "approved": True,
    "asset_id": "3f2b9c0d8e7a4b6c9d1e2f3a4b5c6d7e",
    "registered": True,
    "reported": True,
    "first_seen": "2026-11-20T09:00:00Z",
    "last_seen": "2026-11-25T20:30:00Z",
    "score": 71.4,
    "trust_score": 86.2,
    "rule_count": 3,
    "rules_recommended": 6,
    "rule_coverage": 0.5,
    "missing_rules": ["egress_allowlist", "output_filtering", "tool_allowlist"],
    "trifecta_risk": "maximum",
    "trifecta_legs": ["private_data", "untrusted_content", "external_comms"],
    "drift": 0.12,
    "events_total": 1840,
}


class AgentCardRead(BaseModel):
    """The posture card: score, rules, trust, status and lethal-trifecta risk."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CARD_EXAMPLE]})

    id: str = Field(description="The agent id; the asset id while the agent has never reported")
    name: str
    status: AgentStatus = Field(
        description="never_reported: registered in the assets registry, no telemetry yet"
    )
    source: AgentSource | None = Field(description="How it reports; null if it never has")
    approved: bool = Field(description="Approved in the assets registry")
    asset_id: str | None
    registered: bool = Field(
        description="Registered itself through the SDK (agent.register). Not the assets "
        "registry: an agent registered there that has not reported is false (see `reported`)"
    )
    reported: bool = Field(
        description="Has sent telemetry (SDK or OpenTelemetry); false while never_reported"
    )
    first_seen: datetime | None = Field(description="First report; null if it never reported")
    last_seen: datetime | None = Field(description="Latest report; null if it never reported")
    score: float = Field(description="Agent score 0–100 (docs/scoring.md)")
    trust_score: float = Field(description="Trust score 0–100")
    rule_count: int = Field(description="Known guard rules in force")
    rules_recommended: int
    rule_coverage: float = Field(description="Recommended rules in force, 0–1")
    missing_rules: list[str]
    trifecta_risk: TrifectaRisk | None = Field(
        description="low / medium / high / maximum for 0–3 legs present; null while the "
        "agent has never reported (its legs are unknown, not absent)"
    )
    trifecta_legs: list[str]
    drift: float | None = Field(description="0–1; null until there is a baseline")
    events_total: int


class AgentPage(Page[AgentCardRead]):
    pass


def _source(value: str | None) -> AgentSource:
    return "otlp" if value == "otlp" else "sdk"


def card_from_view(view: AgentView) -> dict[str, Any]:
    a, s = view.agent, view.score
    return {
        "id": a.id,
        "name": a.name,
        "status": view.status,
        "source": _source(a.source) if a.reported else None,
        "approved": view.approved,
        "asset_id": a.asset_id,
        "registered": bool(a.registered),
        "reported": a.reported,
        "first_seen": a.first_seen,
        "last_seen": a.last_seen,
        "score": round(s.value, 1),
        "trust_score": round(s.trust.value, 1),
        "rule_count": s.coverage.rule_count,
        "rules_recommended": len(s.coverage.recommended),
        "rule_coverage": round(s.coverage.ratio, 3),
        "missing_rules": list(s.coverage.missing),
        "trifecta_risk": s.trifecta.risk,
        "trifecta_legs": sorted(s.trifecta.present),
        "drift": None if s.drift.value is None else round(s.drift.value, 3),
        "events_total": int(a.events_total or 0),
    }


class FactorRead(BaseModel):
    name: str
    points: float
    max_points: float
    detail: str
    objects: list[str] = []


class ScoreRead(BaseModel):
    value: float | None
    status: str
    detail: str
    parts: list[FactorRead]


class LegRead(BaseModel):
    leg: str
    present: bool | None = Field(description="null = unknown (the agent never reported)")
    declared: bool | None = Field(description="What the agent declared; null = not declared")
    evidence: list[str] = Field(description="declared, tool:<name>, destination:<host>")


class TrifectaRead(BaseModel):
    legs: list[LegRead]
    count: int
    full: bool
    risk: TrifectaRisk | None = Field(description="null while the agent has never reported")


class ChangeRead(BaseModel):
    facet: str
    item: str
    kind: Literal["new", "gone"]


class DriftRead(BaseModel):
    value: float | None
    facets: dict[str, float]
    changes: list[ChangeRead] = Field(description="New never-seen items first, then gone ones")


class MissingRuleRead(BaseModel):
    id: str
    name: str
    because: list[str]


class RulesRead(BaseModel):
    in_force: list[str]
    missing: list[str]
    missing_named: list[MissingRuleRead]
    extra: list[str]
    unknown: list[str]
    recommended: dict[str, list[str]] = Field(description="Recommended rule → why")
    ratio: float
    rule_count: int


class UsedRead(BaseModel):
    name: str
    count: int = Field(description="Uses over the baseline and recent windows")
    recent: int = Field(description="Uses in the recent window")
    last_seen: datetime | None
    kinds: list[str] | None = None
    external: bool | None = None


class InstanceRead(BaseModel):
    instance_id: str
    parent_instance_id: str | None
    hostname: str | None
    pid: int | None
    sdk_version: str | None
    first_seen: datetime
    last_seen: datetime
    dropped: dict[str, int]


class EventsLostRead(BaseModel):
    """Events the agent's SDK reported lost (its ``dropped`` counters), over all instances."""

    total: int
    by_reason: dict[str, int]
    instances: int = Field(description="Instances that reported, all of them counted")


class EventRead(BaseModel):
    event_id: str
    type: str
    ts: datetime
    source: str | None
    outcome: str | None
    subject: str | None
    destination: str | None
    flags: list[str]


class ActivityRead(BaseModel):
    clean: int
    pii: int
    injection: int
    secrets: int
    blocked: int
    errors: int


class DeclaredRead(BaseModel):
    capabilities: dict[str, bool]
    rules: list[str]
    frameworks: list[dict[str, Any]]
    integrations: list[str]
    sdk_version: str | None
    hostname: str | None
    heartbeat_interval_s: float | None
    capture_content: bool


class AgentDetailRead(AgentCardRead):
    """One agent: card, declarations, evidence, usage, instances, recent events, explanations."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_CARD_EXAMPLE,
                    "declared": {
                        "capabilities": {"private_data": True},
                        "rules": ["pii_redaction", "token_budget", "prompt_injection_guard"],
                        "frameworks": [{"name": "openai", "version": "1.51.0"}],
                        "integrations": ["openai"],
                        "sdk_version": "0.1.0",
                        "hostname": "support-1",
                        "heartbeat_interval_s": 30.0,
                        "capture_content": False,
                    },
                    "score_parts": [
                        {
                            "name": "rule_coverage",
                            "points": 17.5,
                            "max_points": 35,
                            "detail": "3 of 6 recommended rules in force",
                            "objects": [],
                        }
                    ],
                    "trust": {"value": 86.2, "status": "ok", "detail": "", "parts": []},
                    "trifecta": {
                        "legs": [
                            {
                                "leg": "private_data",
                                "present": True,
                                "declared": True,
                                "evidence": ["declared", "tool:crm_lookup"],
                            }
                        ],
                        "count": 3,
                        "full": True,
                        "risk": "maximum",
                    },
                    "drift_detail": {
                        "value": 0.12,
                        "facets": {"tools": 0.2},
                        "changes": [{"facet": "tools", "item": "send_email", "kind": "new"}],
                    },
                    "rules": {
                        "in_force": ["pii_redaction"],
                        "missing": ["egress_allowlist"],
                        "missing_named": [
                            {
                                "id": "egress_allowlist",
                                "name": "Egress allowlist",
                                "because": ["leg:external_comms"],
                            }
                        ],
                        "extra": [],
                        "unknown": [],
                        "recommended": {"pii_redaction": ["leg:private_data"]},
                        "ratio": 0.5,
                        "rule_count": 3,
                    },
                    "activity": {
                        "clean": 1700,
                        "pii": 12,
                        "injection": 2,
                        "secrets": 0,
                        "blocked": 1,
                        "errors": 5,
                    },
                    "tools": [
                        {
                            "name": "crm_lookup",
                            "count": 900,
                            "recent": 40,
                            "last_seen": "2026-11-25T20:30:00Z",
                            "kinds": ["private_data"],
                        }
                    ],
                    "models": [],
                    "providers": [],
                    "destinations": [
                        {
                            "name": "hooks.slack.com",
                            "count": 12,
                            "recent": 2,
                            "last_seen": "2026-11-25T20:00:00Z",
                            "external": True,
                        }
                    ],
                    "mcp_servers": [],
                    "instances": [],
                    "events_lost": {"total": 0, "by_reason": {}, "instances": 0},
                    "recent_events": [
                        {
                            "event_id": "4b2a8c0d9e1f4a3b8c7d6e5f4a3b2c1d",
                            "type": "tool.call",
                            "ts": "2026-11-25T20:30:00Z",
                            "source": "manual",
                            "outcome": "ok",
                            "subject": "crm_lookup",
                            "destination": None,
                            "flags": [],
                        }
                    ],
                    "explanation": {"score": "agent score 71.4 = sum of its parts: ..."},
                }
            ]
        }
    )

    declared: DeclaredRead
    score_parts: list[FactorRead]
    trust: ScoreRead
    trifecta: TrifectaRead
    drift_detail: DriftRead
    rules: RulesRead
    activity: ActivityRead
    tools: list[UsedRead]
    models: list[UsedRead]
    providers: list[UsedRead]
    destinations: list[UsedRead]
    mcp_servers: list[UsedRead]
    instances: list[InstanceRead]
    events_lost: EventsLostRead
    recent_events: list[EventRead]
    explanation: dict[str, str] = Field(description="Why each number on the card is what it is")
