"""Request and response shapes for rules, channels, alerts and deliveries.

A rule's ``condition`` is a discriminated union on ``trigger``: each trigger
has its own params model, so a bad value is a 422 naming the trigger and the
field (``body.condition.pii_spike.threshold``). A channel's ``settings`` is
the same idea on ``kind``; its secret fields are write-only.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, computed_field, field_validator

from threatvec.core.outbound import url_problem
from threatvec.core.pagination import Page
from threatvec.shadow.schemas import PiiCategory

__all__ = [
    "PAGERDUTY_WEBHOOK_PATH",
    "SEVERITIES",
    "TRIGGERS",
    "AlertPage",
    "AlertRead",
    "AlertRef",
    "ChannelCreate",
    "ChannelDeleteRead",
    "ChannelKind",
    "ChannelPage",
    "ChannelRead",
    "ChannelSettings",
    "ChannelTestResult",
    "ChannelUpdate",
    "DeliveryAction",
    "DeliveryPage",
    "DeliveryRead",
    "EmailSettings",
    "EvaluationRead",
    "McpRugPull",
    "NewCriticalCve",
    "NewShadowAsset",
    "PagerDutySettings",
    "PiiSpike",
    "RedTeamBypass",
    "RuleCondition",
    "RuleCreate",
    "RulePage",
    "RuleRead",
    "RuleUpdate",
    "ScoreDrop",
    "Severity",
    "SlackSettings",
    "TriggerName",
    "WebhookSettings",
]

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
TriggerName = Literal[
    "score_drop",
    "new_shadow_asset",
    "pii_spike",
    "red_team_bypass",
    "new_critical_cve",
    "mcp_rug_pull",
]
TRIGGERS: tuple[str, ...] = TriggerName.__args__  # type: ignore[attr-defined]
AlertStatus = Literal["open", "acknowledged", "resolved"]
DeliveryStatus = Literal["pending", "sending", "sent", "failed", "cancelled"]
DeliveryAction = Literal["trigger", "acknowledge", "resolve", "reopen", "unack"]
ChannelKind = Literal["slack", "pagerduty", "webhook", "email"]

_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*$"
)
_EMAIL_RE = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _domains(values: list[str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        d = raw.strip().lower().rstrip(".")
        if not _DOMAIN_RE.match(d):
            raise ValueError(f"{raw!r} is not a domain name (e.g. chat.example.com)")
        if d not in out:
            out.append(d)
    return out


def _names(values: list[str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        v = raw.strip()
        if not v or len(v) > 200:
            raise ValueError("each entry must be 1–200 characters")
        if v not in out:
            out.append(v)
    return out


def _ids(values: list[str]) -> list[str]:
    for v in values:
        if not _ID_RE.match(v):
            raise ValueError(f"{v[:40]!r} is not an id")
    return list(dict.fromkeys(values))


# ── trigger conditions ─────────────────────────────────────────────────────


class _Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScoreDrop(_Condition):
    """The posture composite fell by at least ``points``."""

    trigger: Literal["score_drop"]
    points: float = Field(gt=0, le=100, description="Drop in composite points that fires")
    compare: Literal["previous", "hours_ago"] = Field(
        default="previous",
        description="Compare with the previous snapshot, or with the score `hours` ago",
    )
    hours: int = Field(default=24, ge=1, le=720, description="Look-back when compare=hours_ago")


class NewShadowAsset(_Condition):
    """An AI service nobody registered shows up for the first time."""

    trigger: Literal["new_shadow_asset"]
    domains: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Only these domains (and their subdomains); empty = any service",
    )
    unknown_only: bool = Field(default=False, description="Only services not in the AI catalog")
    min_risk: Literal["LOW", "MEDIUM", "HIGH"] = "LOW"

    _d = field_validator("domains")(_domains)


class PiiSpike(_Condition):
    """PII detections sent to AI services reach ``threshold`` within ``window_minutes``."""

    trigger: Literal["pii_spike"]
    threshold: int = Field(ge=1, le=1_000_000, description="Detections that fire")
    window_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    categories: list[PiiCategory] = Field(
        default_factory=list, max_length=30, description="Count only these; empty = all"
    )
    service_ids: list[str] = Field(
        default_factory=list, max_length=50, description="Only these Shadow AI services"
    )
    domains: list[str] = Field(
        default_factory=list, max_length=50, description="Only these domains (and subdomains)"
    )

    _d = field_validator("domains")(_domains)
    _s = field_validator("service_ids")(_ids)


class RedTeamBypass(_Condition):
    """An adversarial probe got past an agent's controls."""

    trigger: Literal["red_team_bypass"]
    min_severity: Literal["low", "medium", "high", "critical"] = "low"
    agents: list[str] = Field(
        default_factory=list, max_length=50, description="Agent names or ids; empty = any"
    )
    confirmed_only: bool = Field(default=False, description="Only bypasses confirmed on rerun")

    _a = field_validator("agents")(_names)


class NewCriticalCve(_Condition):
    """A CRITICAL CVE that matches the org's tech stack was ingested."""

    trigger: Literal["new_critical_cve"]
    ai_relevant_only: bool = False
    min_cvss: float = Field(default=0.0, ge=0, le=10)


class McpRugPull(_Condition):
    """An approved MCP server's tool definitions changed under it."""

    trigger: Literal["mcp_rug_pull"]
    servers: list[str] = Field(
        default_factory=list, max_length=50, description="Server names or ids; empty = any"
    )

    _s = field_validator("servers")(_names)


RuleCondition = Annotated[
    ScoreDrop | NewShadowAsset | PiiSpike | RedTeamBypass | NewCriticalCve | McpRugPull,
    Field(discriminator="trigger"),
]

# ── rules ──────────────────────────────────────────────────────────────────

_RULE_EXAMPLE: dict[str, Any] = {
    "name": "PII spike to AI services",
    "description": "Page the SOC when PII pours into AI tools",
    "condition": {"trigger": "pii_spike", "threshold": 10, "window_minutes": 60},
    "severity": "high",
    "enabled": True,
    "cooldown_minutes": 60,
    "channel_ids": [],
}


def _name(v: str) -> str:
    v = v.strip()
    if not v:
        raise ValueError("must not be blank")
    return v


class RuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_RULE_EXAMPLE]})

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    condition: RuleCondition
    severity: Severity = "high"
    enabled: bool = True
    cooldown_minutes: int = Field(
        default=60, ge=0, le=7 * 24 * 60, description="Matches within this fold into one alert"
    )
    channel_ids: list[str] = Field(default_factory=list, max_length=20)
    auto_resolve: bool | None = Field(
        default=None,
        description="Resolve the rule's alerts by itself once the condition clears; default on "
        "for score_drop, new_shadow_asset, new_critical_cve and mcp_rug_pull, and not allowed "
        "for pii_spike and red_team_bypass (one-off events)",
    )

    _n = field_validator("name")(_name)
    _c = field_validator("channel_ids")(_ids)


class RuleUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"enabled": False, "severity": "medium"}]}
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    condition: RuleCondition | None = None
    severity: Severity | None = None
    enabled: bool | None = None
    cooldown_minutes: int | None = Field(default=None, ge=0, le=7 * 24 * 60)
    channel_ids: list[str] | None = Field(default=None, max_length=20)
    auto_resolve: bool | None = Field(
        default=None, description="Resolve alerts by itself once the condition clears"
    )

    @field_validator("name")
    @classmethod
    def _n(cls, v: str | None) -> str | None:
        return None if v is None else _name(v)

    @field_validator("channel_ids")
    @classmethod
    def _c(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _ids(v)


class RuleRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    **_RULE_EXAMPLE,
                    "id": "4f1c2b3a4d5e6f708192a3b4c5d6e7f8",
                    "trigger": "pii_spike",
                    "condition": {
                        "trigger": "pii_spike",
                        "threshold": 10,
                        "window_minutes": 60,
                        "categories": [],
                        "service_ids": [],
                        "domains": [],
                    },
                    "auto_resolve": False,
                    "created_by": "api",
                    "created_at": "2026-11-25T10:00:00Z",
                    "updated_at": "2026-11-25T10:00:00Z",
                    "last_fired_at": None,
                }
            ]
        },
    )

    id: str
    name: str
    description: str | None
    trigger: TriggerName
    condition: RuleCondition
    severity: Severity
    enabled: bool
    cooldown_minutes: int
    channel_ids: list[str]
    auto_resolve: bool = Field(description="Alerts resolve themselves once the condition clears")
    created_by: str
    created_at: datetime
    updated_at: datetime
    last_fired_at: datetime | None


class RulePage(Page[RuleRead]):
    pass


# ── channels ───────────────────────────────────────────────────────────────


def _http_url(v: str) -> str:
    v = v.strip()
    if not re.match(r"^https?://[^\s/?#]+[^\s]*$", v, re.IGNORECASE):
        raise ValueError("must be an http(s) URL")
    if "@" in urlsplit(v).netloc:
        # A user:password in the URL is sent nowhere useful and only leaks.
        raise ValueError("must not carry a user name or password (user:pass@host)")
    problem = url_problem(v)
    if problem is not None:
        raise ValueError(f"not a usable URL: {problem}")
    return v


def _secret_url(v: str) -> str:
    """An http(s) URL that carries a secret (or sends one): https, except to this machine."""
    v = _http_url(v)
    parts = urlsplit(v)
    if parts.scheme.lower() != "https" and not _loopback(parts.hostname):
        raise ValueError("must be https: the URL or what is sent to it is a secret")
    return v


def _loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SlackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["slack"]
    webhook_url: SecretStr = Field(description="Incoming-webhook URL (secret; write-only)")

    @field_validator("webhook_url")
    @classmethod
    def _u(cls, v: SecretStr) -> SecretStr:
        return SecretStr(_secret_url(v.get_secret_value()))


# Where PagerDuty's V3 webhooks for a PagerDuty channel are received (alerts.pagerduty_sync).
PAGERDUTY_WEBHOOK_PATH = "/api/v1/alerts/channels/{channel_id}/pagerduty-webhook"


class PagerDutySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["pagerduty"]
    routing_key: SecretStr = Field(description="Events API v2 integration key (write-only)")
    base_url: str = Field(
        default="https://events.pagerduty.com",
        max_length=500,
        description="Events API base; EU accounts use https://events.eu.pagerduty.com",
    )

    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The signing secret of the PagerDuty V3 webhook subscription that sends "
        "incident.acknowledged / incident.resolved back to this channel (write-only; "
        "without it the channel's webhook URL accepts nothing)",
    )

    _b = field_validator("base_url")(_secret_url)

    @field_validator("webhook_secret")
    @classmethod
    def _w(cls, v: SecretStr | None) -> SecretStr | None:
        if v is None:
            return None
        secret = v.get_secret_value().strip()
        # PagerDuty shows the secret once, as printable ASCII; whitespace is a copy-paste slip.
        if not re.match(r"^[\x21-\x7e]{16,256}$", secret):
            raise ValueError("must be 16–256 printable characters without spaces")
        return SecretStr(secret)

    @field_validator("routing_key")
    @classmethod
    def _k(cls, v: SecretStr) -> SecretStr:
        key = v.get_secret_value().strip()
        if not re.match(r"^[A-Za-z0-9_-]{8,64}$", key):
            raise ValueError("must be 8–64 letters, digits, _ or -")
        return SecretStr(key)


class WebhookSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["webhook"]
    url: str = Field(max_length=2000, description="Where signed alert JSON is POSTed")
    secret: SecretStr = Field(description="HMAC-SHA256 signing secret, ≥ 16 chars (write-only)")

    _u = field_validator("url")(_http_url)

    @field_validator("secret")
    @classmethod
    def _s(cls, v: SecretStr) -> SecretStr:
        if not 16 <= len(v.get_secret_value()) <= 256:
            raise ValueError("must be 16–256 characters")
        return v


class EmailSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["email"]
    host: str = Field(min_length=1, max_length=253, description="SMTP server")
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS")
    username: str | None = Field(default=None, max_length=200)
    password: SecretStr | None = Field(default=None, description="SMTP password (write-only)")
    sender: str = Field(max_length=320, description="From address")
    recipients: list[str] = Field(min_length=1, max_length=20)
    digest_minutes: int = Field(
        default=60, ge=1, le=24 * 60, description="At most one mail per this many minutes"
    )

    @field_validator("host")
    @classmethod
    def _h(cls, v: str) -> str:
        v = v.strip().lower()
        if not (_DOMAIN_RE.match(v) or re.match(r"^[0-9.]{7,15}$|^\[?[0-9a-f:]{2,39}\]?$", v)):
            raise ValueError("must be a host name or IP address")
        return v

    @field_validator("sender")
    @classmethod
    def _f(cls, v: str) -> str:
        if not _EMAIL_RE.match(v.strip()):
            raise ValueError("must be an email address")
        return v.strip()

    @field_validator("recipients")
    @classmethod
    def _r(cls, v: list[str]) -> list[str]:
        for addr in v:
            if not _EMAIL_RE.match(addr.strip()):
                raise ValueError(f"{addr[:60]!r} is not an email address")
        return list(dict.fromkeys(a.strip() for a in v))


ChannelSettings = Annotated[
    SlackSettings | PagerDutySettings | WebhookSettings | EmailSettings,
    Field(discriminator="kind"),
]

_CHANNEL_EXAMPLE: dict[str, Any] = {
    "name": "SOC Slack",
    "enabled": True,
    "settings": {"kind": "slack", "webhook_url": "https://hooks.slack.com/services/T0/B0/XXXX"},
}


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CHANNEL_EXAMPLE]})

    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    settings: ChannelSettings

    _n = field_validator("name")(_name)


class ChannelUpdate(BaseModel):
    """Rename, toggle, or replace the settings whole (secrets included; the kind stays)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"enabled": False}]})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    enabled: bool | None = None
    settings: ChannelSettings | None = None

    @field_validator("name")
    @classmethod
    def _n(cls, v: str | None) -> str | None:
        return None if v is None else _name(v)


class ChannelRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                    "name": "SOC Slack",
                    "kind": "slack",
                    "enabled": True,
                    "config": {},
                    "secret_hint": "https://hooks.slack.com/…XXXX",
                    "created_at": "2026-11-25T10:00:00Z",
                    "updated_at": "2026-11-25T10:00:00Z",
                    "last_test_at": None,
                    "last_test_ok": None,
                }
            ]
        },
    )

    id: str
    name: str
    kind: ChannelKind
    enabled: bool
    config: dict[str, Any] = Field(description="The non-secret settings")
    secret_hint: str = Field(description="A masked hint of the stored secret; never the secret")
    created_at: datetime
    updated_at: datetime
    last_test_at: datetime | None
    last_test_ok: bool | None
    webhook_url: str | None = Field(
        default=None,
        description="PagerDuty channels, when THREATVEC_PUBLIC_URL is set: the full URL to give "
        "PagerDuty (the public URL + webhook_path); null otherwise",
    )

    @computed_field(  # type: ignore[prop-decorator]
        description="PagerDuty channels: the path on this server to give PagerDuty's V3 "
        "webhook subscription (sync back; docs/alerts.md); null for other kinds"
    )
    @property
    def webhook_path(self) -> str | None:
        if self.kind != "pagerduty":
            return None
        return PAGERDUTY_WEBHOOK_PATH.format(channel_id=self.id)


class ChannelPage(Page[ChannelRead]):
    pass


class AlertRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    status: AlertStatus


class ChannelDeleteRead(BaseModel):
    """A forced delete: the resolves queued on the way out, and what stays open elsewhere."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"resolves_queued": 2, "left_open": [], "detail": ""}]}
    )

    resolves_queued: int = Field(
        description="PagerDuty resolves queued (with each trigger's dedup_key) before it goes"
    )
    left_open: list[AlertRef] = Field(
        description="Open alerts the channel was told of and will not hear resolved "
        "(a webhook or Slack: telling them 'resolved' would be false)"
    )
    detail: str = Field(description="What to do about left_open, in words")


class ChannelTestResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"ok": True, "status_code": 200, "error": None}]}
    )

    ok: bool
    status_code: int | None = Field(description="HTTP status (or SMTP reply code), if any")
    error: str | None = Field(description="Why it failed; never contains the secret")


# ── alerts and deliveries ──────────────────────────────────────────────────


class AlertRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b",
                    "rule_id": "4f1c2b3a4d5e6f708192a3b4c5d6e7f8",
                    "rule_name": "PII spike to AI services",
                    "trigger": "pii_spike",
                    "severity": "high",
                    "title": "12 PII detections sent to claude.ai in 60 min",
                    "summary": "EMAIL 9, US_SSN 3 (threshold 10)",
                    "status": "open",
                    "occurrences": 1,
                    "details": {"events": []},
                    "first_signal_id": 1201,
                    "last_signal_id": 1201,
                    "first_seen_at": "2026-11-25T10:00:00Z",
                    "last_seen_at": "2026-11-25T10:00:00Z",
                    "fired_at": "2026-11-25T10:00:05Z",
                    "acknowledged_at": None,
                    "acknowledged_by": None,
                    "resolved_at": None,
                    "resolved_by": None,
                    "resolution": None,
                    "manual_resolve_only": None,
                }
            ]
        },
    )

    id: str
    rule_id: str | None
    rule_name: str
    trigger: TriggerName
    severity: Severity
    title: str
    summary: str
    status: AlertStatus
    occurrences: int = Field(description="Matching signals folded into this alert")
    details: dict[str, Any]
    first_signal_id: int
    last_signal_id: int
    first_seen_at: datetime
    last_seen_at: datetime
    fired_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None = Field(description='Who resolved it; "system" when it resolved itself')
    resolution: str | None = Field(
        default=None,
        description='Why ThreatVec resolved it ("condition cleared: …"); null for a person',
    )

    @computed_field(  # type: ignore[prop-decorator]
        description="Why this alert can never resolve itself, when it cannot: it was stored "
        "before every subject was kept and folded more matches than it shows, so it must be "
        "resolved by hand. Null for every other alert"
    )
    @property
    def manual_resolve_only(self) -> str | None:
        from threatvec.alerts.clearing import manual_only  # clearing reads the models

        return manual_only(self)


class AlertPage(Page[AlertRead]):
    pass


class AlertSubjectRead(BaseModel):
    """One thing an alert is about, in the order the alert came to name them."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "subject_id": "3f2a9c1e5b7d4e8f9a0b1c2d3e4f5a6b",
                    "kind": "shadow_service",
                    "seq": 21,
                    "first_seen_at": "2026-11-25T10:00:00Z",
                }
            ]
        },
    )

    subject_id: str = Field(
        description="The Shadow AI service id, CVE id or MCP server id (see `kind`)"
    )
    kind: Literal["shadow_service", "cve", "mcp_server"]
    seq: int = Field(description="The order the alert named it in (1 for its first)")
    first_seen_at: datetime = Field(description="When the match that named it happened")


class AlertSubjectPage(Page[AlertSubjectRead]):
    pass


class DeliveryRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "1f2e3d4c5b6a79880796a5b4c3d2e1f0",
                    "alert_id": "7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b",
                    "channel_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                    "channel_kind": "slack",
                    "action": "trigger",
                    "status": "sent",
                    "attempts": 1,
                    "next_attempt_at": "2026-11-25T10:00:05Z",
                    "last_attempt_at": "2026-11-25T10:00:06Z",
                    "last_status_code": 200,
                    "last_error": None,
                    "sent_at": "2026-11-25T10:00:06Z",
                    "created_at": "2026-11-25T10:00:05Z",
                }
            ]
        },
    )

    id: str
    alert_id: str
    channel_id: str
    channel_kind: ChannelKind
    action: DeliveryAction = Field(
        description="trigger: the alert fired; acknowledge / resolve: a user did that to it; "
        "reopen / unack: PagerDuty moved it back to open (from resolved / acknowledged)"
    )
    status: DeliveryStatus = Field(
        description="cancelled: not sent because the alert's lifecycle made it moot "
        "(resolved before its trigger went out, or its trigger never got through)"
    )
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime


class DeliveryPage(Page[DeliveryRead]):
    pass


class EvaluationRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"signals": 12, "matched": 3, "alerts_created": 1, "alerts_folded": 2,
                 "deliveries": 1, "auto_resolved": 0, "cursor": 1290}
            ]
        }
    )  # fmt: skip

    signals: int = Field(description="Signals read since the cursor")
    matched: int = Field(description="Rule × signal matches")
    alerts_created: int
    alerts_folded: int = Field(description="Matches folded into an alert still in cooldown")
    deliveries: int = Field(description="Outbox rows queued")
    auto_resolved: int = Field(
        default=0, description="Alerts resolved because their condition cleared"
    )
    cursor: int = Field(description="The last signal id evaluated")
