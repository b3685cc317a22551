"""jobs.service on the real database: the scheduler's due rule, every registered job listed."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import create_org
from tests.jobs.conftest import JobMaker
from threatvec.core.clock import pinned
from threatvec.jobs import service
from threatvec.jobs.models import JobRun
from threatvec.jobs.registry import load_all_jobs
from threatvec.jobs.runner import is_due, next_due_at, run_job
from threatvec.store.engine import session_scope


def _state(session_factory, org_id: str, name: str):
    with session_factory() as s:
        [state] = [j for j in service.job_states(session=s, org_id=org_id) if j.name == name]
        return state


def test_next_due_is_the_schedulers_rule_and_a_cancelled_run_does_not_count(
    session_factory, make_job: JobMaker
) -> None:
    org = create_org(session_factory)
    job = make_job(lambda **kw: {}, per_org=False, every_s=600)
    [run] = run_job(session_factory, job) or []
    due = run.started_at + timedelta(seconds=600)
    # A later run cut short (the server stopping) did not happen, for the scheduler too.
    with session_scope(session_factory) as s:
        s.add(JobRun(job=job.name, outcome="cancelled", error="interrupted: stopping"))
    with session_factory() as s:
        assert next_due_at(s, job) == due and not is_due(s, job)
    state = _state(session_factory, org.id, job.name)
    assert state.next_due_at == due and state.due is False
    assert state.last_run is not None and state.last_run.outcome == "cancelled"
    with pinned(due), session_factory() as s:
        assert is_due(s, job)
        [state] = [j for j in service.job_states(session=s, org_id=org.id) if j.name == job.name]
        assert state.due is True


def test_every_registered_job_is_listed_by_name(session_factory, make_job: JobMaker) -> None:
    org = create_org(session_factory)
    make_job(lambda **kw: {})
    with session_factory() as s:
        names = [j.name for j in service.job_states(session=s, org_id=org.id)]
    assert names == sorted(load_all_jobs())
    assert {"alerts.evaluate", "alerts.deliver", "vulns.nvd_sync", "vulns.kev_sync"} <= set(names)
