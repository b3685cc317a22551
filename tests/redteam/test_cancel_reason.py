"""Cancelling a run or a learning cycle says who did it and, optionally, why.

Through the API (an org key), the Red Team page (a signed-in dashboard, real
form posts with CSRF) and the CLI (real subprocesses: `threatvec agentbench
cancel` on the database, `threatvec red-team cancel-cycle` against the live
server over HTTP).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import Api, LiveServer, OrgHandle, create_org, csrf_token, dashboard_login
from threatvec.redteam import service
from threatvec.redteam.models import RedTeamRun

REASON = 'agent redeploying <script>alert("x")</script> & back at 10:00'


def _queued_run(factory: sessionmaker[Session], org_id: str, name: str) -> str:
    """A queued AgentBench run of a new agent (nothing executes it: a cancel ends it at once)."""
    from threatvec.assets import service as assets
    from threatvec.assets.schemas import AssetCreate

    with factory() as s:
        asset = assets.create(session=s, org_id=org_id, data=AssetCreate(kind="agent", name=name))
        ref = service.resolve_agent(session=s, org_id=org_id, agent_id=asset.id)
        run = service.create_run(session=s, org_id=org_id, agent=ref, mode="quick", k=1,
                                 target_type="http", by="test")  # fmt: skip
        s.commit()
        return run.id


def _queued_cycle(factory: sessionmaker[Session], org_id: str) -> str:
    with factory() as s:
        cycle = service.create_cycle(session=s, org_id=org_id, trigger="job")
        s.commit()
        return cycle.id


def test_a_run_cancel_records_who_and_why(api: Api, session_factory: Any) -> None:
    # Before: the run recorded nobody and the cancel took no reason.
    run_id = _queued_run(session_factory, api.org.id, "reason-bot")
    r = api.post(f"/agentbench/runs/{run_id}/cancel", json={"reason": f"  {REASON}  "})
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "cancelled"
    assert (body["cancelled_by"], body["cancel_reason"]) == (f"key:{api.org.name}", REASON)
    again = api.get(f"/agentbench/runs/{run_id}").json()
    assert (again["cancelled_by"], again["cancel_reason"]) == (f"key:{api.org.name}", REASON)
    assert api.org.key not in r.text  # who, never the key itself


def test_a_cancel_without_a_body_still_records_who(api: Api, session_factory: Any) -> None:
    run_id = _queued_run(session_factory, api.org.id, "no-reason-bot")
    r = api.post(f"/agentbench/runs/{run_id}/cancel")
    assert r.status_code == 202, r.text
    assert (r.json()["cancelled_by"], r.json()["cancel_reason"]) == (f"key:{api.org.name}", None)
    cycle_id = _queued_cycle(session_factory, api.org.id)
    r = api.post(f"/red-team/learn/cycles/{cycle_id}/cancel", json={"reason": "   "})
    assert r.status_code == 202, r.text  # a blank reason is no reason
    assert (r.json()["cancelled_by"], r.json()["cancel_reason"]) == (f"key:{api.org.name}", None)


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("x" * 501, "at most 500"),
        ("stop\x07now", "U+0007 at position 5"),
        ("evil \u202etxt.exe", "U+202E at position 6"),  # reverses the rest of the line
        ("hidden\u200bword", "U+200B at position 7"),
    ],
    ids=["too-long", "control", "bidi-override", "zero-width"],
)
def test_a_bad_reason_is_a_422_naming_the_field_and_nothing_is_cancelled(
    api: Api, session_factory: Any, reason: str, says: str
) -> None:
    run_id = _queued_run(session_factory, api.org.id, f"bad-reason-{says[:6]}")
    cycle_id = _queued_cycle(session_factory, api.org.id)
    for path in (f"/agentbench/runs/{run_id}/cancel", f"/red-team/learn/cycles/{cycle_id}/cancel"):
        r = api.post(path, json={"reason": reason})
        assert r.status_code == 422, r.text
        assert "reason" in r.text and (says in r.text or "500 characters" in r.text), r.text
    assert api.get(f"/agentbench/runs/{run_id}").json()["status"] == "queued"
    assert api.get(f"/red-team/learn/cycles/{cycle_id}").json()["status"] == "queued"
    r = api.post(f"/agentbench/runs/{run_id}/cancel", json={"reason": "ok", "by": "someone"})
    assert r.status_code == 422 and "by" in r.text  # who is never taken from the body
    api.post(f"/red-team/learn/cycles/{cycle_id}/cancel")  # the org may start cycles again


def test_a_cycle_cancel_records_who_and_why_on_the_cycle_and_its_runs(
    api: Api, session_factory: Any
) -> None:
    cycle_id = _queued_cycle(session_factory, api.org.id)
    with session_factory() as s:
        cycle = service.get_cycle_or_raise(session=s, org_id=api.org.id, cycle_id=cycle_id)
        ref = service.resolve_agent(
            session=s, org_id=api.org.id, agent_id=_new_agent(s, api.org.id, "cycle-reason")
        )
        run = service.create_run(session=s, org_id=api.org.id, agent=ref, mode="cycle", k=1,
                                 target_type="http", kind="cycle", cycle_id=cycle.id)  # fmt: skip
        s.commit()
        run_id = run.id
    r = api.post(f"/red-team/learn/cycles/{cycle_id}/cancel", json={"reason": REASON})
    assert r.status_code == 202, r.text
    body = r.json()
    assert (body["cancelled_by"], body["cancel_reason"]) == (f"key:{api.org.name}", REASON)
    assert body["error"] == f"cancelled by key:{api.org.name}"
    run_row = api.get(f"/agentbench/runs/{run_id}").json()
    assert (run_row["status"], run_row["cancelled_by"], run_row["cancel_reason"]) == (
        "cancelled",
        f"key:{api.org.name}",
        REASON,
    )


def _new_agent(s: Session, org_id: str, name: str) -> str:
    from threatvec.assets import service as assets
    from threatvec.assets.schemas import AssetCreate

    return assets.create(session=s, org_id=org_id, data=AssetCreate(kind="agent", name=name)).id


def test_the_page_cancels_with_a_reason_shows_who_and_why_escaped(
    app: Any, session_factory: Any
) -> None:
    org = create_org(session_factory)
    run_id = _queued_run(session_factory, org.id, "page-reason-bot")
    with TestClient(app) as c:
        dashboard_login(c, org.key)
        page = c.get("/red-team").text
        assert f'action="/red-team/runs/{run_id}/cancel"' in page and 'name="reason"' in page
        csrf = csrf_token(page)
        bad = c.post(f"/red-team/runs/{run_id}/cancel", data={"csrf": csrf, "reason": "a\x1bb"})
        assert bad.status_code == 422 and "U+001B" in bad.text, bad.text[:500]
        r = c.post(f"/red-team/runs/{run_id}/cancel", data={"csrf": csrf, "reason": REASON},
                   follow_redirects=False)  # fmt: skip
        assert r.status_code == 303, r.text[:300]
        page = c.get("/red-team").text
    row = page.split(f'data-run-id="{run_id}"')[1].split("</tr>")[0]
    assert f"cancelled by dashboard:{org.id}: " in row
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; back at 10:00" in row
    assert "<script>alert" not in page


def test_the_page_cancels_a_cycle_with_a_reason(app: Any, session_factory: Any) -> None:
    org = create_org(session_factory)
    cycle_id = _queued_cycle(session_factory, org.id)
    with TestClient(app) as c:
        dashboard_login(c, org.key)
        page = c.get("/red-team").text
        assert 'id="cycle-cancel-form"' in page
        form = {"csrf": csrf_token(page), "reason": REASON}
        r = c.post(f"/red-team/cycles/{cycle_id}/cancel", data=form, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        page = c.get("/red-team").text
    status = page.split('id="cycle-status"')[1].split("</p>")[0]
    assert f"cancelled by dashboard:{org.id}" in status
    assert "Reason: agent redeploying &lt;script&gt;" in status


# ── CLI ───────────────────────────────────────────────────────────────────


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "threatvec.cli", *args], env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_agentbench_cancel_on_the_command_line_records_the_user_and_reason(
    tmp_path: Path,
) -> None:
    from tests.conftest import make_migrated_engine, new_database_url
    from threatvec.store.engine import make_session_factory

    url = new_database_url(tmp_path)
    engine = make_migrated_engine(url)
    factory = make_session_factory(engine)
    org = create_org(factory)
    run_id = _queued_run(factory, org.id, "cli-reason-bot")
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREATVEC_")}
    env.update(THREATVEC_DATA_DIR=str(tmp_path / "data"), THREATVEC_DATABASE_URL=url,
               THREATVEC_SECRET_KEY="c" * 40, USER="alice", LOGNAME="alice")  # fmt: skip
    bad = _cli(env, "agentbench", "cancel", run_id, "--org", org.id, "--reason", "x\x01")
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("error: --reason: character U+0001 at position 2")
    done = _cli(env, "agentbench", "cancel", run_id, "--org", org.id, "--reason", REASON)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"run {run_id} cancelled"
    with factory() as s:
        run = s.get(RedTeamRun, run_id)
        assert run is not None
        assert (run.status, run.cancelled_by, run.cancel_reason) == (
            "cancelled",
            "cli:alice",
            REASON,
        )
    again = _cli(env, "agentbench", "cancel", run_id, "--org", org.id)
    assert again.returncode == 2 and f"run {run_id} is already cancelled" in again.stderr
    engine.dispose()


def test_red_team_cancel_cycle_sends_the_reason(
    live_server: LiveServer, session_factory: Any
) -> None:
    org: OrgHandle = create_org(session_factory)
    cycle_id = _queued_cycle(session_factory, org.id)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THREATVEC_", "ORG_KEY"))}
    env.update(THREATVEC_URL=live_server.url, THREATVEC_ORG_KEY=org.key)
    bad = _cli(env, "red-team", "cancel-cycle", cycle_id, "--reason", "y" * 501)
    assert bad.returncode != 0 and "reason" in bad.stderr, bad
    done = _cli(env, "red-team", "cancel-cycle", cycle_id, "--reason", REASON)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"cycle {cycle_id} cancelled"
    with session_factory() as s:
        cycle = service.get_cycle_or_raise(session=s, org_id=org.id, cycle_id=cycle_id)
        assert (cycle.cancelled_by, cycle.cancel_reason) == (f"key:{org.name}", REASON)
