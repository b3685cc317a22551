"""/api/v1/jobs: the periodic jobs (did they run, fail, are they running) and their runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from threatvec.core.deps import OrgIdDep, PageDep, SessionDep
from threatvec.core.problems import problem_responses
from threatvec.jobs import service
from threatvec.jobs.schemas import JobRead, JobRunPage, Outcome

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=problem_responses(401, 422))


@router.get(
    "",
    response_model=list[JobRead],
    summary="Every periodic job: last run, last failure, in progress, next due",
)
def list_jobs(session: SessionDep, org_id: OrgIdDep) -> list[JobRead]:
    return service.job_states(session=session, org_id=org_id)


@router.get("/runs", response_model=JobRunPage, summary="Job runs, newest first")
def list_runs(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    job: Annotated[str | None, Query(max_length=100, description="Only this job's runs")] = None,
    outcome: Annotated[Outcome | None, Query(description="Only runs that ended so")] = None,
) -> JobRunPage:
    rows, cursor = service.list_run_page(
        session=session, org_id=org_id, page=page, job=job, outcome=outcome
    )
    return JobRunPage(items=[service.run_read(r) for r in rows], next_cursor=cursor)
