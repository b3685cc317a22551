"""The retention job: registered per org, reads THREATVEC_EVENTS_KEEP_DAYS at each run, its
counts kept on the run; the setting refuses a window under a day, at start too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.conftest import Api, create_org, free_port, new_database_url
from tests.retention.test_service_retention import TABLES, _remaining, _seed
from threatvec.core.clock import utcnow
from threatvec.core.settings import Settings
from threatvec.jobs.registry import load_all_jobs
from threatvec.jobs.runner import run_job

NAME = "retention.prune_events"


def test_the_job_prunes_each_org_by_the_setting_and_keeps_its_counts(
    client, session_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utcnow()
    org, other = create_org(session_factory), create_org(session_factory)
    mine, theirs = _seed(session_factory, org.id, now), _seed(session_factory, other.id, now)
    job = load_all_jobs()[NAME]
    assert job.per_org and job.interval_s == 3600
    monkeypatch.delenv("THREATVEC_EVENTS_KEEP_DAYS", raising=False)

    # Every org, one run each (as the scheduler runs it): the same cutoff for all.
    runs = run_job(session_factory, job, trigger="api")
    assert runs is not None
    assert _remaining(session_factory, org.id) == mine.kept
    assert _remaining(session_factory, other.id) == theirs.kept
    by_org = {r.org_id: r for r in runs}
    expected = {name: len(mine.old[name]) for name in TABLES}
    assert by_org[org.id].outcome == "ok"
    assert by_org[org.id].detail == {
        "keep_days": 400,
        "deleted": expected,
        "total": sum(expected.values()),
    }

    # The org reads its own run's counts in the jobs API, never another org's run.
    r = Api(client, org).get("/jobs/runs", params={"job": NAME})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["org_id"] for i in items] == [org.id]
    assert items[0]["result"] == by_org[org.id].detail

    # Read at each run: a shorter window takes effect with no restart.
    monkeypatch.setenv("THREATVEC_EVENTS_KEEP_DAYS", "30")
    runs = run_job(session_factory, job, trigger="api", org_id=org.id)
    assert runs is not None and runs[0].detail["keep_days"] == 30
    assert runs[0].detail["deleted"]["shadow_events"] == 2  # the 399-day-old rows
    assert all(
        len(ids) == 2
        for t, ids in _remaining(session_factory, org.id).items()
        if t != "integration_runs"
    )
    assert _remaining(session_factory, other.id) == theirs.kept


def test_the_default_window_is_400_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THREATVEC_EVENTS_KEEP_DAYS", raising=False)
    assert Settings().events_keep_days == 400
    monkeypatch.setenv("THREATVEC_EVENTS_KEEP_DAYS", " 1 ")
    assert Settings().events_keep_days == 1


@pytest.mark.parametrize("value", ["0", "-5", "a year", "1.5"])
def test_a_window_under_a_day_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("THREATVEC_EVENTS_KEEP_DAYS", value)
    with pytest.raises(ValueError, match="THREATVEC_EVENTS_KEEP_DAYS"):
        Settings()


def test_serve_stops_at_start_on_a_zero_window(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THREATVEC_", "ORG_KEY"))}
    env |= {
        "THREATVEC_DATA_DIR": str(tmp_path / "data"),
        "THREATVEC_DATABASE_URL": new_database_url(tmp_path),
        "THREATVEC_EVENTS_KEEP_DAYS": "0",
    }
    r = run(["serve", "--port", str(free_port()), "--no-scheduler"], env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "THREATVEC_EVENTS_KEEP_DAYS must be at least 1" in r.stderr
    assert "Traceback" not in r.stderr and "listening" not in r.stdout
