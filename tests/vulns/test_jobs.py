"""The scheduled vulnerability jobs through the real job runner (run records included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import create_org, make_migrated_engine, new_database_url
from threatvec.core.clock import pinned
from threatvec.jobs.registry import load_all_jobs
from threatvec.jobs.runner import run_job
from threatvec.store.engine import make_session_factory, session_scope
from threatvec.vulns import demo, ingest, service
from threatvec.vulns.models import Cve, CveExposure, EpssRecord, KevRecord

from .conftest import Reply, Req
from .test_nvd_client import FakeNvd

# Their own databases follow THREATVEC_TEST_BACKEND: run them in the PostgreSQL pass too.
pytestmark = pytest.mark.db


@pytest.fixture
def store(tmp_path: Path):
    engine = make_migrated_engine(new_database_url(tmp_path))
    yield make_session_factory(engine)
    engine.dispose()


def test_jobs_are_registered() -> None:
    jobs = load_all_jobs()
    for name in ("vulns.nvd_sync", "vulns.epss_sync", "vulns.kev_sync", "vulns.rescore"):
        assert name in jobs
    assert not jobs["vulns.nvd_sync"].per_org and jobs["vulns.rescore"].per_org


def test_source_jobs_against_local_servers(store, nvd_raw, data_dir, serve, monkeypatch) -> None:
    org = create_org(store)
    nvd = serve(FakeNvd(nvd_raw))
    kev_bytes = (data_dir / "kev" / "known_exploited_vulnerabilities.json").read_bytes()
    kev = serve(lambda req: Reply(200, kev_bytes))

    def epss(req: Req) -> Reply:
        ids = [c for c in (req.q("cve") or "").split(",") if c]
        return Reply(
            200,
            {
                "status": "OK",
                "total": len(ids),
                "offset": 0,
                "limit": 100,
                "data": [
                    {"cve": c, "epss": "0.2", "percentile": "0.97", "date": "2026-11-24"}
                    for c in ids
                ],
            },
        )

    epss_server = serve(epss)
    monkeypatch.setenv("THREATVEC_NVD_BASE_URL", nvd.url)
    monkeypatch.setenv("THREATVEC_KEV_URL", kev.url + "/kev.json")
    monkeypatch.setenv("THREATVEC_EPSS_BASE_URL", epss_server.url)
    # Every write counts as a big import here, so the first sync refreshes statistics.
    monkeypatch.setattr(ingest, "REFRESH_AFTER_ROWS", 1)
    jobs = load_all_jobs()
    for name in ("vulns.nvd_sync", "vulns.kev_sync", "vulns.epss_sync"):
        runs = run_job(store, jobs[name], trigger="api")
        assert runs and runs[0].outcome == "ok", (name, runs and runs[0].error)
        if name == "vulns.nvd_sync":
            assert runs[0].detail["statistics_refreshed"] is True
    with store() as s:
        assert s.scalar(select(func.count()).select_from(Cve)) == len(nvd_raw)
        assert s.scalar(select(func.count()).select_from(KevRecord)) == 1404
        assert s.scalar(select(func.count()).select_from(EpssRecord)) > 0
        x = s.scalar(
            select(CveExposure).where(
                CveExposure.org_id == org.id, CveExposure.cve_id == "CVE-2025-3248"
            )
        )
        assert x.kev and x.epss_sort == 0.97
    nvd_run = run_job(store, jobs["vulns.nvd_sync"], trigger="api")[0]
    assert nvd_run.detail["mode"] == "incremental" and nvd_run.detail["added"] == 0
    assert nvd_run.detail["statistics_refreshed"] is False  # nothing written, nothing to refresh


def test_rescore_materialises_new_orgs_and_reopens_expired(store) -> None:
    first = create_org(store)
    with session_scope(store) as s:
        demo.seed(session=s, org_id=first.id)
    late = create_org(store)  # created after the CVEs arrived
    job = load_all_jobs()["vulns.rescore"]
    runs = run_job(store, job, trigger="api", org_id=late.id)
    assert runs[0].outcome == "ok" and runs[0].detail["materialized"] == len(demo.DEMO_CVES)
    expiry = datetime.now(UTC).date() + timedelta(days=60)
    later = datetime.combine(expiry + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    with pinned(later):
        runs = run_job(store, job, trigger="api", org_id=first.id)
    assert runs[0].detail["reopened"] == 1 and runs[0].detail["rescored"] is True
    with session_scope(store) as s:
        d = service.get_detail(session=s, org_id=first.id, patch_id="CVE-2023-48022")
        assert d.status == "open" and d.history[-1].changed_by == "system"
        assert d.scored_on == later.date() != date.today()
