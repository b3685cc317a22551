"""The weekly learning-cycle job, end to end on a database of its own.

Isolation is the point of this module (it replaced a test that failed once
and could not be explained): the job reads the process-wide settings, so the
environment is pinned here (data dir, secret key, harness) instead of using
whatever the machine has in ``~/.local/share/threatvec``; the CVE it learns
from is made recent *relative to now* in a brand-new database, so neither
the calendar nor CVE rows other tests left in the shared database decide
what the cycle sees; and the job module is imported directly, so a broken
import in another domain's jobs cannot fail this one.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import create_org, make_migrated_engine, new_database_url
from tests.redteam.agents.servers import OpenAIAgentServer
from tests.redteam.conftest import shared
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox
from threatvec.core.settings import get_settings

SECRET_KEY = "weekly-job-test-key-" + "w" * 30


@pytest.fixture
def job_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("THREATVEC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("THREATVEC_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("THREATVEC_ALLOW_PRIVATE_OUTBOUND", "true")
    monkeypatch.setenv("THREATVEC_REDTEAM_LISTENER_ENABLED", "true")
    monkeypatch.setenv("THREATVEC_REDTEAM_LISTENER_PORT", "0")
    for name in ("REDTEAM_LISTENER_PUBLIC_URL", "REDTEAM_JUDGE_BASE_URL", "ENVIRONMENT"):
        monkeypatch.delenv(f"THREATVEC_{name}", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def own_store(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    from threatvec.store.engine import make_session_factory

    engine: Engine = make_migrated_engine(new_database_url(tmp_path))
    yield make_session_factory(engine)
    engine.dispose()


def _recent_langchain_cve() -> dict[str, Any]:
    data = json.loads(shared("nvd", "nvd_sample_dev.json").read_text(encoding="utf-8"))
    cve = next(v["cve"] for v in data["vulnerabilities"] if v["cve"]["id"] == "CVE-2023-44467")
    fresh = copy.deepcopy(cve)
    # Modified "now": the job looks at the last 30 days of the vulnerability database.
    fresh["lastModified"] = utcnow().strftime("%Y-%m-%dT%H:%M:%S.000")
    return dict(fresh)


def test_job_module_is_registered() -> None:
    from threatvec.jobs.registry import JOB_MODULES

    assert "threatvec.redteam.jobs" in JOB_MODULES


def test_weekly_job_learns_from_a_recent_cve_and_runs_the_agent(
    job_settings: None, own_store: sessionmaker[Session], openai_agents: OpenAIAgentServer
) -> None:
    from threatvec.assets import service as assets
    from threatvec.assets.schemas import AssetCreate
    from threatvec.jobs.registry import JOBS
    from threatvec.jobs.runner import run_job
    from threatvec.redteam import service
    from threatvec.redteam.jobs import WEEK_S  # importing the module registers the job
    from threatvec.redteam.models import RedTeamRun
    from threatvec.vulns.ingest import store_nvd_records
    from threatvec.vulns.nvd import parse_cve

    job = JOBS["redteam.learning_cycle"]
    assert job.interval_s == WEEK_S == 7 * 24 * 3600
    org = create_org(own_store)
    with own_store() as s:
        store_nvd_records(s, [parse_cve(_recent_langchain_cve())], rescore=False)
        user = assets.create(session=s, org_id=org.id,
                             data=AssetCreate(kind="agent", name="chain-user"))  # fmt: skip
        idle = assets.create(session=s, org_id=org.id,
                             data=AssetCreate(kind="agent", name="no-langchain"))  # fmt: skip
        base = {"type": "openai_chat", "base_url": openai_agents.url + "/v1",
                "model": "naive", "api_key_ref": "k"}  # fmt: skip
        box = SecretBox(SECRET_KEY)
        service.put_target(session=s, org_id=org.id, agent_id=user.id, box=box,
                           config={**base, "components": ["langchain-experimental"]},
                           secrets={"k": "sk-weekly-test"})  # fmt: skip
        service.put_target(session=s, org_id=org.id, agent_id=idle.id, box=box,
                           config={**base, "components": ["requests"]},
                           secrets={"k": "sk-weekly-test"})  # fmt: skip
        s.commit()

    runs = run_job(own_store, job, trigger="cli", org_id=org.id)
    assert runs is not None and len(runs) == 1
    assert runs[0].outcome == "ok", runs[0].error
    assert runs[0].detail["cves"] == 1 and runs[0].detail["runs"] == 1

    with own_store() as s:
        cycles, _ = service.list_cycles(session=s, org_id=org.id, page=service.PageParams())
        assert [(c.trigger, c.status) for c in cycles] == [("job", "completed")]
        rows = service.cycle_outcomes(session=s, org_id=org.id, cycle_id=cycles[0].id)
        mine = [r for r in rows if r.agent_id == user.id and r.run_id]
        assert mine and all(r.cve_id == "CVE-2023-44467" for r in mine)
        assert all(r.rule_id and r.scenario_id.startswith(f"CVE-2023-44467/{r.rule_id}/")
                   for r in mine)  # fmt: skip
        assert any(r.verdict == "FAIL" and r.evidence for r in mine)  # the naive agent
        theirs = [r for r in rows if r.agent_id == idle.id]
        assert theirs and all(r.status == "not_applicable" for r in theirs)
        run = s.scalar(select(RedTeamRun).where(RedTeamRun.id == mine[0].run_id))
        assert run is not None and run.kind == "cycle" and run.status == "completed"
