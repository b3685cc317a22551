"""Retention of job runs: finished runs older than a number of days are deleted.

The alert jobs run every 30 s per org (~58,000 rows a day at 20 orgs), so without
this ``job_runs`` grows for good. What the jobs API and the scheduler read is kept,
so they answer the same after a prune as before, however old the runs are: for
every job and org (or global) the newest finished run (last run), the newest
error (last failure) and the newest run that was not cancelled (runner.is_due,
next due). A ``running`` row is never deleted: its runner still has to end it.

Rows are deleted in batches, each its own transaction, so a first prune of a huge
table never holds a long write lock (SQLite) or transaction (PostgreSQL).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, or_, select
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.jobs.models import JobRun

__all__ = ["BATCH_SIZE", "prune_runs"]

log = logging.getLogger("threatvec.jobs")

BATCH_SIZE = 1000

Pair = tuple[str, str | None]


def _same_pair(pair: Pair) -> ColumnElement[bool]:
    job, org_id = pair
    org = JobRun.org_id.is_(None) if org_id is None else JobRun.org_id == org_id
    return and_(JobRun.job == job, org)


def _newest_id(session: Session, pair: Pair, *where: ColumnElement[bool]) -> str | None:
    # Ties broken by id, as the jobs API does (service._latest): the one it shows stays.
    return session.scalar(
        select(JobRun.id)
        .where(_same_pair(pair), *where)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(1)
    )


def _keepers(session: Session, pair: Pair) -> set[str]:
    """The runs of a job and org that the jobs API or the scheduler reads."""
    found = (
        _newest_id(session, pair, JobRun.outcome != "running"),
        _newest_id(session, pair, JobRun.outcome == "error"),
        # A running row is not enough: it may still end cancelled (end_dead_runs).
        _newest_id(session, pair, JobRun.outcome.not_in(("running", "cancelled"))),
    )
    return {run_id for run_id in found if run_id is not None}


def _candidates(
    session: Session, cutoff: datetime, after: tuple[datetime, str] | None, limit: int
) -> Sequence[tuple[str, str, str | None, datetime]]:
    """The next old finished runs, oldest first, past the cursor (kept runs stay behind it)."""
    query = select(JobRun.id, JobRun.job, JobRun.org_id, JobRun.started_at).where(
        JobRun.started_at < cutoff, JobRun.outcome != "running"
    )
    if after is not None:
        at, run_id = after
        # A range on the started_at index, then the ties; an OR of the two made SQLite read
        # and sort every old run for each batch.
        query = query.where(
            JobRun.started_at >= at, or_(JobRun.started_at > at, JobRun.id > run_id)
        )
    rows = session.execute(query.order_by(JobRun.started_at, JobRun.id).limit(limit))
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def prune_runs(
    session: Session,
    *,
    keep_days: int,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
) -> int:
    """Delete finished runs started more than keep_days ago, but the kept ones; how many.

    Commits after each batch.
    """
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    # Runs added while this prunes are newer, so a pair's kept runs only get older copies
    # kept a little longer; they never get deleted by a stale answer.
    kept: dict[Pair, set[str]] = {}
    deleted, after = 0, None
    while rows := _candidates(session, cutoff, after, batch_size):
        doomed = []
        for run_id, job, org_id, _ in rows:
            pair = (job, org_id)
            if pair not in kept:
                kept[pair] = _keepers(session, pair)
            if run_id not in kept[pair]:
                doomed.append(run_id)
        if doomed:
            result = session.execute(
                delete(JobRun)
                .where(JobRun.id.in_(doomed), JobRun.outcome != "running")
                .execution_options(synchronize_session=False)
            )
            deleted += int(getattr(result, "rowcount", 0) or 0)
        session.commit()
        last_id, _, _, last_at = rows[-1]
        after = (last_at, last_id)
    if deleted:
        log.info("job runs: deleted %d finished before %s", deleted, cutoff.isoformat())
    return deleted
