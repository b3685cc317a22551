"""Tech-stack imports as background jobs with progress (real SQLite file; PostgreSQL with -m db)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import Api, create_org
from tests.vulns.test_router import _csv_upload
from threatvec.store.engine import session_scope
from threatvec.vulns import demo
from threatvec.vulns.models import StackImportJob
from threatvec.vulns.stack_service import import_stack


def full_stack(rows: int = 10_000) -> str:
    """A full-size stack: real library names the demo CVEs name, then made-up ones."""
    real = ["langchain,0.2.1", "linux,6.1.70", "postgresql,16.2", "mlflow,2.9.0", "gradio,3.0.0"]
    lines = ["technology,version,vendor,asset_count", *(f"{r},V,2" for r in real)]
    lines += [f"library{i},1.{i % 40}.0,Vendor {i % 60},{1 + i % 9}" for i in range(rows)]
    return "\n".join(lines[: rows + 1]) + "\n"


@pytest.fixture
def seeded(api: Api, session_factory) -> Api:
    with session_scope(session_factory) as s:
        demo.seed(session=s, org_id=api.org.id)
    return api


def poll(api: Api, job_id: str, timeout: float = 60.0) -> tuple[dict[str, Any], list[float]]:
    seen: list[float] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = api.get(f"/tech-stack/imports/{job_id}")
        assert r.status_code == 200, r.text
        job = r.json()
        seen.append(job["percent"])
        if job["status"] in ("completed", "failed"):
            return job, seen
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


@pytest.mark.db
def test_import_reports_progress_once_through(seeded: Api, session_factory) -> None:
    """0 -> 100 without going back: one scoring pass, every phase named."""
    steps: list[tuple[float, str]] = []
    with session_scope(session_factory) as s:
        result = import_stack(
            session=s,
            org_id=seeded.org.id,
            data=full_stack().encode(),
            progress=lambda pct, phase: steps.append((pct, phase)),
        )
    assert result.rows == 10_000 and result.imported == 10_000
    percents = [p for p, _ in steps]
    assert percents[0] == 0 and percents[-1] == 100
    # Scoring every CVE a second time sent the bar back: it must only move forward.
    assert percents == sorted(percents), steps
    # and each CVE is scored once: the scoring phase reaches 100 % once, not once per pass
    scoring = [p for p, phase in steps if phase == "scoring CVEs"]
    assert scoring[0] == 15 and scoring.count(100.0) == 1, steps
    assert [phase for _, phase in steps][:2] == ["reading the file", "storing entries"]


@pytest.mark.db
def test_background_import_is_a_job_the_api_polls(seeded: Api, session_factory) -> None:
    before = len(seeded.get("/tech-stack", params={"limit": 500}).json()["items"])
    r = seeded.post("/tech-stack/imports", files=_csv_upload(full_stack(), "stack.csv"))
    assert r.status_code == 202, r.text
    started = r.json()
    assert started["status"] in ("queued", "running", "completed")
    assert started["filename"] == "stack.csv" and 0 <= started["percent"] <= 100
    job, seen = poll(seeded, started["id"])
    assert job["status"] == "completed" and job["error"] is None and job["percent"] == 100
    assert seen == sorted(seen)
    assert job["result"]["imported"] == 10_000
    assert job["result"]["entries"] == before + 10_000
    assert job["finished_at"] >= job["started_at"]
    listed = seeded.get("/tech-stack", params={"q": "langchain"}).json()["items"]
    assert ("0.2.1", "V") in [(e["version"], e["vendor"]) for e in listed]  # the file's row
    # another org cannot see it
    other = create_org(session_factory)
    r = seeded.client.get(f"/api/v1/tech-stack/imports/{started['id']}", headers=other.headers)
    assert r.status_code == 404


def test_background_import_names_what_is_wrong(api: Api) -> None:
    # A file unusable as a whole is refused at once (no job), naming the problem.
    empty = api.post("/tech-stack/imports", files=_csv_upload(""))
    assert empty.status_code == 422 and "file" in empty.text
    no_column = api.post("/tech-stack/imports", files=_csv_upload("name,version\nx,1\n"))
    assert no_column.status_code == 422 and "technology" in no_column.text
    assert "body.file" in no_column.text or "file" in no_column.json()["errors"][0]["loc"]
    # Bad rows in a good file: the job completes and lists them by line.
    r = api.post("/tech-stack/imports", files=_csv_upload("technology,asset_count\nredis,many\n"))
    assert r.status_code == 202, r.text
    job, _ = poll(api, r.json()["id"])
    assert job["status"] == "completed" and job["result"]["imported"] == 0
    assert job["result"]["rejected"][0]["line"] == 2
    assert api.get("/tech-stack/imports/not-a-job").status_code == 404


def test_one_import_at_a_time_per_org(api: Api, session_factory) -> None:
    with session_scope(session_factory) as s:
        running = StackImportJob(org_id=api.org.id, status="running", phase="scoring CVEs")
        s.add(running)
        s.flush()
        running_id = running.id
    r = api.post("/tech-stack/imports", files=_csv_upload("technology\nredis\n"))
    assert r.status_code == 409 and running_id in r.text
    # Another org is not held up by it.
    other = create_org(session_factory)
    files = _csv_upload("technology\nredis\n")
    r = api.client.post("/api/v1/tech-stack/imports", files=files, headers=other.headers)
    assert r.status_code == 202
    poll(Api(api.client, other), r.json()["id"])


@pytest.mark.postgres
def test_progress_reaches_the_row_for_other_replicas(seeded: Api, session_factory) -> None:
    """On PostgreSQL a poll may land on another replica: the row itself moves."""
    from tests.conftest import backend

    if backend() != "postgres":
        pytest.skip("SQLite is one process: its progress is read from memory")
    r = seeded.post("/tech-stack/imports", files=_csv_upload(full_stack(), "stack.csv"))
    job_id = r.json()["id"]
    seen: list[float] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        # The row as another replica reads it, not get_job() (which adds this process's memory).
        with session_scope(session_factory) as s:
            row = s.get(StackImportJob, job_id)
            assert row is not None and row.org_id == seeded.org.id
            status, percent = row.status, row.percent
        if status in ("completed", "failed"):
            break
        seen.append(percent)
        time.sleep(0.02)
    assert status == "completed"
    assert any(0 < p < 100 for p in seen), seen
