"""/api/v1/jobs over the real app: jobs run through the real runner on the real database."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta
from typing import Any

from tests.conftest import Api, create_org
from tests.jobs.conftest import SECRET, JobMaker, failing
from threatvec.core import owner as owners
from threatvec.jobs.models import JobRun
from threatvec.jobs.runner import run_job
from threatvec.store.engine import session_scope


def _job(api: Api, name: str) -> dict[str, Any]:
    r = api.get("/jobs")
    assert r.status_code == 200, r.text
    [found] = [j for j in r.json() if j["name"] == name]
    return found


def _runs(api: Api, **params: Any) -> list[dict[str, Any]]:
    r = api.get("/jobs/runs", params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_a_job_shows_its_last_run_last_failure_and_when_it_is_next_due(
    client, session_factory, make_job: JobMaker
) -> None:
    org = create_org(session_factory)
    api = Api(client, org)
    outcomes = iter([RuntimeError("first run broke"), None])

    def flaky(*, session, org_id):
        exc = next(outcomes)
        if exc:
            raise exc
        return {"done": 1}

    job = make_job(flaky, every_s=7200, description="Flaky <b>sync</b>")
    never = _job(api, job.name)
    assert never["last_run"] is None and never["last_failure"] is None
    assert never["next_due_at"] is None and never["due"] is True and never["running"] is False
    assert never["description"] == "Flaky <b>sync</b>" and never["interval_s"] == 7200

    [bad] = run_job(session_factory, job, trigger="cli", org_id=org.id) or []
    [good] = run_job(session_factory, job, trigger="cli", org_id=org.id) or []
    shown = _job(api, job.name)
    assert shown["last_run"]["id"] == good.id and shown["last_run"]["outcome"] == "ok"
    assert shown["last_run"]["trigger"] == "cli" and shown["last_run"]["org_id"] == org.id
    assert shown["last_run"]["duration_s"] >= 0 and shown["last_run"]["error"] is None
    assert shown["last_failure"]["id"] == bad.id
    assert shown["last_failure"]["error"] == "RuntimeError: first run broke"
    # The scheduler's rule: the last run's start + the interval.
    due = good.started_at + timedelta(seconds=7200)
    assert shown["next_due_at"].replace("Z", "+00:00") == due.isoformat()
    assert shown["due"] is False and shown["running"] is False


def test_an_org_sees_its_own_and_global_runs_never_another_orgs(
    client, session_factory, make_job: JobMaker
) -> None:
    a, b = create_org(session_factory), create_org(session_factory)
    per_org, once = make_job(failing), make_job(failing, per_org=False)
    run_job(session_factory, per_org, org_id=a.id)
    run_job(session_factory, per_org, org_id=b.id)
    [global_run] = run_job(session_factory, once) or []

    api_a = Api(client, a)
    runs = _runs(api_a, job=per_org.name)
    assert [r["org_id"] for r in runs] == [a.id]
    assert b.id not in api_a.get("/jobs/runs").text
    assert b.id not in api_a.get("/jobs").text
    assert _job(api_a, per_org.name)["last_failure"]["org_id"] == a.id
    assert [r["id"] for r in _runs(api_a, job=once.name)] == [global_run.id]
    assert [r["id"] for r in _runs(Api(client, b), job=once.name)] == [global_run.id]
    assert a.id not in Api(client, b).get("/jobs/runs").text


def test_error_texts_are_redacted_and_the_owner_token_is_never_returned(
    client, session_factory, make_job: JobMaker
) -> None:
    org = create_org(session_factory)
    api = Api(client, org)
    job = make_job(failing)
    [run] = run_job(session_factory, job, org_id=org.id) or []
    assert SECRET in (run.error or "")  # stored as raised
    listed = api.get("/jobs/runs", params={"job": job.name}).text
    state = api.get("/jobs").text
    for text in (listed, state):
        assert SECRET not in text
        assert "[REDACTED]" in text and f"sync for org {org.id} failed" in text
        assert run.owner_token and run.owner_token not in text


def test_a_password_in_a_feed_url_is_redacted(client, session_factory, make_job: JobMaker) -> None:
    org = create_org(session_factory)

    def broken(*, session, org_id):
        raise OSError("cannot reach https://mirror:hunter2-pw@nvd.mirror.example/feeds")

    job = make_job(broken)
    run_job(session_factory, job, org_id=org.id)
    [run] = _runs(Api(client, org), job=job.name)
    assert (
        run["error"] == "OSError: cannot reach https://mirror:[REDACTED]@nvd.mirror.example/feeds"
    )


def test_runs_page_newest_first_and_filter_by_outcome(
    client, session_factory, make_job: JobMaker
) -> None:
    org = create_org(session_factory)
    api = Api(client, org)
    results = iter([None, RuntimeError("x"), None, RuntimeError("y"), None])

    def mixed(*, session, org_id):
        exc = next(results)
        if exc:
            raise exc

    job = make_job(mixed)
    made = [r for _ in range(5) for r in run_job(session_factory, job, org_id=org.id) or []]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"job": job.name, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/jobs/runs", params=params).json()
        assert len(page["items"]) <= 2
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r.id for r in reversed(made)]
    errors = _runs(api, job=job.name, outcome="error")
    assert [r["error"] for r in errors] == ["RuntimeError: y", "RuntimeError: x"]
    assert len(_runs(api, job=job.name, outcome="ok")) == 3


def test_pages_interleave_the_orgs_runs_and_global_runs_by_start(
    client, session_factory, make_job: JobMaker
) -> None:
    org, other = create_org(session_factory), create_org(session_factory)
    api = Api(client, org)
    per_org, once = make_job(lambda **kw: {}), make_job(lambda **kw: {}, per_org=False)
    made = []
    for _ in range(3):
        made += run_job(session_factory, per_org, org_id=org.id) or []
        run_job(session_factory, per_org, org_id=other.id)
        made += run_job(session_factory, once) or []
    mine = {per_org.name, once.name}
    seen: list[str] = []
    for limit in (1, 2, 4):
        seen, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            page = api.get("/jobs/runs", params=params).json()
            seen += [r["id"] for r in page["items"] if r["job"] in mine]
            cursor = page["next_cursor"]
            if cursor is None or len(seen) == len(made):
                break
        # Newest first across both kinds, none twice, none missed, never the other org's.
        assert seen == [r.id for r in reversed(made)], limit


def test_bad_filters_are_a_422_naming_the_parameter(client, session_factory) -> None:
    api = Api(client, create_org(session_factory))
    r = api.get("/jobs/runs", params={"outcome": "exploded"})
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["errors"]] == [["query", "outcome"]]
    r = api.get("/jobs/runs", params={"job": "no.such.job"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["query", "job"]
    assert "no job named 'no.such.job'" in r.json()["detail"]
    r = api.get("/jobs/runs", params={"cursor": "not-a-cursor"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "cursor"]
    assert client.get("/api/v1/jobs").status_code == 401


def test_a_run_in_progress_shows_as_running_since_its_start(
    client, session_factory, make_job: JobMaker
) -> None:
    org = create_org(session_factory)
    api = Api(client, org)
    started, release = threading.Event(), threading.Event()

    def slow(*, session, org_id):
        started.set()
        release.wait(120)
        return {}

    job = make_job(slow)
    worker = threading.Thread(
        target=run_job, args=(session_factory, job), kwargs={"org_id": org.id}, daemon=True
    )
    worker.start()
    try:
        assert started.wait(60), "the job never started"
        shown = _job(api, job.name)
        assert shown["running"] is True and shown["last_run"] is None
        [row] = _runs(api, job=job.name, outcome="running")
        assert shown["running_since"] == row["started_at"] and row["finished_at"] is None
    finally:
        release.set()
        worker.join(60)
    shown = _job(api, job.name)
    assert shown["running"] is False and shown["running_since"] is None
    assert shown["last_run"]["outcome"] == "ok"


def test_a_run_whose_process_was_killed_does_not_read_as_running(
    client, session_factory, make_job: JobMaker
) -> None:
    org = create_org(session_factory)
    api = Api(client, org)
    job = make_job(lambda **kw: {})
    # A real process that has ended: its row is what a `kill -9` leaves behind.
    code = "from threatvec.core import owner; o = owner.current(); print(o.pid, o.token)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    pid, token = out.stdout.split()
    with session_scope(session_factory) as s:
        s.add(
            JobRun(job=job.name, org_id=org.id, owner_host=owners.current().host,
                   owner_pid=int(pid), owner_token=token)
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while not owners.is_dead(owners.current().host, int(pid), token):
        assert time.monotonic() < deadline, "the child process never went away"
        time.sleep(0.1)
    shown = _job(api, job.name)
    assert shown["running"] is False and shown["running_since"] is None
    assert [r["outcome"] for r in _runs(api, job=job.name)] == ["running"]
