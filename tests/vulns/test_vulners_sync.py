"""Vulners enrichment on a real store: a local server speaking Vulners' documented format."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import create_org, make_migrated_engine, new_database_url
from threatvec.jobs.registry import load_all_jobs
from threatvec.jobs.runner import run_job
from threatvec.store.engine import make_session_factory, session_scope
from threatvec.vulns.ingest import store_nvd_records
from threatvec.vulns.models import Cve, CveExposure, VulnersRecord
from threatvec.vulns.nvd import parse_cve
from threatvec.vulns.vulners import VulnersClient
from threatvec.vulns.vulners_sync import sync_vulners

from .conftest import Reply, Req
from .vulns_data import renamed

pytestmark = pytest.mark.db
REPO = Path(__file__).resolve().parents[2]
KEY = "vk-test-secret"


def vulners_app(scores: dict[str, float | None]) -> Any:
    def app(req: Req) -> Reply:
        if req.path != "/api/v3/search/id/" or req.headers.get("x-api-key") != KEY:
            return Reply(401, {"result": "error", "data": {"error": "bad key"}})
        docs = {}
        for cve in req.json()["id"]:
            if cve not in scores:
                continue
            docs[cve] = {
                "id": cve,
                "title": f"{cve} advisory",
                "href": f"https://vulners.test/cve/{cve}",
                "cvss": {"score": scores[cve]} if scores[cve] is not None else {},
                "enchantments": {"exploitation": {"wildExploited": True}},
            }
        return Reply(200, {"result": "OK", "data": {"documents": docs}})

    return app


@pytest.fixture
def store(tmp_path: Path):
    engine = make_migrated_engine(new_database_url(tmp_path))
    yield make_session_factory(engine)
    engine.dispose()


def _unscored_and_scored(nvd_raw: list[dict[str, Any]]) -> tuple[dict, dict]:
    raws = renamed(nvd_raw)
    recs = [parse_cve(r) for r in raws]
    unscored = next(r for r, p in zip(raws, recs, strict=True) if p.cvss.base_score is None)
    scored = next(r for r, p in zip(raws, recs, strict=True) if p.cvss.base_score is not None)
    return unscored, scored


def test_unscored_cve_takes_the_vulners_score_until_nvd_scores_it(store, nvd_raw, serve) -> None:
    org = create_org(store)
    unscored, scored = _unscored_and_scored(nvd_raw)
    with session_scope(store) as s:
        store_nvd_records(s, [parse_cve(unscored), parse_cve(scored)], org_ids=[org.id])
    nvd_score = parse_cve(scored).cvss.base_score

    def prio(cve_id: str) -> float:
        with store() as s:
            return s.scalar(
                select(CveExposure.priority).where(
                    CveExposure.org_id == org.id, CveExposure.cve_id == cve_id
                )
            )

    before = prio(unscored["id"])
    server = serve(vulners_app({unscored["id"]: 9.8, scored["id"]: 1.0}))
    with session_scope(store) as s, VulnersClient(KEY, server.url) as client:
        stats = sync_vulners(s, client, cve_ids=[unscored["id"], scored["id"]], org_ids=[org.id])
    assert stats.added == 2
    with store() as s:
        cve = s.get(Cve, unscored["id"])
        assert cve.cvss_score == 9.8 and cve.cvss_source == "Vulners"
        assert cve.severity == "CRITICAL" and "Vulners" in cve.cvss_reason
        # NVD's own score is never replaced.
        assert s.get(Cve, scored["id"]).cvss_score == nvd_score
        assert s.get(VulnersRecord, scored["id"]).exploited_in_wild is True
    assert prio(unscored["id"]) > before
    # The same answer again changes nothing.
    with session_scope(store) as s, VulnersClient(KEY, server.url) as client:
        again = sync_vulners(s, client, cve_ids=[unscored["id"]], org_ids=[org.id])
    assert again.unchanged == 1 and again.added == again.updated == 0
    # NVD scores it later: NVD wins.
    analysed = copy.deepcopy(unscored)
    analysed["lastModified"] = "2099-01-01T00:00:00.000"
    analysed["vulnStatus"] = "Analyzed"
    analysed["metrics"] = copy.deepcopy(scored["metrics"])
    with session_scope(store) as s:
        store_nvd_records(s, [parse_cve(analysed)], org_ids=[org.id])
    with store() as s:
        cve = s.get(Cve, unscored["id"])
        assert cve.cvss_score == nvd_score and cve.cvss_source != "Vulners"


def test_job_is_off_without_a_key_and_runs_with_one(store, nvd_raw, serve, monkeypatch) -> None:
    create_org(store)
    unscored, _ = _unscored_and_scored(nvd_raw)
    with session_scope(store) as s:
        store_nvd_records(s, [parse_cve(unscored)])
    job = load_all_jobs()["vulns.vulners_sync"]
    monkeypatch.delenv("THREATVEC_VULNERS_API_KEY", raising=False)
    runs = run_job(store, job, trigger="test")
    assert runs and runs[0].outcome == "ok" and runs[0].detail["enabled"] is False
    server = serve(vulners_app({unscored["id"]: 7.5}))
    monkeypatch.setenv("THREATVEC_VULNERS_API_KEY", KEY)
    monkeypatch.setenv("THREATVEC_VULNERS_BASE_URL", server.url)
    runs = run_job(store, job, trigger="test")
    assert runs and runs[0].outcome == "ok", runs and runs[0].error
    assert runs[0].detail["enabled"] is True and runs[0].detail["added"] == 1
    assert KEY not in str(runs[0].detail)
    with store() as s:
        assert s.get(Cve, unscored["id"]).cvss_score == 7.5


def test_cli_needs_the_key_and_never_prints_it(store, nvd_raw, serve, tmp_path: Path) -> None:
    url = store.kw["bind"].url.render_as_string(hide_password=False)
    env = {
        **os.environ,
        "THREATVEC_DATABASE_URL": url,
        "THREATVEC_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO / "src"),
    }
    env.pop("THREATVEC_VULNERS_API_KEY", None)
    cmd = [sys.executable, "-m", "threatvec.cli", "cves", "vulners-sync"]
    off = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert off.returncode != 0 and "THREATVEC_VULNERS_API_KEY" in off.stderr
    server = serve(vulners_app({}))
    env.update(THREATVEC_VULNERS_API_KEY="wrong-key", THREATVEC_VULNERS_BASE_URL=server.url)
    with session_scope(store) as s:
        store_nvd_records(s, [parse_cve(r) for r in renamed(nvd_raw[:2])])
    bad = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    # A refused key (401, not retried): one error line, non-zero exit, the key nowhere.
    assert bad.returncode != 0 and bad.stderr.strip().startswith("error:"), bad.stderr
    assert "wrong-key" not in bad.stdout + bad.stderr and "Traceback" not in bad.stderr
