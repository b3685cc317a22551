"""Integration configs and their run history.

Secrets (API tokens, client secrets) live only in ``secrets_enc``, encrypted
with ``core.crypto.SecretBox``; the API returns ``secret_hint`` instead. The
``cursor`` is the connector's checkpoint; it is written in the same
transaction as the data a page of results produced, so a crash replays at
most the page in flight and never stores it twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from threatvec.core.clock import utcnow
from threatvec.store.base import Base, JSONType, OrgScoped, Timestamped, UTCDateTime, new_id

__all__ = ["Integration", "IntegrationRun"]


class Integration(OrgScoped, Timestamped, Base):
    """One configured connection to a vendor API for one org."""

    __tablename__ = "integrations"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # non-secret settings
    secrets_enc: Mapped[str] = mapped_column(Text, default="")  # SecretBox(JSON of secrets)
    secret_hint: Mapped[str] = mapped_column(String(200), default="")
    schedule_minutes: Mapped[int] = mapped_column(Integer, default=15)
    cursor: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # A sync holds the lease until it ends (or the lease expires after a crash),
    # so the scheduler and "Sync now" never run the same integration twice at once.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_status: Mapped[str] = mapped_column(String(12), default="never")
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_counts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    total_items: Mapped[int] = mapped_column(Integer, default=0)
    last_test_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_test_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Receive kinds (the vendor posts to us): SHA-256 of the bearer token the vendor
    # sends. The plaintext is shown once; after a rotation the previous token may
    # stay valid for a short grace period so the vendor side can be updated.
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token_hint: Mapped[str] = mapped_column(String(20), default="", server_default="")
    previous_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    previous_token_valid_until: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True
    )
    token_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IntegrationRun(OrgScoped, Base):
    """One sync of one integration: when, why, what it counted, how it ended."""

    __tablename__ = "integration_runs"
    __table_args__ = (
        Index("ix_integration_runs_integration_started", "integration_id", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    integration_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("integrations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(30))
    trigger: Mapped[str] = mapped_column(String(20), default="schedule")  # schedule|api|dashboard
    status: Mapped[str] = mapped_column(String(12), default="running")  # running|ok|partial|error
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    ingested: Mapped[int] = mapped_column(Integer, default=0)
    forwarded: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
