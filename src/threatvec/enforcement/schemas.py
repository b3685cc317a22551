"""Request and response shapes: sources, the webhook's event batch, events, stats, gap scan.

The webhook event is validated one by one (a bad event never costs its
neighbours their place); unknown fields are dropped, free text is capped and
identifiers that do not fit are refused, so nothing beyond the declared fields
is ever stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from threatvec.core.pagination import Page

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "KINDS",
    "SEVERITIES",
    "Action",
    "Category",
    "CountRead",
    "EventPage",
    "EventRead",
    "GapPairRead",
    "GapScanRead",
    "RejectedEvent",
    "SecurityEventPage",
    "SecurityEventRead",
    "SourceCreate",
    "SourceCreated",
    "SourceKind",
    "SourcePage",
    "SourceRead",
    "SourceRotate",
    "SourceUpdate",
    "StatsRead",
    "WebhookBatchDoc",
    "WebhookEvent",
    "WebhookResult",
]

Action = Literal["blocked", "allowed", "redacted", "flagged"]
Category = Literal["prompt_injection", "tool_policy", "sensitive_data", "jailbreak", "other"]
Severity = Literal["info", "low", "medium", "high", "critical"]
SourceKind = Literal["gateway", "guardrail", "dlp", "snapper", "generic"]
ACTIONS: tuple[str, ...] = ("blocked", "allowed", "redacted", "flagged")
CATEGORIES: tuple[str, ...] = (
    "prompt_injection",
    "tool_policy",
    "sensitive_data",
    "jailbreak",
    "other",
)
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
KINDS: tuple[str, ...] = ("gateway", "guardrail", "dlp", "snapper", "generic")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
EventId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")
]
Ident = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
REASON_MAX = 500
POLICY_NAME_MAX = 200


def _cap(value: Any, limit: int) -> Any:
    # Free text is shortened rather than refused: a verbose reason is still a good event.
    if isinstance(value, str):
        value = " ".join(value.split())
        return value[:limit] or None
    return value


_SOURCE_EXAMPLE: dict[str, Any] = {
    "id": "5b1f0c2e9d8a4b7c8e6f1a2b3c4d5e6f",
    "name": "Agent gateway (prod)",
    "kind": "gateway",
    "enabled": True,
    "secret_hint": "tves_Q3xa",
    "created_at": "2026-11-25T09:00:00Z",
    "created_by": "key:Acme",
    "rotated_at": None,
    "previous_valid_until": None,
    "last_event_at": "2026-11-25T10:15:02Z",
    "events_total": 1204,
}
_EVENT_EXAMPLE: dict[str, Any] = {
    "id": 81,
    "source_id": "5b1f0c2e9d8a4b7c8e6f1a2b3c4d5e6f",
    "event_id": "gw-7f3a9c",
    "ts": "2026-11-25T10:15:00Z",
    "received_at": "2026-11-25T10:15:02Z",
    "action": "blocked",
    "category": "tool_policy",
    "severity": "high",
    "agent": "support-bot",
    "agent_id": "1f83fa5f2d9f4b96a24c81c8e135b15e",
    "tool": "send_email",
    "mcp_server": "crm-tools",
    "policy_id": "no-external-email",
    "policy_name": "No e-mail outside the company",
    "reason": "recipient domain not on the allowlist",
}
_PAIR_EXAMPLE: dict[str, Any] = {
    "agent_id": "d2ecab8adc944ac6be04d0d19927f9f1",
    "agent_name": "ops-runbook",
    "tool": "run_shell",
    "mcp_server": None,
    "risk": "high",
    "weight": 1,
    "reasons": ["runs code"],
    "covered": False,
    "coverage": "none",
    "last_decision_at": None,
    "decisions": 0,
    "blocked": 0,
    "sources": [],
}

# ── sources ─────────────────────────────────────────────────────────────────


class SourceCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Agent gateway (prod)", "kind": "gateway"}]},
    )

    name: Name
    kind: SourceKind = "generic"


class SourceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"enabled": False}]})

    name: Name | None = None
    enabled: bool | None = None


class SourceRotate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"grace_minutes": 0}]}
    )

    grace_minutes: int = Field(
        default=0,
        ge=0,
        le=1440,
        description="How long the previous secret stays valid (0: revoked at once)",
    )


class SourceRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [_SOURCE_EXAMPLE]}
    )

    id: str
    name: str
    kind: str
    enabled: bool
    secret_hint: str = Field(description="The first characters of the secret, to tell them apart")
    created_at: datetime
    created_by: str
    rotated_at: datetime | None
    previous_valid_until: datetime | None
    last_event_at: datetime | None
    events_total: int


class SourceCreated(SourceRead):
    """A new (or rotated) source with its signing secret: shown this once, never again."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_SOURCE_EXAMPLE,
                    "last_event_at": None,
                    "events_total": 0,
                    "secret": "tves_Q3xa...",
                    "webhook_path": "/api/v1/enforcement/webhook",
                }
            ]
        }
    )

    secret: str = Field(description="Signing secret; store it now, it is not shown again")
    webhook_path: str = "/api/v1/enforcement/webhook"
    webhook_url: str | None = Field(
        default=None,
        description="When THREATVEC_PUBLIC_URL is set: the full URL to post to (the public URL "
        "+ webhook_path); null otherwise",
    )


SourcePage = Page[SourceRead]


# ── the webhook ────────────────────────────────────────────────────────────


class WebhookEvent(BaseModel):
    """One decision of an enforcement layer. Unknown fields are dropped, never stored."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "event_id": "gw-7f3a9c",
                    "time": "2026-11-25T10:15:00Z",
                    "action": "blocked",
                    "category": "tool_policy",
                    "agent": "support-bot",
                    "tool": "send_email",
                    "mcp_server": "crm-tools",
                    "policy_id": "no-external-email",
                    "policy_name": "No e-mail outside the company",
                    "reason": "recipient domain not on the allowlist",
                    "severity": "high",
                }
            ]
        },
    )

    event_id: EventId = Field(description="Unique per source; a re-sent id is a duplicate")
    time: datetime = Field(description="When the decision was made (RFC 3339 with a zone)")
    action: Action
    category: Category
    agent: Ident = Field(description="Agent name or ThreatVec agent id")
    tool: Ident | None = None
    mcp_server: Ident | None = None
    policy_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = (
        None
    )
    policy_name: str | None = Field(default=None, description=f"Capped at {POLICY_NAME_MAX}")
    reason: str | None = Field(default=None, description=f"Capped at {REASON_MAX} characters")
    severity: Severity = "medium"

    @field_validator(
        "agent", "tool", "mcp_server", "policy_id", "policy_name", "reason", mode="before"
    )
    @classmethod
    def _no_nul(cls, v: Any) -> Any:
        # PostgreSQL stores no NUL: left in, it failed the whole batch's insert (a 422 for
        # every event of it) where SQLite stored it. Refused here, it costs only its event.
        if isinstance(v, str) and "\x00" in v:
            raise ValueError("must not contain NUL (\\x00) characters")
        return v

    @field_validator("time")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("time needs a timezone (e.g. a trailing Z)")
        return v

    @field_validator("policy_name", mode="before")
    @classmethod
    def _cap_policy(cls, v: Any) -> Any:
        return _cap(v, POLICY_NAME_MAX)

    @field_validator("reason", mode="before")
    @classmethod
    def _cap_reason(cls, v: Any) -> Any:
        return _cap(v, REASON_MAX)


class WebhookBatchDoc(BaseModel):
    """The webhook body: a batch of 1–500 events (a single event object is accepted too)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"events": WebhookEvent.model_config["json_schema_extra"]["examples"]}]  # type: ignore[index]
        }
    )

    events: list[WebhookEvent] = Field(min_length=1, max_length=500)


class RejectedEvent(BaseModel):
    index: int
    event_id: str
    reason: str


class WebhookResult(BaseModel):
    """Every event of the request in exactly one list (by index for the rejected ones)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "source_id": "5b1f0c2e9d8a4b7c8e6f1a2b3c4d5e6f",
                    "accepted": ["gw-7f3a9c"],
                    "duplicates": [],
                    "rejected": [{"index": 1, "event_id": "gw-7f3a9d", "reason": "action: ..."}],
                }
            ]
        }
    )

    source_id: str
    accepted: list[str]
    duplicates: list[str]
    rejected: list[RejectedEvent]


# ── events and stats ──────────────────────────────────────────────────────


class EventRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [_EVENT_EXAMPLE]}
    )

    id: int
    source_id: str
    event_id: str
    ts: datetime
    received_at: datetime
    action: str
    category: str
    severity: str
    agent: str
    agent_id: str | None
    tool: str | None
    mcp_server: str | None
    policy_id: str | None
    policy_name: str | None
    reason: str | None


EventPage = Page[EventRead]


class SecurityEventRead(BaseModel):
    """A security or threat-engine event Snapper reported (docs/enforcement.md §7)."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "source_id": "5b1f0c9e2d3a4b6c8e7f9a0b1c2d3e4f",
                    "event_id": "snapper:threat_kill_chain_completed:9f2c4e1a",
                    "event": "threat_kill_chain_completed",
                    "ts": "2026-11-27T10:15:00Z",
                    "received_at": "2026-11-27T10:15:01Z",
                    "severity": "critical",
                    "agent": "coder-bot",
                    "threat_type": "data_exfiltration",
                    "threat_score": None,
                    "rule_id": None,
                    "message": "Kill chain 'data_exfiltration' completed (score boost +55)",
                }
            ]
        },
    )

    id: int
    source_id: str
    event_id: str
    event: str = Field(description="Snapper's audit action, e.g. threat_kill_chain_completed")
    ts: datetime = Field(description="When Snapper saw it")
    received_at: datetime
    severity: str
    agent: str
    threat_type: str | None = Field(description="The threat type or the completed kill chain")
    threat_score: float | None = Field(description="The agent's threat score (0-100), if sent")
    rule_id: str | None
    message: str | None = Field(description="Secrets masked; withheld when it holds PII")


SecurityEventPage = Page[SecurityEventRead]


class CountRead(BaseModel):
    key: str
    last_24h: int
    last_7d: int


class StatsRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "generated_at": "2026-11-25T10:20:00Z",
                    "total_24h": 3,
                    "total_7d": 11,
                    "by_action": [{"key": "blocked", "last_24h": 2, "last_7d": 6}],
                    "by_category": [{"key": "tool_policy", "last_24h": 2, "last_7d": 7}],
                    "by_agent": [{"key": "support-bot", "last_24h": 2, "last_7d": 5}],
                }
            ]
        }
    )

    generated_at: datetime
    total_24h: int
    total_7d: int
    by_action: list[CountRead]
    by_category: list[CountRead]
    by_agent: list[CountRead] = Field(description="By agent name as reported (top 50 over 7 d)")


# ── gap scan ──────────────────────────────────────────────────────────────


class GapPairRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_PAIR_EXAMPLE]})

    agent_id: str
    agent_name: str
    tool: str
    mcp_server: str | None
    risk: Literal["critical", "high"]
    weight: int
    reasons: list[str]
    covered: bool
    coverage: Literal["tool", "agent", "none"] = Field(
        description="tool: a decision named this tool; agent: an agent-wide decision; none"
    )
    last_decision_at: datetime | None
    decisions: int
    blocked: int
    sources: list[str]


class GapScanRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "generated_at": "2026-11-25T10:20:00Z",
                    "window_days": 7,
                    "high_risk_pairs": 9,
                    "covered": 7,
                    "uncovered": 2,
                    "coverage": 0.778,
                    "weighted_coverage": 0.846,
                    "blocked_7d": 5,
                    "sources_total": 1,
                    "sources_reporting": 1,
                    "unmatched_agents": [],
                    "explanation": "7 of 9 high-risk agent-tool pairs (78%; 4 critical) had ...",
                    "pairs": [_PAIR_EXAMPLE],
                }
            ]
        }
    )

    generated_at: datetime
    window_days: int
    high_risk_pairs: int
    covered: int
    uncovered: int
    coverage: float | None = Field(description="covered / high-risk pairs, 0–1; null: no pairs")
    weighted_coverage: float | None = Field(
        description="the same with critical pairs counted twice (what the posture uses)"
    )
    blocked_7d: int
    sources_total: int
    sources_reporting: int
    unmatched_agents: list[str] = Field(description="Agents named in events but not in inventory")
    explanation: str
    pairs: list[GapPairRead]
