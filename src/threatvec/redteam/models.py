"""Red-team storage: AgentBench targets, runs, per-probe results, learning cycles, ATLAS.

Targets keep their configuration with secret *references* only; the secret
values live encrypted (``core.crypto.SecretBox``) in ``secrets_enc`` and are
never returned. Probe deliveries are the database side of the SDK-served
probe transport, so a probe dispatched by one process (a replica, the CLI)
reaches an agent long-polling another. The ATLAS tables are reference data
shared by every organisation (no ``org_id``); results carry the ATLAS
version they were judged against.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from threatvec.core.clock import utcnow
from threatvec.store.base import Base, JSONType, OrgScoped, Timestamped, UTCDateTime, new_id

__all__ = [
    "RUN_STATUSES",
    "AtlasImport",
    "AtlasTactic",
    "AtlasTechnique",
    "ProbeDelivery",
    "ProbePoller",
    "RedTeamCycle",
    "RedTeamCycleOutcome",
    "RedTeamResult",
    "RedTeamRun",
    "RedTeamTarget",
]

RUN_STATUSES = ("queued", "running", "completed", "cancelled", "failed")
# One at a time, held by the database (migration redteam_0002): a check before the
# insert let two requests arriving together both through.
_ONE_ACTIVE_CYCLE = "status IN ('queued', 'running')"
_ONE_ACTIVE_RUN = "kind = 'agentbench' AND status IN ('queued', 'running')"


class _Owned:
    """The process executing the row (core.owner): a dead owner frees the row at once."""

    owner_host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    owner_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner_token: Mapped[str | None] = mapped_column(String(120), nullable=True)


class _Cancellable:
    """Who cancelled the row (an actor: key:ORG, dashboard:ORG, cli:USER) and why, if said."""

    cancelled_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class RedTeamTarget(OrgScoped, Timestamped, Base):
    """How to reach one agent for AgentBench; one per (org, agent)."""

    __tablename__ = "redteam_targets"
    __table_args__ = (UniqueConstraint("org_id", "agent_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    agent_id: Mapped[str] = mapped_column(String(64))
    agent_name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    secrets_enc: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # name → token
    updated_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class RedTeamRun(_Owned, _Cancellable, OrgScoped, Timestamped, Base):
    """One AgentBench run (or the run of one agent's learning-cycle scenarios)."""

    __tablename__ = "redteam_runs"
    __table_args__ = (
        Index("ix_redteam_runs_org_agent_created", "org_id", "agent_id", "created_at"),
        # threatvec.retention: an org's oldest runs first, one index seek per batch
        Index("ix_redteam_runs_org_created", "org_id", "created_at"),
        Index(
            "uq_redteam_runs_one_active_agentbench",
            "org_id",
            "agent_id",
            unique=True,
            sqlite_where=text(_ONE_ACTIVE_RUN),
            postgresql_where=text(_ONE_ACTIVE_RUN),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    agent_id: Mapped[str] = mapped_column(String(64))
    agent_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="agentbench")  # agentbench | cycle
    mode: Mapped[str] = mapped_column(String(20))  # quick | full | cycle
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    k: Mapped[int] = mapped_column(Integer, default=3)
    target_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    cycle_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    library_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    atlas_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    judge_model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    judge_prompt_hash: Mapped[str | None] = mapped_column(String(80), nullable=True)
    requested_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RedTeamResult(OrgScoped, Base):
    """One probe's outcome in one run, with its evidence and attempts."""

    __tablename__ = "redteam_results"
    __table_args__ = (
        UniqueConstraint("run_id", "probe_id"),
        Index("ix_redteam_results_org_agent", "org_id", "agent_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    run_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("redteam_runs.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    probe_id: Mapped[str] = mapped_column(String(80))
    family: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    atlas: Mapped[list[str]] = mapped_column(JSONType, default=list)
    owasp: Mapped[list[str]] = mapped_column(JSONType, default=list)
    atlas_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    critical_failure: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts_failed: Mapped[int] = mapped_column(Integer, default=0)
    attempts_decided: Mapped[int] = mapped_column(Integer, default=0)
    attack_success_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    utility_clean: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    utility_under_attack: Mapped[float | None] = mapped_column(Float, nullable=True)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class RedTeamCycle(_Owned, _Cancellable, OrgScoped, Timestamped, Base):
    """One learning cycle: recent AI CVEs → scenarios per agent → runs → verdicts."""

    __tablename__ = "redteam_cycles"
    __table_args__ = (
        Index("ix_redteam_cycles_org_created", "org_id", "created_at"),  # threatvec.retention
        Index(
            "uq_redteam_cycles_one_active",
            "org_id",
            unique=True,
            sqlite_where=text(_ONE_ACTIVE_CYCLE),
            postgresql_where=text(_ONE_ACTIVE_CYCLE),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    trigger: Mapped[str] = mapped_column(String(20), default="api")  # api | job | cli | page
    cve_source: Mapped[str] = mapped_column(String(40), default="vulns")
    cve_count: Mapped[int] = mapped_column(Integer, default=0)
    agent_count: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def untested_reason(self) -> str | None:
        """Why a completed cycle sent no probe (see ``cycle_report.untested_reason``)."""
        from threatvec.redteam.cycle_report import untested_reason

        return untested_reason(
            status=self.status, cve_source=self.cve_source, cve_count=self.cve_count or 0,
            agent_count=self.agent_count or 0, summary=self.summary or {},
        )  # fmt: skip


class RedTeamCycleOutcome(OrgScoped, Base):
    """cve → rule → scenario → run → verdict for one agent (or why the CVE was not tested)."""

    __tablename__ = "redteam_cycle_outcomes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    cycle_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("redteam_cycles.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[str] = mapped_column(String(64))
    cve_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # planned|not_applicable|unmapped|untestable|…
    reason: Mapped[str] = mapped_column(Text, default="")
    component: Mapped[str | None] = mapped_column(String(200), nullable=True)
    rule_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    techniques: Mapped[list[str]] = mapped_column(JSONType, default=list)
    scenario_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    probe_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    verdict: Mapped[str | None] = mapped_column(String(20), nullable=True)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProbeDelivery(OrgScoped, Base):
    """One probe handed to an SDK-served agent: pending → delivered → answered (or expired)."""

    __tablename__ = "redteam_probe_deliveries"
    __table_args__ = (Index("ix_redteam_probe_deliveries_poll", "org_id", "agent", "status"),)

    id: Mapped[str] = mapped_column(String(140), primary_key=True)  # the envelope's probe_id
    agent: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    reply: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ProbePoller(OrgScoped, Base):
    """When an agent last long-polled for probes (is it serving probes right now?)."""

    __tablename__ = "redteam_probe_pollers"
    __table_args__ = (UniqueConstraint("org_id", "agent"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    agent: Mapped[str] = mapped_column(String(200))
    last_poll_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AtlasImport(Base):
    """One import of the ATLAS catalogue; the newest is the current one (reference data)."""

    __tablename__ = "atlas_imports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    version: Mapped[str] = mapped_column(String(40))
    matrix_id: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(400), default="")
    tactic_count: Mapped[int] = mapped_column(Integer)
    technique_count: Mapped[int] = mapped_column(Integer)
    subtechnique_count: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class AtlasTactic(Base):
    __tablename__ = "atlas_tactics"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(40))


class AtlasTechnique(Base):
    __tablename__ = "atlas_techniques"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    tactic_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    parent_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    maturity: Mapped[str | None] = mapped_column(String(40), nullable=True)
    version: Mapped[str] = mapped_column(String(40))
