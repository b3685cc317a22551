"""Alert rules, notification channels, fired alerts, the delivery outbox and the per-org cursor.

The cursor row and the alerts (with their outbox rows) an evaluation creates are
written in one transaction, so a restart or a second replica neither skips a
signal nor fires twice for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from threatvec.core.clock import utcnow
from threatvec.store.base import Base, JSONType, OrgScoped, Timestamped, UTCDateTime, new_id

__all__ = [
    "Alert",
    "AlertChannel",
    "AlertCursor",
    "AlertDelivery",
    "AlertInboundEvent",
    "AlertRule",
    "AlertSubject",
]


class AlertRule(OrgScoped, Timestamped, Base):
    """When to fire (trigger + its validated params), how loud, and where to send it."""

    __tablename__ = "alert_rules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    trigger: Mapped[str] = mapped_column(String(30), index=True)
    # The trigger's params as validated by schemas.RuleCondition (trigger included).
    condition: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    severity: Mapped[str] = mapped_column(String(10), default="high")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    cooldown_minutes: Mapped[int] = mapped_column(Integer, default=60)
    channel_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_by: Mapped[str] = mapped_column(String(200), default="api")
    # Resolve the rule's open alerts once their condition no longer holds (clearing.py).
    auto_resolve: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AlertChannel(OrgScoped, Timestamped, Base):
    """A notification destination; its secrets are encrypted and never read back by the API."""

    __tablename__ = "alert_channels"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # slack | pagerduty | webhook | email
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # non-secret fields
    secrets_enc: Mapped[str] = mapped_column(Text, default="")  # SecretBox(JSON of secrets)
    secret_hint: Mapped[str] = mapped_column(String(120), default="")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_test_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_test_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Deleted by a user: gone from the API and from rules at once, but the row stays so the
    # resolves queued for it still go out and its deliveries keep their history; its
    # secrets are wiped once nothing is left to send (service.delete_channel).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Alert(OrgScoped, Base):
    """One fired alert; a storm of matching signals inside the cooldown folds into it."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_org_fired", "org_id", "fired_at"),
        Index("ix_alerts_org_dedup", "org_id", "dedup_key"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    rule_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("alert_rules.id", ondelete="SET NULL"), nullable=True, index=True
    )
    rule_name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(2000))
    dedup_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(15), default="open")  # open|acknowledged|resolved
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    first_signal_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_signal_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Why it was resolved, when ThreatVec did it ("condition cleared: …"); None for a person.
    resolution: Mapped[str | None] = mapped_column(String(500), nullable=True)


class AlertSubject(OrgScoped, Base):
    """One thing an alert is about (a Shadow AI service, a CVE, an MCP server), once.

    A storm folds thousands of matches into one alert: each adds its subject here with an
    insert-if-absent (the alert's JSON keeps only the first 20 to read and the total), so a
    fold writes one small row instead of rewriting every id the alert already names.
    Auto-resolve (clearing.py) reads them joined to the subjects' own rows. The primary key
    (alert, subject) is the uniqueness and the index the clearing join walks.
    """

    __tablename__ = "alert_subjects"

    alert_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    subject_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # shadow_service | cve | mcp_server
    # 1 for the alert's first subject, 2 for the next new one…: the order they came in.
    seq: Mapped[int] = mapped_column(Integer)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AlertDelivery(OrgScoped, Base):
    """The outbox: one alert × channel × action, retried with backoff until sent or given up.

    ``action`` is what the row tells the channel: ``trigger`` (the alert fired) and,
    once a user acknowledges or resolves the alert, ``acknowledge`` / ``resolve``
    (lifecycle.py), each its own row so it is retried and shown like a trigger.
    """

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    alert_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("alert_channels.id", ondelete="CASCADE"), index=True
    )
    channel_kind: Mapped[str] = mapped_column(String(20))
    # trigger | acknowledge | resolve; rows from before follow-ups existed are triggers.
    action: Mapped[str] = mapped_column(String(12), default="trigger", server_default="trigger")
    status: Mapped[str] = mapped_column(
        String(10), default="pending"
    )  # pending|sending|sent|failed|cancelled (not sent: the alert's lifecycle made it moot)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AlertCursor(Base):
    """The id of the last signal an org's rules were evaluated against."""

    __tablename__ = "alert_cursors"

    org_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    last_signal_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), default=0
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AlertInboundEvent(OrgScoped, Base):
    """A PagerDuty webhook event applied to an alert, kept so a redelivery applies nothing twice.

    Unique per channel and PagerDuty event id: of two deliveries of one event (PagerDuty
    retries, or a replayed body) only the first is applied, even when both arrive at once.
    """

    __tablename__ = "alert_inbound_events"
    __table_args__ = (
        UniqueConstraint("channel_id", "event_id", name="uq_alert_inbound_event"),
        # The retention prune's seek (threatvec.retention): an org's oldest rows first.
        Index("ix_alert_inbound_events_org_received", "org_id", "received_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    channel_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("alert_channels.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(60))
    alert_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("alerts.id", ondelete="CASCADE"), nullable=True, index=True
    )
    # applied | unchanged (the alert was already there or past it)
    outcome: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
