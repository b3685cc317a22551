"""The retention job: an org's raw events older than THREATVEC_EVENTS_KEEP_DAYS go."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from threatvec.core.settings import Settings
from threatvec.jobs.registry import job
from threatvec.retention import history, service


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


# A sibling of prune_events (the same setting and batches): its own run, so the counts
# of the history tables are read apart from the raw events' and one never holds the
# other up. Hourly: after the first run, each deletes the hour's few old records.
@job(
    "retention.prune_history",
    every_s=3600,
    description=(
        "Delete red-team runs and cycles, MCP scan reports and tech-stack import jobs "
        "older than THREATVEC_EVENTS_KEEP_DAYS (400); active and latest ones stay"
    ),
)
def prune_history(*, session: Session, org_id: str) -> dict[str, Any]:
    keep_days = Settings().events_keep_days
    deleted = history.prune_history(session=session, org_id=org_id, keep_days=keep_days)
    return {"keep_days": keep_days, "deleted": deleted, "total": sum(deleted.values())}


# Shared reference data (not an org's): one run for the install, daily is plenty. Its
# result stays hidden from orgs, as every prune across orgs (docs/api.md).
@job(
    "retention.prune_atlas_imports",
    every_s=24 * 3600,
    per_org=False,
    description="Delete ATLAS import records older than THREATVEC_EVENTS_KEEP_DAYS (400); "
    "the newest of each catalogue stays",
)
def prune_atlas_imports(*, session: Session) -> dict[str, Any]:
    keep_days = Settings().events_keep_days
    deleted = history.prune_atlas_imports(session=session, keep_days=keep_days)
    return {"keep_days": keep_days, "deleted": {"atlas_imports": deleted}, "total": deleted}
