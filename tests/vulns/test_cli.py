"""`threatvec cves ...` as real subprocesses against local servers speaking each source's format."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import create_org, make_migrated_engine, new_database_url
from threatvec.jobs.models import JobRun
from threatvec.store.engine import make_session_factory
from threatvec.vulns.models import Cve, CveExposure, EpssRecord, KevRecord, OsvAdvisoryRecord

from .conftest import Reply, Req
from .test_nvd_client import FakeNvd
from .vulns_data import epss_csv

# Their own databases follow THREATVEC_TEST_BACKEND: run them in the PostgreSQL pass too.
pytestmark = pytest.mark.db
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_env(tmp_path: Path):
    url = new_database_url(tmp_path)
    engine = make_migrated_engine(url)
    factory = make_session_factory(engine)
    org = create_org(factory)
    env = {
        **os.environ,
        "THREATVEC_DATABASE_URL": url,
        "THREATVEC_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO / "src"),
        "COLUMNS": "200",
    }
    yield env, factory, org
    engine.dispose()


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "threatvec.cli", "cves", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )


def _count(factory, model: Any) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_import_reports_skips_and_is_idempotent(cli_env, nvd_files, tmp_path: Path) -> None:
    env, factory, org = cli_env
    doc = json.loads(nvd_files[1].read_text())
    doc["vulnerabilities"].insert(3, {"cve": {"id": "CVE-2024-0001", "published": "bad"}})
    gz = tmp_path / "nvd.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(doc).encode()))
    r = run(env, "import", str(gz))
    assert r.returncode == 0, r.stderr
    total = len(doc["vulnerabilities"]) - 1
    assert f"{total} added" in r.stdout and "1 skipped" in r.stdout
    assert "skipped vulnerabilities[3] (CVE-2024-0001)" in r.stderr
    assert _count(factory, Cve) == total
    with factory() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(CveExposure).where(CveExposure.org_id == org.id)
            )
            == total
        )
    again = run(env, "import", str(nvd_files[1]))
    assert again.returncode == 0 and f"0 added, 0 updated, {total} unchanged" in again.stdout
    with factory() as s:
        runs = s.scalars(select(JobRun).where(JobRun.job == "vulns.nvd_import")).all()
        assert len(runs) == 2 and {r.trigger for r in runs} == {"cli"}
        assert {r.outcome for r in runs} == {"ok"} and runs[0].detail["skipped"] in (0, 1)
    missing = run(env, "import", str(tmp_path / "nope.json"))
    assert missing.returncode == 1 and missing.stderr.strip().startswith("error:")
    assert len(missing.stderr.strip().splitlines()) == 1


def test_sync_full_then_incremental(cli_env, nvd_raw, serve) -> None:
    env, factory, _ = cli_env
    server = serve(FakeNvd(nvd_raw))
    env = {
        **env,
        "THREATVEC_NVD_BASE_URL": server.url + "/rest/json/cves/2.0",
        "THREATVEC_NVD_API_KEY": "test-key-123",
    }
    r = run(env, "sync")
    assert r.returncode == 0, r.stderr
    assert "(full," in r.stdout and f"{len(nvd_raw)} added" in r.stdout
    assert server.requests[0].headers.get("apikey") == "test-key-123"
    assert "test-key-123" not in r.stdout + r.stderr
    r2 = run(env, "sync")
    assert r2.returncode == 0 and "(incremental," in r2.stdout and "0 added" in r2.stdout
    assert server.requests[-1].q("lastModStartDate") is not None
    # NVD answers 404 with a "message" header for a bad key or parameters: not retried.
    rejecting = serve(lambda req: Reply(404, b"", {"message": "Invalid apiKey"}))
    bad = run({**env, "THREATVEC_NVD_BASE_URL": rejecting.url}, "sync", "--full")
    assert bad.returncode == 1 and bad.stderr.startswith("error:") and "404" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    assert _count(factory, Cve) == len(nvd_raw)
    with factory() as s:
        outcomes = [
            r.outcome
            for r in s.scalars(
                select(JobRun).where(JobRun.job == "vulns.nvd_sync").order_by(JobRun.started_at)
            )
        ]
    assert outcomes == ["ok", "ok", "error"]


def test_epss_kev_and_osv(cli_env, nvd_files, data_dir: Path, serve, tmp_path: Path) -> None:
    env, factory, _ = cli_env
    assert run(env, "import", str(nvd_files[0])).returncode == 0
    with factory() as s:
        ids = list(s.scalars(select(Cve.cve_id)))
    header = (data_dir / "epss" / "epss_scores_format_sample.csv").read_text().splitlines()[0]
    path = tmp_path / "epss_scores-current.csv.gz"
    path.write_bytes(
        gzip.compress(
            epss_csv(
                header, {c: (0.01 * (i + 1) % 1, i / len(ids)) for i, c in enumerate(ids)}
            ).encode()
        )
    )
    r = run(env, "epss", str(path))
    assert r.returncode == 0, r.stderr
    assert f"{len(ids)} added" in r.stdout
    assert _count(factory, EpssRecord) == len(ids)

    def epss_api(req: Req) -> Reply:
        asked = (req.q("cve") or "").split(",")
        data = [
            {"cve": c, "epss": "0.50000", "percentile": "0.99000", "date": "2026-11-24"}
            for c in asked
            if c
        ]
        return Reply(
            200,
            {
                "status": "OK",
                "status-code": 200,
                "version": "1.0",
                "total": len(data),
                "offset": 0,
                "limit": 100,
                "data": data,
            },
        )

    api = serve(epss_api)
    r = run({**env, "THREATVEC_EPSS_BASE_URL": api.url}, "epss", "--api")
    assert r.returncode == 0, r.stderr
    assert api.requests and api.requests[0].path == "/data/v1/epss"
    with factory() as s:
        # The API is asked about the CVEs that matter to an org (AI-relevant or in stack).
        relevant = set(s.scalars(select(CveExposure.cve_id).where(CveExposure.relevant.is_(True))))
        assert (
            relevant
            and {q for r in api.requests for q in (r.q("cve") or "").split(",")} == relevant
        )
        scores = {e.cve_id: e.percentile for e in s.scalars(select(EpssRecord))}
        assert {scores[c] for c in relevant} == {0.99}
        assert 0.99 not in {v for c, v in scores.items() if c not in relevant}

    kev_bytes = (data_dir / "kev" / "known_exploited_vulnerabilities.json").read_bytes()
    kev = serve(lambda req: Reply(200, kev_bytes, {"Content-Type": "application/json"}))
    r = run(env, "kev", "--url", kev.url + "/feeds/kev.json")
    assert r.returncode == 0, r.stderr
    assert "1404 added" in r.stdout and _count(factory, KevRecord) == 1404
    r = run(env, "kev", str(data_dir / "kev" / "known_exploited_vulnerabilities.json"))
    assert "0 added, 0 updated, 1404 unchanged" in r.stdout
    with factory() as s:
        assert (
            s.scalar(select(func.count()).select_from(CveExposure).where(CveExposure.kev.is_(True)))
            >= 1
        )

    osv_dir = data_dir / "osv" / "pypa-advisory-database" / "vulns" / "langchain"
    r = run(env, "osv", str(osv_dir))
    assert r.returncode == 0, r.stderr
    n = len(list(osv_dir.glob("*.yaml")))
    assert f"{n} added" in r.stdout and _count(factory, OsvAdvisoryRecord) == n
    with factory() as s:
        jobs = set(s.scalars(select(JobRun.job)))
    assert {
        "vulns.epss_import",
        "vulns.epss_sync",
        "vulns.kev_sync",
        "vulns.kev_import",
        "vulns.osv_import",
    } <= jobs
    both = run(env, "epss", str(path), "--api")
    assert both.returncode == 1 and both.stderr.startswith("error:")


def test_each_skipped_record_is_listed_once_with_its_position_and_reason(
    cli_env, nvd_files, data_dir: Path, tmp_path: Path
) -> None:
    env, _factory, _ = cli_env
    doc = json.loads(nvd_files[1].read_text())
    # The first record (position 0) is bad too: a falsy index must still be shown.
    doc["vulnerabilities"].insert(0, {"cve": {"id": "CVE-2024-0002", "lastModified": "soon"}})
    doc["vulnerabilities"].insert(3, {"cve": {"id": "CVE-\x1b[2J2024", "published": "bad"}})
    path = tmp_path / "nvd.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    r = run(env, "import", str(path))
    assert r.returncode == 0, r.stderr
    assert "2 skipped" in r.stdout
    lines = [line for line in r.stderr.splitlines() if "skipped" in line.lower()]
    assert lines == [
        "skipped vulnerabilities[0] (CVE-2024-0002): published: timestamp must be a non-empty "
        "string, got missing",
        "skipped vulnerabilities[3] (CVE-\\x1b[2J2024): id is missing or not a CVE id: "
        "'CVE-\\x1b[2J2024'",
    ], r.stderr
    assert "\x1b" not in r.stderr  # an escape sequence from the file never reaches the terminal

    langchain = data_dir / "osv" / "pypa-advisory-database" / "vulns" / "langchain"
    osv_dir = tmp_path / "osv"
    osv_dir.mkdir()
    first = sorted(langchain.glob("*.yaml"))[0]
    (osv_dir / first.name).write_bytes(first.read_bytes())
    (osv_dir / "PYSEC-0000-broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    r = run(env, "osv", str(osv_dir))
    assert r.returncode == 0, r.stderr
    assert "1 added" in r.stdout and "1 skipped" in r.stdout
    lines = [line for line in r.stderr.splitlines() if "skipped" in line.lower()]
    assert len(lines) == 1 and lines[0].startswith(f"skipped {osv_dir / 'PYSEC-0000-broken.yaml'}")
    assert "cannot parse" in lines[0]


def test_sync_lists_a_skipped_record_once_at_its_start_index(cli_env, nvd_raw, serve) -> None:
    env, _factory, _ = cli_env
    bad = {**nvd_raw[0], "id": "CVE-9999-0001", "published": "bad"}
    server = serve(FakeNvd([*nvd_raw, bad]))  # sorted by id: the bad one comes last
    r = run({**env, "THREATVEC_NVD_BASE_URL": server.url + "/rest/json/cves/2.0"}, "sync")
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if "skipped" in line.lower()]
    assert lines == [
        f"skipped record at startIndex {len(nvd_raw)} (CVE-9999-0001): published: "
        "bad timestamp 'bad'"
    ], r.stderr
