"""Run a job: one record per org, one org's failure never stops the others.

On PostgreSQL the whole run holds an advisory lock named after the job, so when
several replicas share a database exactly one of them runs it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from threatvec.core.cancel import Cancelled
from threatvec.core.clock import utcnow
from threatvec.core.metrics import JOB_RUNS
from threatvec.jobs.models import JobRun
from threatvec.jobs.registry import Job
from threatvec.orgs.models import Org

__all__ = ["is_due", "job_lock", "run_job"]

log = logging.getLogger("threatvec.jobs")


def _lock_id(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def job_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Yield True if this process may run the job now (always True on SQLite)."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        got = bool(
            conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _lock_id(name)}).scalar()
        )
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _lock_id(name)})
            conn.commit()


def is_due(session: Session, job: Job) -> bool:
    last = session.scalar(
        select(JobRun.started_at)
        # A run cut short by a stopping server did not happen: run it again.
        .where(JobRun.job == job.name, JobRun.outcome != "cancelled")
        .order_by(JobRun.started_at.desc())
        .limit(1)
    )
    return last is None or utcnow() - last >= timedelta(seconds=job.interval_s)


def _run_one(factory: sessionmaker[Session], job: Job, org_id: str | None, trigger: str) -> JobRun:
    with factory() as session:
        run = JobRun(job=job.name, org_id=org_id, trigger=trigger)
        session.add(run)
        session.commit()
        run_id = run.id
    outcome, error, detail = "ok", None, {}
    try:
        with factory() as session:
            kwargs = {"session": session, "org_id": org_id} if job.per_org else {"session": session}
            detail = job.run(**kwargs) or {}
            session.commit()
    except Cancelled as exc:
        # The server is stopping: the run ends here and the next start runs it again.
        outcome, error = "cancelled", str(exc)
        log.info("job %s cancelled: %s", job.name, exc)
    except Exception as exc:
        outcome, error = "error", f"{type(exc).__name__}: {exc}"[:2000]
        log.exception("job %s failed for org %s", job.name, org_id)
    with factory() as session:
        # Committed above, and nothing deletes job runs (nor the orgs they cascade from).
        done = session.get(JobRun, run_id)
        assert done is not None
        done.outcome, done.error, done.detail, done.finished_at = outcome, error, detail, utcnow()
        session.commit()
    JOB_RUNS.inc(job=job.name, outcome=outcome)
    return done


def run_job(
    factory: sessionmaker[Session],
    job: Job,
    *,
    trigger: str = "schedule",
    only_if_due: bool = False,
    org_id: str | None = None,
) -> list[JobRun] | None:
    """Run the job; None means another replica holds its lock (nothing ran here)."""
    engine = factory.kw["bind"]
    with job_lock(engine, job.name) as acquired:
        if not acquired:
            return None
        if only_if_due:
            with factory() as session:
                if not is_due(session, job):
                    return []
        if not job.per_org:
            return [_run_one(factory, job, None, trigger)]
        with factory() as session:
            org_ids = [org_id] if org_id else list(session.scalars(select(Org.id)))
        return [_run_one(factory, job, oid, trigger) for oid in org_ids]
