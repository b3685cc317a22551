"""A `threatvec cves …` command and the scheduler never run the same job at once.

On PostgreSQL the command's recorded run holds the job's advisory lock, as a
scheduled run does; a command started while the lock is held elsewhere stops with
a clear error and records nothing, and a run holding it ends the job's orphaned
'running' rows (left by a process killed on another host). Real CLI subprocesses
on a database of their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import backend, make_migrated_engine, new_database_url
from threatvec.jobs.models import JobRun
from threatvec.jobs.runner import job_lock
from threatvec.store.engine import make_session_factory

pytestmark = pytest.mark.db

NVD = Path(__file__).resolve().parents[3] / "shared" / "data" / "nvd" / "nvd_sample_dev.json"
JOB = "vulns.nvd_import"


def _cli(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREATVEC_")}
    env.update(
        THREATVEC_DATA_DIR=str(tmp_path / "data"),
        THREATVEC_DATABASE_URL=url,
        THREATVEC_SECRET_KEY="vulns-" + "s" * 40,
        THREATVEC_SCHEDULER_ENABLED="false",
    )
    return subprocess.run(
        [sys.executable, "-m", "threatvec.cli", *args],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_a_command_refuses_while_the_job_runs_elsewhere_and_ends_orphans(tmp_path: Path) -> None:
    if backend() != "postgres":
        pytest.skip("advisory locks are PostgreSQL's (SQLite has one writer and one host)")
    url = new_database_url(tmp_path)
    engine = make_migrated_engine(url)
    factory = make_session_factory(engine)
    try:
        with job_lock(engine, JOB) as held:  # the scheduler, mid-run, on another replica
            assert held
            busy = _cli(url, tmp_path, "cves", "import", str(NVD))
        assert busy.returncode == 1, busy.stderr
        assert f"error: {JOB} is running in another process" in busy.stderr
        with factory() as s:
            assert s.scalars(select(JobRun).where(JobRun.job == JOB)).all() == []
            # What a run killed in another container leaves: its pid cannot be checked here.
            s.add(JobRun(job=JOB, owner_host="other-container", owner_pid=4242, owner_token="t"))
            s.commit()

        done = _cli(url, tmp_path, "cves", "import", str(NVD))
        assert done.returncode == 0, done.stderr
        with factory() as s:
            rows = {r.owner_host: r for r in s.scalars(select(JobRun).where(JobRun.job == JOB))}
        orphan = rows.pop("other-container")
        assert orphan.outcome == "cancelled" and orphan.finished_at is not None
        assert orphan.error == (
            "interrupted: the process running it stopped (pid 4242 on other-container; "
            "its database session ended and released the job's lock)"
        )
        [mine] = rows.values()
        assert mine.outcome == "ok" and mine.trigger == "cli"
    finally:
        engine.dispose()
