"""Periodic posture jobs: an hourly snapshot (time moves the windows) and snapshot thinning."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.jobs.registry import job
from threatvec.posture import service

# a little under the interval, so a run a few seconds early still snapshots
SNAPSHOT_EVERY = timedelta(minutes=55)


@job("posture.snapshot", every_s=3600, description="Recompute the posture and store a snapshot")
def snapshot_posture(*, session: Session, org_id: str) -> dict[str, Any]:
    now = utcnow()
    last = service.latest_snapshot(session=session, org_id=org_id)
    if last is not None and now - last.computed_at < SNAPSHOT_EVERY:
        return {"skipped": "a snapshot less than an hour old exists", "snapshot_id": last.id}
    snap = service.recompute(session=session, org_id=org_id, now=now, trigger="schedule")
    return {"snapshot_id": snap.id, "value": snap.composite, "duration_ms": snap.duration_ms}


@job("posture.prune", every_s=6 * 3600, description="Thin posture snapshots older than 2 days")
def prune_snapshots(*, session: Session, org_id: str) -> dict[str, Any]:
    return {"deleted": service.prune(session=session, org_id=org_id)}
