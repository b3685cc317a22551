"""Red-team jobs: the weekly learning cycle and ATLAS catalogue, the hourly mailbox prune."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from threatvec.core.settings import get_settings
from threatvec.jobs.registry import job
from threatvec.redteam.atlas_sync import sync_atlas
from threatvec.redteam.flows import context_from_settings, start_cycle
from threatvec.redteam.service import get_cycle_or_raise
from threatvec.redteam.transport_db import prune_deliveries
from threatvec.vulns.http_retry import RetryPolicy

WEEK_S = 7 * 24 * 3600

log = logging.getLogger("threatvec.redteam")


@job(
    "redteam.learning_cycle",
    every_s=WEEK_S,
    description="Red-team learning cycle: recent AI CVEs → ATLAS scenarios → runs on agents",
)
def learning_cycle(*, session: Session, org_id: str) -> dict[str, Any]:
    settings = get_settings()
    ctx = context_from_settings(
        sessionmaker(bind=session.get_bind(), expire_on_commit=False), settings
    )
    cycle_id = start_cycle(ctx, org_id=org_id, trigger="job", background=False)
    session.expire_all()
    cycle = get_cycle_or_raise(session=session, org_id=org_id, cycle_id=cycle_id)
    return {
        "cycle_id": cycle_id,
        "cves": cycle.cve_count,
        "agents": cycle.agent_count,
        **{k: v for k, v in (cycle.summary or {}).items() if isinstance(v, int)},
    }


@job(
    "redteam.atlas_sync",
    every_s=WEEK_S,
    per_org=False,
    result_for_all=True,  # counts of a shared feed
    description="Download the MITRE ATLAS catalogue when it changed (THREATVEC_ATLAS_URL)",
)
def atlas_sync(*, session: Session) -> dict[str, Any]:
    url = get_settings().atlas_url
    if not url:
        return {"status": "off", "reason": "THREATVEC_ATLAS_URL is empty"}
    # A weekly job can wait for next week: a short retry, so an offline server is not held up.
    result = sync_atlas(session, url=url, timeout=30.0, retry=RetryPolicy(max_attempts=3))
    if result.status == "skipped_older":
        # Nobody watches a weekly job: the log says why the catalogue did not move
        # (`threatvec atlas sync --force` imports the older file if that is wanted).
        log.warning("ATLAS sync from %s: %s", url, result.message)
    return result.to_dict()


@job(
    "redteam.prune_probe_deliveries",
    every_s=3600,
    per_org=False,
    description="Delete SDK probe deliveries an hour after they expired (the probe mailbox)",
)
def prune_probe_deliveries(*, session: Session) -> dict[str, Any]:
    return {"deleted": prune_deliveries(session)}
