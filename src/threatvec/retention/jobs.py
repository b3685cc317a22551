"""The retention job: an org's raw events older than THREATVEC_EVENTS_KEEP_DAYS go."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from threatvec.core.settings import Settings
from threatvec.jobs.registry import job
from threatvec.retention import service


# Hourly, as jobs.prune_runs: each run deletes about an hour of rows in a few batches,
# so the work never piles up into one long run that holds the default lane up.
# Per org: its run shows its own counts, never another org's volumes.
@job(
    "retention.prune_events",
    every_s=3600,
    description="Delete raw events older than THREATVEC_EVENTS_KEEP_DAYS (400)",
)
def prune_events(*, session: Session, org_id: str) -> dict[str, Any]:
    # Read at each run: no restart to change it.
    keep_days = Settings().events_keep_days
    deleted = service.prune_events(session=session, org_id=org_id, keep_days=keep_days)
    return {"keep_days": keep_days, "deleted": deleted, "total": sum(deleted.values())}
