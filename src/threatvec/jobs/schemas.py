"""What /api/v1/jobs returns: each registered job's state, and its runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from threatvec.core.pagination import Page

__all__ = ["OUTCOMES", "JobRead", "JobRunPage", "JobRunRead", "Outcome"]

Outcome = Literal["running", "ok", "error", "skipped", "cancelled"]
OUTCOMES: tuple[str, ...] = ("running", "ok", "error", "skipped", "cancelled")

_RUN_EXAMPLE: dict[str, Any] = {
    "id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "job": "vulns.kev_sync",
    "org_id": None,
    "trigger": "schedule",
    "outcome": "error",
    "started_at": "2026-11-25T10:15:00Z",
    "finished_at": "2026-11-25T10:15:04Z",
    "duration_s": 4.2,
    "error": "ConnectError: [Errno 111] Connection refused",
    "result": {},
}


class JobRunRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_RUN_EXAMPLE]})

    id: str
    job: str
    org_id: str | None = Field(description="Your org, or null for a run done once for all orgs")
    trigger: str = Field(description="schedule, cli or api")
    outcome: Outcome
    started_at: datetime
    finished_at: datetime | None = Field(description="null while the run is in progress")
    duration_s: float | None = Field(description="finished_at - started_at, in seconds")
    error: str | None = Field(description="Why it failed or was cut short (secrets redacted)")
    result: dict[str, Any] | None = Field(
        default_factory=dict,
        description=(
            "What the run reported, e.g. rows deleted per table (texts redacted); null for a"
            " run done once for all orgs whose result adds up or names other orgs' data"
        ),
    )


class JobRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "vulns.kev_sync",
                    "description": "Sync the CISA KEV catalogue",
                    "interval_s": 86400,
                    "per_org": False,
                    "lane": "default",
                    "last_run": _RUN_EXAMPLE,
                    "last_failure": _RUN_EXAMPLE,
                    "running": False,
                    "running_since": None,
                    "next_due_at": "2026-11-26T10:15:00Z",
                    "due": False,
                }
            ]
        }
    )

    name: str
    description: str
    interval_s: int
    per_org: bool = Field(description="Run once per org (else once for all orgs)")
    lane: str = Field(description="Jobs of one lane run one after another")
    last_run: JobRunRead | None = Field(description="The last finished run; null if none")
    last_failure: JobRunRead | None = Field(
        description="The last run that ended in error (may be last_run); null if none"
    )
    running: bool = Field(description="A run is in progress now")
    running_since: datetime | None
    next_due_at: datetime | None = Field(
        description="When the scheduler next runs it; null if it never ran (due at once)"
    )
    due: bool = Field(description="Due now: the scheduler runs it at its next check (30 s)")


class JobRunPage(Page[JobRunRead]):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_RUN_EXAMPLE]}]})
