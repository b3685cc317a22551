"""Enforcement sources (who may post decisions, with their signing secret) and their events.

An event is stored once per (org, source, event id): the unique key is what
makes a re-sent webhook change nothing. Only the declared fields are kept,
each capped; nothing else from the payload (prompts, arguments) is stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from threatvec.core.clock import utcnow
from threatvec.store.base import Base, OrgScoped, Timestamped, UTCDateTime, new_id

__all__ = ["EnforcementEvent", "EnforcementSource", "SnapperSecurityEvent"]

_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class EnforcementSource(OrgScoped, Timestamped, Base):
    """A gateway, guardrail or DLP filter allowed to post decisions for one org."""

    __tablename__ = "enforcement_sources"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="generic")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # SecretBox ciphertext; the plaintext is shown once, at creation or rotation.
    secret_enc: Mapped[str] = mapped_column(Text)
    secret_hint: Mapped[str] = mapped_column(String(20), default="")
    # After a rotation the previous secret may stay valid for a short grace period.
    previous_secret_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    previous_valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200), default="api")
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    events_total: Mapped[int] = mapped_column(_BIGINT, default=0)


class EnforcementEvent(Base):
    """One policy decision an enforcement layer reported (declared fields only)."""

    __tablename__ = "enforcement_events"
    __table_args__ = (
        UniqueConstraint("org_id", "source_id", "event_id"),
        Index("ix_enforcement_events_org_ts", "org_id", "ts"),
        Index("ix_enforcement_events_org_agent_ts", "org_id", "agent_id", "ts"),
    )

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(32), ForeignKey("orgs.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enforcement_sources.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(64))
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(12))
    category: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10), default="medium")
    agent: Mapped[str] = mapped_column(String(200))  # as the layer named it
    # agents.id when the name or id matched the inventory; no foreign key so the
    # enforcement branch migrates independently of the agents branch
    agent_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    tool: Mapped[str | None] = mapped_column(String(200), nullable=True)
    mcp_server: Mapped[str | None] = mapped_column(String(200), nullable=True)
    policy_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    policy_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class SnapperSecurityEvent(Base):
    """A security or threat-engine event Snapper reported (not a decision on a call).

    Kept as long as its source: the ``snapper.*`` signal raised with it is a live
    feed pruned after 7 days, and a kill chain found last month is still evidence.
    """

    __tablename__ = "snapper_security_events"
    __table_args__ = (
        UniqueConstraint("org_id", "source_id", "event_id"),
        Index("ix_snapper_security_events_org_ts", "org_id", "ts"),
    )

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(32), ForeignKey("orgs.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enforcement_sources.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(60))  # Snapper's audit action
    ts: Mapped[datetime] = mapped_column(UTCDateTime())  # when Snapper saw it
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    severity: Mapped[str] = mapped_column(String(10), default="medium")
    agent: Mapped[str] = mapped_column(String(200))
    # the threat engine's own words: the threat type or completed kill chain, its score
    threat_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    threat_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    rule_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    message: Mapped[str | None] = mapped_column(String(500), nullable=True)
