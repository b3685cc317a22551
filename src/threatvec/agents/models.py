"""Agents, their running instances, their events and the daily rollups the fleet reads.

Events are stored once per (org, event_id): the unique key is what makes a
retried batch safe. The rollups (`agent_usage`, `agent_activity`) are updated in
the same transaction as the events they count, from the events actually
inserted, so a duplicate never counts twice and fleet pages never scan events.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from threatvec.core.clock import utcnow
from threatvec.store.base import Base, JSONType, OrgScoped, Timestamped, UTCDateTime, new_id

__all__ = [
    "DROP_REASONS",
    "USAGE_FACETS",
    "Agent",
    "AgentActivity",
    "AgentEvent",
    "AgentInstance",
    "AgentUsage",
]

# The SDK's drop reasons (docs/ingest-format.md), one counter column each.
DROP_REASONS = (
    "queue_full",
    "network",
    "server_error",
    "rate_limited",
    "rejected",
    "too_large",
    "shutdown",
    "internal_error",
)
USAGE_FACETS = ("tool", "model", "provider", "destination", "mcp_server")

_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class Agent(OrgScoped, Timestamped, Base):
    """One agent, keyed by (org, name); what it declared at its latest registration."""

    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    # The assets-registry entry made when the agent was first seen (approval lives there).
    asset_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("assets.id", ondelete="SET NULL"), nullable=True
    )
    source: Mapped[str] = mapped_column(String(20), default="sdk")  # sdk | otlp
    registered: Mapped[bool] = mapped_column(Boolean, default=False)
    sdk_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hostname: Mapped[str | None] = mapped_column(String(256), nullable=True)
    frameworks: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    integrations: Mapped[list[str]] = mapped_column(JSONType, default=list)
    capabilities: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    rules: Mapped[list[str]] = mapped_column(JSONType, default=list)
    capture_content: Mapped[bool] = mapped_column(Boolean, default=False)
    heartbeat_interval_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    last_heartbeat: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    events_total: Mapped[int] = mapped_column(_BIGINT, default=0)

    @property
    def reported(self) -> bool:
        """Always true: ingest makes the row on the first report (see `agents.expected`)."""
        return True


class AgentInstance(OrgScoped, Base):
    """One process of an agent (the SDK's instance_id) with its cumulative drop counters."""

    __tablename__ = "agent_instances"
    __table_args__ = (UniqueConstraint("org_id", "agent_id", "instance_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    agent_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    instance_id: Mapped[str] = mapped_column(String(64))
    parent_instance_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hostname: Mapped[str | None] = mapped_column(String(256), nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sdk_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    queue_full: Mapped[int] = mapped_column(_BIGINT, default=0)
    network: Mapped[int] = mapped_column(_BIGINT, default=0)
    server_error: Mapped[int] = mapped_column(_BIGINT, default=0)
    rate_limited: Mapped[int] = mapped_column(_BIGINT, default=0)
    rejected: Mapped[int] = mapped_column(_BIGINT, default=0)
    too_large: Mapped[int] = mapped_column(_BIGINT, default=0)
    shutdown: Mapped[int] = mapped_column(_BIGINT, default=0)
    internal_error: Mapped[int] = mapped_column(_BIGINT, default=0)

    def dropped(self) -> dict[str, int]:
        return {reason: int(getattr(self, reason) or 0) for reason in DROP_REASONS}


class AgentEvent(Base):
    """One stored event. Columns the fleet filters on are lifted out of the attributes."""

    __tablename__ = "agent_events"
    __table_args__ = (
        UniqueConstraint("org_id", "event_id"),
        Index("ix_agent_events_agent_ts", "agent_id", "ts"),
    )

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(32), ForeignKey("orgs.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(32))
    agent_id: Mapped[str] = mapped_column(String(32), ForeignKey("agents.id", ondelete="CASCADE"))
    instance_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    type: Mapped[str] = mapped_column(String(32))
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    subject: Mapped[str | None] = mapped_column(String(256), nullable=True)  # tool/model/server
    destination: Mapped[str | None] = mapped_column(String(256), nullable=True)
    flags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class AgentUsage(OrgScoped, Base):
    """Per day: how often an agent used one tool / model / provider / destination / MCP server."""

    __tablename__ = "agent_usage"
    __table_args__ = (UniqueConstraint("org_id", "agent_id", "facet", "item", "day"),)

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    facet: Mapped[str] = mapped_column(String(20))
    item: Mapped[str] = mapped_column(String(256))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(_BIGINT, default=0)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AgentActivity(OrgScoped, Base):
    """Per day: an agent's events, clean ones and flags by kind (the trust score's input)."""

    __tablename__ = "agent_activity"
    __table_args__ = (UniqueConstraint("org_id", "agent_id", "day"),)

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    events: Mapped[int] = mapped_column(_BIGINT, default=0)
    clean: Mapped[int] = mapped_column(_BIGINT, default=0)
    pii: Mapped[int] = mapped_column(_BIGINT, default=0)
    injection: Mapped[int] = mapped_column(_BIGINT, default=0)
    secrets: Mapped[int] = mapped_column(_BIGINT, default=0)
    blocked: Mapped[int] = mapped_column(_BIGINT, default=0)
    errors: Mapped[int] = mapped_column(_BIGINT, default=0)
