"""The jobs domain's own periodic job: deleting old job runs (jobs.retention)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from threatvec.core.settings import Settings
from threatvec.jobs import retention
from threatvec.jobs.registry import job


@job(
    "jobs.prune_runs",
    every_s=3600,
    per_org=False,
    description="Delete finished job runs older than THREATVEC_JOB_RUNS_KEEP_DAYS (30)",
)
def prune_runs(*, session: Session) -> dict[str, Any]:
    # Read at each run, as the feed jobs read their URLs: no restart to change it.
    keep_days = Settings().job_runs_keep_days
    return {"deleted": retention.prune_runs(session, keep_days=keep_days), "keep_days": keep_days}
