"""Run a job: one record per org, one org's failure never stops the others.

On PostgreSQL the whole run holds an advisory lock named after the job, so when
several replicas share a database exactly one of them runs it.

A run cut short ends ``cancelled`` with why: the server stopping (``Cancelled``),
`threatvec jobs run` stopped by Ctrl-C / SIGTERM / SIGHUP (KeyboardInterrupt, the
reason the command binds), or its process killed outright (SIGKILL, out of memory),
which the next run of the job on the same host sees (``end_dead_runs``). A cancelled
run does not count as the job's last run, so the job runs again when next checked.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from threatvec.core import owner as owners
from threatvec.core.cancel import Cancelled, stop_reason
from threatvec.core.clock import utcnow
from threatvec.core.metrics import JOB_RUNS
from threatvec.jobs.models import JobRun
from threatvec.jobs.registry import Job
from threatvec.orgs.models import Org

__all__ = ["end_dead_runs", "is_due", "job_lock", "next_due_at", "run_job"]

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


def next_due_at(session: Session, job: Job) -> datetime | None:
    """When the job is next due: its last run's start + its interval; None if it never ran."""
    last = session.scalar(
        select(JobRun.started_at)
        # A run cut short by a stopping server did not happen: run it again.
        .where(JobRun.job == job.name, JobRun.outcome != "cancelled")
        .order_by(JobRun.started_at.desc())
        .limit(1)
    )
    return None if last is None else last + timedelta(seconds=job.interval_s)


def is_due(session: Session, job: Job) -> bool:
    due = next_due_at(session, job)
    return due is None or utcnow() >= due


def end_dead_runs(session: Session, name: str, *, lock_held: bool = False) -> int:
    """End the job's 'running' rows whose process is provably gone (killed); how many.

    Nothing else would: the process that would have ended them is dead. With
    ``lock_held`` (PostgreSQL: this process holds the job's advisory lock, which a
    run keeps from start to end) every running row is an orphan, wherever its process
    ran: the database released the lock when that process's session ended. Without
    it, an owner on another host or in another container cannot be checked, and its
    row is left.
    """
    ended = 0
    for run in session.scalars(
        select(JobRun).where(JobRun.job == name, JobRun.outcome == "running")
    ):
        where = f"pid {run.owner_pid} on {run.owner_host}"
        if owners.is_dead(run.owner_host, run.owner_pid, run.owner_token):
            run.error = f"interrupted: the process running it stopped ({where})"
        elif lock_held:
            run.error = (
                f"interrupted: the process running it stopped ({where}; its database "
                "session ended and released the job's lock)"
            )
        else:
            continue
        run.outcome, run.finished_at = "cancelled", utcnow()
        log.warning("job %s run %s: %s", name, run.id, run.error)
        ended += 1
    session.commit()
    return ended


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
    except KeyboardInterrupt:
        # `threatvec jobs run` stopped by Ctrl-C or a signal: the row is ended (else it
        # read 'running' for good), then the stop goes on to the command.
        _finish(factory, run_id, "cancelled", stop_reason("interrupted: the job was stopped"), {})
        log.info("job %s stopped for org %s", job.name, org_id)
        JOB_RUNS.inc(job=job.name, outcome="cancelled")
        raise
    except Exception as exc:
        outcome, error = "error", f"{type(exc).__name__}: {exc}"[:2000]
        log.exception("job %s failed for org %s", job.name, org_id)
    done = _finish(factory, run_id, outcome, error, detail)
    JOB_RUNS.inc(job=job.name, outcome=outcome)
    return done


def _finish(
    factory: sessionmaker[Session],
    run_id: str,
    outcome: str,
    error: str | None,
    detail: dict[str, Any],
) -> JobRun:
    with factory() as session:
        # Committed above, and retention never deletes a running row (jobs.retention).
        done = session.get(JobRun, run_id)
        assert done is not None
        done.outcome, done.error, done.detail, done.finished_at = outcome, error, detail, utcnow()
        session.commit()
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
        with factory() as session:
            # A run whose process was killed is ended first: it no longer counts as the last.
            end_dead_runs(session, job.name, lock_held=engine.dialect.name == "postgresql")
        if only_if_due:
            with factory() as session:
                if not is_due(session, job):
                    return []
        if not job.per_org:
            return [_run_one(factory, job, None, trigger)]
        with factory() as session:
            org_ids = [org_id] if org_id else list(session.scalars(select(Org.id)))
        return [_run_one(factory, job, oid, trigger) for oid in org_ids]
