from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from threatvec.core import owner as owners
from threatvec.core.clock import utcnow
from threatvec.store.base import Base, JSONType, new_id


class JobRun(Base):
    """One run of a periodic job (for one org, or for all when org_id is null)."""

    __tablename__ = "job_runs"
    # Every read is one job's runs, newest first: its last run (and the scheduler's
    # is_due), its last failure, its runs in progress. A 30-second job for 20 orgs
    # writes ~58,000 rows a day, kept 30 days by default (jobs.retention): seeks, not scans.
    __table_args__ = (
        Index("ix_job_runs_job_started", "job", "started_at"),
        Index("ix_job_runs_job_outcome_started", "job", "outcome", "started_at"),
        # An org's runs newest first (GET /api/v1/jobs/runs); also the org foreign key's.
        Index("ix_job_runs_org_started", "org_id", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    job: Mapped[str] = mapped_column(String(100))
    org_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("orgs.id", ondelete="CASCADE"), nullable=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # running, ok, error, skipped, or cancelled: cut short (the server stopping, the
    # command stopped by a signal, its process killed); error says why.
    outcome: Mapped[str] = mapped_column(String(20), default="running")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    trigger: Mapped[str] = mapped_column(String(20), default="schedule")  # schedule|cli|api
    # The process executing the run (core.owner), which is always the one that adds the
    # row (the runner, vulns.ingest.recorded_run): a dead owner's run is ended at once.
    owner_host: Mapped[str | None] = mapped_column(
        String(255), nullable=True, default=lambda: owners.current().host
    )
    owner_pid: Mapped[int | None] = mapped_column(
        Integer, nullable=True, default=lambda: owners.current().pid
    )
    owner_token: Mapped[str | None] = mapped_column(
        String(120), nullable=True, default=lambda: owners.current().token
    )
