"""`threatvec jobs run` stopped by a signal, or killed outright: what its job_runs row says.

Real subprocesses running the real CLI (`threatvec.cli.main`) on a database of their
own, with one slow job registered the way a domain registers its jobs; real signals.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import backend, make_migrated_engine, new_database_url
from threatvec.jobs.models import JobRun
from threatvec.jobs.registry import Job
from threatvec.jobs.runner import is_due, run_job

pytestmark = pytest.mark.db

JOB = "test.slow"
# The child registers a job that says it started (a file), then works for two minutes.
CHILD = """
import sys, time
from pathlib import Path
from threatvec.jobs.registry import job
from threatvec.cli import main

@job("test.slow", every_s=3600, description="slow", per_org=False)
def slow(*, session):
    Path(marker).write_text("started")
    time.sleep(120)
    return {"done": True}

marker = sys.argv[1]
sys.argv = ["threatvec", "jobs", "run", "test.slow"]
main()
"""


@dataclass
class Store:
    env: dict[str, str]
    factory: sessionmaker[Session]
    marker: Path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    from threatvec.store.engine import make_session_factory

    url = new_database_url(tmp_path)
    engine: Engine = make_migrated_engine(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREATVEC_")}
    env.update(
        THREATVEC_DATA_DIR=str(tmp_path / "data"),
        THREATVEC_DATABASE_URL=url,
        THREATVEC_SECRET_KEY="jobs-" + "s" * 40,
        THREATVEC_SCHEDULER_ENABLED="false",
    )
    yield Store(env, make_session_factory(engine), tmp_path / "started")
    engine.dispose()


def _start(store: Store) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store.marker)], env=store.env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not store.marker.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the job never started: {proc.communicate()}")
        time.sleep(0.05)
    return proc


def _rows(store: Store) -> list[JobRun]:
    with store.factory() as s:
        return list(s.scalars(select(JobRun).where(JobRun.job == JOB)))


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)],
    ids=["SIGTERM", "SIGINT", "SIGHUP"],
)
def test_a_run_stopped_by_a_signal_ends_its_row_with_why_and_when(
    store: Store, signum: int, code: int
) -> None:
    proc = _start(store)
    time.sleep(0.3)  # a measurable duration
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    label = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    assert f"{JOB} stopped" in err and label in err
    [row] = _rows(store)
    assert row.outcome == "cancelled"
    assert row.error == f"interrupted: the job was stopped by {label}"
    assert row.finished_at is not None
    assert (row.finished_at - row.started_at).total_seconds() >= 0.3
    # Cut short, it did not happen: the scheduler still runs the job when it is due.
    with store.factory() as s:
        assert is_due(s, Job(name=JOB, interval_s=3600, run=lambda **kw: {}, description="t"))


def test_a_killed_runs_row_is_ended_by_the_next_run_as_interrupted(store: Store) -> None:
    proc = _start(store)
    proc.kill()  # SIGKILL: nothing in the process runs again
    proc.communicate(timeout=60)
    [row] = _rows(store)
    assert row.outcome == "running" and row.finished_at is None  # all the row can say
    assert row.owner_pid == proc.pid
    ran: list[int] = []
    job = Job(name=JOB, interval_s=3600, run=lambda **kw: ran.append(1) or {},
              description="t", per_org=False)  # fmt: skip
    # The scheduler's check: the dead run is ended, and (not having finished) does not
    # count as the job's last run, so the job is due at once.
    assert len(run_job(store.factory, job, only_if_due=True) or []) == 1
    assert ran == [1]
    dead = next(r for r in _rows(store) if r.id == row.id)
    assert dead.outcome == "cancelled" and dead.finished_at is not None
    assert dead.error == (
        f"interrupted: the process running it stopped (pid {proc.pid} on {dead.owner_host})"
    )


def test_a_live_runs_row_is_left_running(store: Store) -> None:
    proc = _start(store)
    try:
        job = Job(name=JOB, interval_s=3600, run=lambda **kw: {}, description="t",
                  per_org=False)  # fmt: skip
        # Its process still runs: the row stays running and the job is not due again
        # (on PostgreSQL the running process still holds the job's lock: None, nothing ran).
        held = None if backend() == "postgres" else []
        assert run_job(store.factory, job, only_if_due=True) == held
        [row] = _rows(store)
        assert row.outcome == "running"
    finally:
        proc.kill()
        proc.communicate(timeout=60)


def test_a_run_left_on_another_host_is_ended_where_the_lock_proves_it_gone(store: Store) -> None:
    with store.factory() as s:  # what a run killed in another container leaves behind
        s.add(JobRun(job=JOB, owner_host="other-container", owner_pid=4242, owner_token="t"))
        s.commit()
    job = Job(name=JOB, interval_s=3600, run=lambda **kw: {}, description="t", per_org=False)
    assert len(run_job(store.factory, job) or []) == 1
    [left] = [r for r in _rows(store) if r.owner_host == "other-container"]
    if backend() == "postgres":
        # A run holds the job's advisory lock to its end, and this run got the lock:
        # the other process's database session is gone, so is its run.
        assert left.outcome == "cancelled" and left.finished_at is not None
        assert "pid 4242 on other-container; its database session ended" in (left.error or "")
    else:  # its pid means nothing here: the row is left as it is
        assert left.outcome == "running" and left.finished_at is None
