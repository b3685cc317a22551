"""What the background jobs did, as one org may see it: each job's state, and its runs.

An org sees its own runs and the runs done once for all orgs (org_id null: the
feed syncs), never another org's: a run's error text can name that org's
systems. Error texts are stored as the job raised them, so they are redacted
(core.logs.redact) on the way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from threatvec.core import owner as owners
from threatvec.core.clock import utcnow
from threatvec.core.errors import InvalidInput
from threatvec.core.logs import redact
from threatvec.core.pagination import PageParams, SortSpec, paginate_union
from threatvec.jobs.models import JobRun
from threatvec.jobs.registry import JOBS, Job, load_all_jobs
from threatvec.jobs.runner import next_due_at
from threatvec.jobs.schemas import JobRead, JobRunRead

__all__ = ["job_states", "list_run_page", "run_read"]

RUN_SORTS = SortSpec(columns={"started_at": JobRun.started_at}, default="-started_at")


def _visible(org_id: str) -> ColumnElement[bool]:
    return or_(JobRun.org_id == org_id, JobRun.org_id.is_(None))


def run_read(run: JobRun) -> JobRunRead:
    """One run as the API shows it: error redacted, no owner process (its token)."""
    duration = None
    if run.finished_at is not None:
        duration = round((run.finished_at - run.started_at).total_seconds(), 3)
    return JobRunRead(
        id=run.id,
        job=run.job,
        org_id=run.org_id,
        trigger=run.trigger,
        outcome=run.outcome,  # type: ignore[arg-type]  # one of OUTCOMES (models.py)
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration_s=duration,
        error=redact(run.error) if run.error else None,
        result=_redacted(run.detail or {}) if _result_shown(run) else None,
    )


def _result_shown(run: JobRun) -> bool:
    """An org's own run's result, or a global job's that says it is the same for all."""
    if run.org_id is not None:
        return True
    job = JOBS.get(run.job)
    return job is not None and job.result_for_all


def _redacted(value: Any) -> Any:
    """A job's result with every text redacted: a feed job may report a URL it called."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {str(k): _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def _latest(session: Session, job: Job, org_id: str, *where: ColumnElement[bool]) -> JobRun | None:
    return session.scalar(
        select(JobRun)
        .where(JobRun.job == job.name, _visible(org_id), *where)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(1)
    )


def _running_since(session: Session, job: Job, org_id: str) -> JobRun | None:
    """The oldest run still in progress; a row whose process is provably dead is not.

    A killed run's row reads 'running' until the job's next run ends it
    (runner.end_dead_runs): shown as running, it would say so for hours.
    """
    rows = session.scalars(
        select(JobRun)
        .where(JobRun.job == job.name, JobRun.outcome == "running", _visible(org_id))
        .order_by(JobRun.started_at.asc())
    )
    for run in rows:
        if not owners.is_dead(run.owner_host, run.owner_pid, run.owner_token):
            return run
    return None


def _state(session: Session, job: Job, org_id: str) -> JobRead:
    last = _latest(session, job, org_id, JobRun.outcome != "running")
    failure = _latest(session, job, org_id, JobRun.outcome == "error")
    running = _running_since(session, job, org_id)
    # The scheduler's own rule (runner.is_due), so the page and the scheduler agree.
    due_at = next_due_at(session, job)
    return JobRead(
        name=job.name,
        description=job.description,
        interval_s=job.interval_s,
        per_org=job.per_org,
        lane=job.lane,
        last_run=run_read(last) if last else None,
        last_failure=run_read(failure) if failure else None,
        running=running is not None,
        running_since=running.started_at if running else None,
        next_due_at=due_at,
        due=due_at is None or utcnow() >= due_at,
    )


def job_states(*, session: Session, org_id: str) -> list[JobRead]:
    """Every registered job, by name, with what the org may see of its runs."""
    jobs = load_all_jobs()
    return [_state(session, jobs[name], org_id) for name in sorted(jobs)]


def list_run_page(
    *,
    session: Session,
    org_id: str,
    page: PageParams,
    job: str | None = None,
    outcome: str | None = None,
) -> tuple[Sequence[JobRun], str | None]:
    """Runs the org may see, newest first, optionally of one job and one outcome."""
    where: list[ColumnElement[bool]] = []
    if outcome is not None:
        where.append(JobRun.outcome == outcome)
    # The org's runs and the global ones, each read in index order (org_id, started_at):
    # with `org_id = :org OR org_id IS NULL` every page read and sorted all of them.
    own = select(JobRun).where(JobRun.org_id == org_id, *where)
    shared = select(JobRun).where(JobRun.org_id.is_(None), *where)
    parts = [own, shared]
    if job is not None:
        jobs = load_all_jobs()
        if job not in jobs:
            known = ", ".join(sorted(jobs))
            raise InvalidInput(("query", "job"), f"no job named {job!r}; known: {known}")
        # A job's runs are all the org's or all global (runner.run_job): the other part
        # is empty, and searching it walked every run of the org for none.
        part = own if jobs[job].per_org else shared
        parts = [part.where(JobRun.job == job)]
    return paginate_union(session, parts, id_column=JobRun.id, sort_spec=RUN_SORTS, params=page)
