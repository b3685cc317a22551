"""What a run reported (its result) in GET /api/v1/jobs/runs and Settings → Background jobs:
texts redacted, markup escaped, another org's result never shown."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api, create_org, dashboard_login
from tests.jobs.conftest import SECRET, JobMaker
from threatvec.jobs.registry import JOBS, load_all_jobs
from threatvec.jobs.runner import run_job


def test_a_runs_result_is_shown_redacted_and_escaped_to_its_own_org_only(
    app, client, session_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_job = JobMaker(monkeypatch)
    a, b = create_org(session_factory), create_org(session_factory)

    def report(*, session, org_id):
        who = "A" if org_id == a.id else "B-only-canary"
        return {
            "deleted": {"rows": 3},
            "called": [f"https://feed.example/x?api_key={SECRET}"],
            "note": f"<b>{who}</b>",
        }

    job = make_job(report)
    run_job(session_factory, job, org_id=a.id)
    run_job(session_factory, job, org_id=b.id)

    r = Api(client, a).get("/jobs/runs", params={"job": job.name})
    assert r.status_code == 200, r.text
    [run] = r.json()["items"]
    assert run["result"]["deleted"] == {"rows": 3} and run["result"]["note"] == "<b>A</b>"
    assert run["result"]["called"] == ["https://feed.example/x?api_key=[REDACTED]"]
    shown = [j for j in Api(client, a).get("/jobs").json() if j["name"] == job.name]
    assert shown[0]["last_run"]["result"] == run["result"]

    with TestClient(app) as c:
        dashboard_login(c, a.key)
        html = c.get("/settings").text
    row = html.split(f'data-job="{job.name}"')[1].split("</tr>")[0]
    assert 'class="muted job-result"' in row and "&#34;rows&#34;: 3" in row
    assert "&lt;b&gt;A&lt;/b&gt;" in row and "<b>" not in row
    assert SECRET not in html and "B-only-canary" not in html


def test_a_global_runs_result_is_shown_only_when_it_is_the_same_for_every_org(
    client, session_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run done once for all orgs may add up or name their data (the OSV sync lists
    every org's stack packages): every org sees that it ran, its result only when
    the job says that result is shared data."""
    make_job = JobMaker(monkeypatch)
    a = create_org(session_factory)

    def across_orgs(*, session):
        return {"skipped_entry_names": ["b-internal-llm-gateway"], "deleted": 9_999}

    def feed(*, session):
        return {"fetched": 12}

    private = make_job(across_orgs, per_org=False)
    shared = make_job(feed, per_org=False)
    monkeypatch.setitem(JOBS, shared.name, replace(shared, result_for_all=True))
    run_job(session_factory, private)
    run_job(session_factory, JOBS[shared.name])

    api = Api(client, a)
    [hidden] = api.get("/jobs/runs", params={"job": private.name}).json()["items"]
    assert hidden["outcome"] == "ok" and hidden["result"] is None
    [seen] = api.get("/jobs/runs", params={"job": shared.name}).json()["items"]
    assert seen["result"] == {"fetched": 12}
    listed = {j["name"]: j for j in api.get("/jobs").json()}
    assert listed[private.name]["last_run"]["result"] is None
    assert "b-internal-llm-gateway" not in client.get("/api/v1/jobs").text


def test_only_feed_jobs_share_their_results() -> None:
    shared = {j.name for j in load_all_jobs().values() if j.result_for_all}
    assert shared == {
        "vulns.nvd_sync", "vulns.epss_sync", "vulns.kev_sync", "vulns.vulners_sync",
        "redteam.atlas_sync",
    }  # fmt: skip
    assert all(not j.per_org for j in load_all_jobs().values() if j.result_for_all)
