"""job_runs retention on the real database: old finished runs go, what the jobs API and the
scheduler read stays."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import Api, create_org
from tests.deletes import deletes
from tests.jobs.conftest import JobMaker
from threatvec.core.clock import utcnow
from threatvec.core.settings import Settings
from threatvec.jobs import retention
from threatvec.jobs.models import JobRun
from threatvec.jobs.registry import load_all_jobs
from threatvec.jobs.runner import is_due, next_due_at
from threatvec.store.engine import session_scope

pytestmark = pytest.mark.db

DAY = timedelta(days=1)


def _add(session_factory, job: str, org_id: str | None, outcome: str, at: datetime) -> str:
    with session_scope(session_factory) as s:
        finished = None if outcome == "running" else at + timedelta(seconds=2)
        run = JobRun(job=job, org_id=org_id, outcome=outcome, started_at=at, finished_at=finished)
        s.add(run)
        s.flush()
        return run.id


def _ids(session_factory, *jobs: str) -> set[str]:
    with session_factory() as s:
        return set(s.scalars(select(JobRun.id).where(JobRun.job.in_(jobs))))


def _api_view(api: Api, *names: str) -> dict[str, Any]:
    r = api.get("/jobs")
    assert r.status_code == 200, r.text
    # `due` compares with the clock at the time of the request: next_due_at is the answer.
    return {
        j["name"]: {k: v for k, v in j.items() if k != "due"}
        for j in r.json()
        if j["name"] in names
    }


def test_old_finished_runs_go_the_newest_of_each_kind_and_running_ones_stay(
    client, session_factory, make_job: JobMaker
) -> None:
    org, other = create_org(session_factory), create_org(session_factory)
    api = Api(client, org)
    per_org = make_job(lambda **kw: {}, every_s=60)
    shared = make_job(lambda **kw: {}, per_org=False, every_s=7 * 86400)
    now = utcnow()
    old = now - 40 * DAY
    keep: set[str] = set()
    gone: set[str] = set()
    # per_org, this org: its last failure and an old stuck 'running' row are old; many old
    # ok runs and old errors; the newest finished run (cancelled) is recent.
    for i in range(7):
        gone.add(_add(session_factory, per_org.name, org.id, "ok", old + i * timedelta(minutes=1)))
    gone.add(_add(session_factory, per_org.name, org.id, "error", old + 10 * timedelta(minutes=1)))
    last_error = _add(session_factory, per_org.name, org.id, "error", old + DAY)
    stuck = _add(session_factory, per_org.name, org.id, "running", old - DAY)
    last_ok = _add(session_factory, per_org.name, org.id, "ok", old + 2 * DAY)
    gone.add(_add(session_factory, per_org.name, org.id, "cancelled", old + 3 * DAY))
    recent = [
        _add(session_factory, per_org.name, org.id, o, now - DAY + i * timedelta(minutes=1))
        for i, o in enumerate(["ok", "skipped", "cancelled"])
    ]
    keep |= {last_error, stuck, *recent}
    # The newest non-cancelled run is the scheduler's last run (is_due): it stays though old
    # and a later cancelled one exists. The other org's: only old rows, the newest of each kept.
    other_old = [
        _add(session_factory, per_org.name, other.id, o, old + i * timedelta(hours=1))
        for i, o in enumerate(["error", "ok", "error", "ok", "cancelled"])
    ]
    keep |= {other_old[2], other_old[3], other_old[4]}
    gone |= {other_old[0], other_old[1]}
    # Global job: every run old; the last finished, last error, last non-cancelled stay.
    shared_runs = [
        _add(session_factory, shared.name, None, o, old + i * timedelta(hours=1))
        for i, o in enumerate(["ok", "error", "ok", "ok", "error", "ok"])
    ]
    keep |= {shared_runs[4], shared_runs[5]}
    gone |= set(shared_runs[:4])
    # last_ok is older than the recent ok/skipped runs: it goes too.
    gone.add(last_ok)

    before = _api_view(api, per_org.name, shared.name)
    other_before = _api_view(Api(client, other), per_org.name)
    with session_factory() as s:
        due_before = {j.name: (next_due_at(s, j), is_due(s, j)) for j in (per_org, shared)}

    # Batches of 3 rows: many transactions, each one small.
    with session_factory() as s, deletes(s, "job_runs") as batches:
        deleted = retention.prune_runs(s, keep_days=30, batch_size=3)
    # Each DELETE is committed before the next: no transaction deletes more than a batch.
    per_transaction = "".join("c" if n == 0 else "d" for n in batches)
    assert per_transaction.count("d") >= 2 and "dd" not in per_transaction, batches
    assert max(batches) <= 3 and sum(batches) == deleted
    remaining = _ids(session_factory, per_org.name, shared.name)
    assert remaining == keep, (remaining - keep, keep - remaining)
    assert deleted >= len(gone)  # (and any other test's runs older than 30 days)

    assert _api_view(api, per_org.name, shared.name) == before
    assert _api_view(Api(client, other), per_org.name) == other_before
    with session_factory() as s:
        assert {j.name: (next_due_at(s, j), is_due(s, j)) for j in (per_org, shared)} == due_before
    # Nothing more to delete.
    with session_factory() as s:
        assert retention.prune_runs(s, keep_days=30, batch_size=3) == 0
    assert _ids(session_factory, per_org.name, shared.name) == keep


def test_of_runs_started_at_the_same_instant_the_one_the_api_shows_stays(
    client, session_factory, make_job: JobMaker
) -> None:
    org = create_org(session_factory)
    job = make_job(lambda **kw: {}, every_s=86400)
    at = utcnow() - 90 * DAY
    runs = [_add(session_factory, job.name, org.id, o, at) for o in ["ok", "error", "ok", "error"]]
    api = Api(client, org)
    before = _api_view(api, job.name)
    with session_factory() as s:
        retention.prune_runs(s, keep_days=30, batch_size=1)
    # The API breaks a tie by id (service._latest): the highest id of each kind stays.
    errors = sorted(r for r, o in zip(runs, ["ok", "error", "ok", "error"]) if o == "error")
    kept = _ids(session_factory, job.name)
    assert max(runs) in kept and errors[-1] in kept and len(kept) <= 2
    assert _api_view(api, job.name) == before


def test_the_retention_job_is_registered_and_reads_the_setting(
    session_factory, monkeypatch: pytest.MonkeyPatch, make_job: JobMaker
) -> None:
    org = create_org(session_factory)
    job = make_job(lambda **kw: {})
    ten_days = [
        _add(session_factory, job.name, org.id, "ok", utcnow() - 10 * DAY + i * timedelta(hours=1))
        for i in range(3)
    ]
    prune = load_all_jobs()["jobs.prune_runs"]
    assert not prune.per_org
    assert Settings().job_runs_keep_days == 30
    with session_factory() as s:
        prune.run(session=s)
    assert _ids(session_factory, job.name) == set(ten_days)
    monkeypatch.setenv("THREATVEC_JOB_RUNS_KEEP_DAYS", "7")
    with session_factory() as s:
        detail = prune.run(session=s)
    assert _ids(session_factory, job.name) == {ten_days[-1]}
    assert detail is not None and detail["deleted"] >= 2 and detail["keep_days"] == 7


def test_a_keep_days_below_one_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("THREATVEC_JOB_RUNS_KEEP_DAYS", "0")
    with pytest.raises(ValueError, match="job_runs_keep_days"):
        Settings()
