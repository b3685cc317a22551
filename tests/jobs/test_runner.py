from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import create_org
from threatvec.jobs.models import JobRun
from threatvec.jobs.registry import Job, load_all_jobs
from threatvec.jobs.runner import is_due, run_job


def test_one_orgs_failure_never_stops_the_others(session_factory) -> None:
    bad = create_org(session_factory)
    seen: list[str] = []

    def work(*, session, org_id):
        if org_id == bad.id:
            raise RuntimeError("boom for this org")
        seen.append(org_id)
        return {"ok": True}

    job = Job(name="test.partial", interval_s=60, run=work, description="t")
    runs = run_job(session_factory, job, trigger="cli") or []
    by_org = {r.org_id: r for r in runs}
    assert by_org[bad.id].outcome == "error" and "boom" in by_org[bad.id].error
    assert len(seen) == len(runs) - 1 and all(by_org[o].outcome == "ok" for o in seen)
    with session_factory() as s:
        stored = s.scalars(select(JobRun).where(JobRun.job == "test.partial")).all()
        assert len(stored) == len(runs) and all(r.finished_at for r in stored)
        assert not is_due(s, job)


def test_builtin_jobs_are_registered_and_run(session_factory) -> None:
    jobs = load_all_jobs()
    assert "signals.prune" in jobs
    runs = run_job(session_factory, jobs["signals.prune"], trigger="cli") or []
    assert runs and all(r.outcome == "ok" and "deleted" in r.detail for r in runs)


def test_only_if_due_skips_recent(session_factory) -> None:
    calls = []
    job = Job(
        name="test.due",
        interval_s=3600,
        run=lambda **kw: calls.append(1) or {},
        description="t",
        per_org=False,
    )
    assert len(run_job(session_factory, job, only_if_due=True) or []) == 1
    assert run_job(session_factory, job, only_if_due=True) == []
    assert len(calls) == 1


@pytest.mark.postgres
def test_advisory_lock_lets_exactly_one_replica_run(engine, session_factory) -> None:
    from tests.conftest import backend
    from threatvec.jobs.runner import job_lock

    if backend() != "postgres":
        pytest.skip("advisory locks are PostgreSQL's")
    calls: list[str] = []
    job = Job(
        name="test.locked",
        interval_s=60,
        run=lambda **kw: calls.append("ran") or {},
        description="t",
        per_org=False,
    )
    # Another replica holds the job's lock: this one must not run it.
    with job_lock(engine, job.name) as held:
        assert held
        assert run_job(session_factory, job) is None
    assert calls == []
    # Once released, it runs here.
    assert len(run_job(session_factory, job) or []) == 1 and calls == ["ran"]


def test_a_job_waiting_on_a_retry_is_cancelled_when_the_scheduler_stops(
    session_factory, monkeypatch
) -> None:
    """Ctrl-C must not wait out a feed's retry backoff: the wait ends, the run is "cancelled"."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import httpx

    from threatvec.server.scheduler import Scheduler
    from threatvec.vulns.http_retry import RetryPolicy, request_with_retry

    asked = threading.Event()

    class Down(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # a feed that answers 503 until further notice
            asked.set()
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Down)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/feed"

    def feed(*, session):
        policy = RetryPolicy(max_attempts=6, base_delay=60.0, max_delay=60.0)
        with httpx.Client() as client:
            request_with_retry(client, "GET", url, policy=policy, source="test feed")
        return {}

    job = Job(name="test.backoff", interval_s=3600, run=feed, description="t", per_org=False)
    monkeypatch.setattr("threatvec.server.scheduler.load_all_jobs", lambda: {job.name: job})
    sched = Scheduler(session_factory, tick_s=0.05)
    try:
        sched.start()
        assert asked.wait(30), "the job never asked the feed"
        sched.stop()  # the job now sits in a 60 s backoff
        assert not sched._thread.is_alive()
    finally:
        server.shutdown()
    with session_factory() as s:
        run = s.scalars(select(JobRun).where(JobRun.job == "test.backoff")).one()
        assert run.outcome == "cancelled" and "stopping" in (run.error or "")
        assert run.finished_at is not None
        assert is_due(s, job)  # a cancelled run did not happen: the next start runs it


def test_a_slow_job_does_not_hold_up_alert_delivery(session_factory, monkeypatch) -> None:
    # One scheduler thread ran every job in turn: an NVD sync retrying an unreachable feed (or
    # a long AgentBench run) delayed alert notifications by minutes. Alerts run in their own lane.
    import threading

    from threatvec.server.scheduler import Scheduler

    release = threading.Event()
    delivered = threading.Event()

    def slow(*, session):
        release.wait(30)
        return {}

    def deliver(*, session):
        delivered.set()
        return {}

    jobs = {
        "test.slow_sync": Job(
            name="test.slow_sync", interval_s=3600, run=slow, description="t", per_org=False
        ),
        "test.alerts_deliver": Job(
            name="test.alerts_deliver",
            interval_s=30,
            run=deliver,
            description="t",
            per_org=False,
            lane="alerts",
        ),
    }
    monkeypatch.setattr("threatvec.server.scheduler.load_all_jobs", lambda: jobs)
    sched = Scheduler(session_factory, tick_s=0.05)
    try:
        sched.start()
        assert delivered.wait(10), "alert delivery waited for the slow job"
    finally:
        release.set()
        sched.stop()


def test_alert_jobs_have_their_own_lane() -> None:
    jobs = load_all_jobs()
    assert jobs["alerts.deliver"].lane == jobs["alerts.evaluate"].lane == "alerts"
    assert jobs["vulns.nvd_sync"].lane == "default"
