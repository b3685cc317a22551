"""Settings → Background jobs over the real app: each job's last outcome, when, next due and
last error, escaped; a failing job stands out; another org's runs never show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import create_org, dashboard_login
from tests.jobs.conftest import SECRET, JobMaker
from threatvec.jobs.runner import run_job


def _row(html: str, name: str) -> str:
    return html.split(f'data-job="{name}"')[1].split("</tr>")[0]


def test_background_jobs_show_outcome_next_due_and_the_escaped_last_error(
    app, session_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_job = JobMaker(monkeypatch)
    a, b = create_org(session_factory), create_org(session_factory)

    def broken(*, session, org_id):
        who = "A" if org_id == a.id else "B-only-canary"
        raise RuntimeError(f"<script>alert('{who}')</script> token={SECRET}")

    failing = make_job(broken, description="Pull <i>feeds</i>")
    fine = make_job(lambda **kw: {"n": 1}, every_s=900)
    never = make_job(lambda **kw: {}, per_org=False)
    run_job(session_factory, failing, org_id=a.id)
    run_job(session_factory, failing, org_id=b.id)
    [ok] = run_job(session_factory, fine, org_id=a.id) or []

    with TestClient(app) as c:
        dashboard_login(c, a.key)
        r = c.get("/settings")
    assert r.status_code == 200
    html = r.text
    assert "Background jobs" in html and "The scheduler is off on this server" in html

    # Named above the table too, linking to its row; the others are not.
    [named] = html.split('class="error jobs-failing">')[1:]
    named = named.split("</p>")[0]
    assert f'<a href="#job-{failing.name}">{failing.name}</a>' in named
    assert fine.name not in named and never.name not in named

    row = _row(html, failing.name)
    assert 'data-outcome="error" class="failing"' in row
    assert '<span class="badge fail">failing</span>' in row
    assert "&lt;script&gt;alert(&#39;A&#39;)&lt;/script&gt; token=[REDACTED]" in row
    assert "Pull &lt;i&gt;feeds&lt;/i&gt;" in row
    assert "<script>" not in html and "<i>feeds" not in html and SECRET not in html
    assert "B-only-canary" not in html

    row = _row(html, fine.name)
    assert 'data-outcome="ok"' in row and "failing" not in row
    assert "<td>15 min</td>" in row
    # Next due: 15 minutes after the last run started (the scheduler's rule).
    due = (ok.started_at + timedelta(seconds=900)).strftime("%Y-%m-%d %H:%M")
    assert f'class="job-due">{due} UTC</td>' in row

    row = _row(html, never.name)
    assert 'data-outcome="never"' in row and "never run" in row
    assert 'class="job-due">now' in row
