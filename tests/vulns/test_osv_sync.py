"""OSV for the org's own packages: stack → /v1/querybatch → /v1/vulns/{id} → stored advisories.

A local server speaks the OSV API from the real PyPA advisories in
../shared/data/osv (querybatch answers ids + modified, in pages of three with
``next_page_token``; /v1/vulns/{id} answers the advisory as JSON).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from tests.conftest import create_org, make_migrated_engine, new_database_url
from threatvec.jobs.models import JobRun
from threatvec.jobs.registry import load_all_jobs
from threatvec.jobs.runner import run_job
from threatvec.store.engine import make_session_factory, session_scope
from threatvec.vulns.models import CveOsvLink, OsvAdvisoryRecord, TechStackEntry
from threatvec.vulns.osv import OsvClient, parse_osv
from threatvec.vulns.osv_sync import _from_purl, stack_queries, sync_osv_stack
from threatvec.vulns.stack_service import import_stack

from .conftest import Reply, Req, need

pytestmark = pytest.mark.db
REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("gradio", "mlflow", "langchain", "torch")
STACK = "technology,version\ngradio,3.0.0\nmlflow,2.0.0\nlinux,6.1.70\npostgresql,16.2\n"
REQUIREMENTS = b"langchain==0.0.130\ntorch\n"


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, datetime):
        return obj.isoformat().replace("+00:00", "Z")
    if isinstance(obj, date):
        return obj.isoformat()
    return obj if isinstance(obj, str | int | float | bool) or obj is None else str(obj)


@pytest.fixture(scope="module")
def pypa(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The real advisories of a few packages, as the OSV API would send them (JSON)."""
    root = need(data_dir / "osv" / "pypa-advisory-database" / "vulns")
    out = {}
    for pkg in PACKAGES:
        for f in sorted((root / pkg).glob("*.yaml")):
            doc = _json_safe(yaml.safe_load(f.read_text()))
            out[doc["id"]] = doc
    return out


class FakeOsv:
    """The OSV API over a fixed advisory set."""

    def __init__(self, advisories: dict[str, dict[str, Any]], page: int = 3) -> None:
        self.advisories = advisories
        self.parsed = {k: parse_osv(v) for k, v in advisories.items()}
        self.page = page
        self.batches: list[list[dict[str, Any]]] = []
        self.fetched: list[str] = []

    def _matches(self, q: dict[str, Any]) -> list[str]:
        pkg, version = q["package"], q.get("version")
        out = []
        for adv_id, adv in self.parsed.items():
            for a in adv.affected:
                same = a.name.lower() == pkg["name"].lower() and a.ecosystem == pkg["ecosystem"]
                if same and (version is None or a.contains(version) is not False):
                    out.append(adv_id)
                    break
        return sorted(out)

    def __call__(self, req: Req) -> Reply:
        if req.method == "POST" and req.path == "/v1/querybatch":
            queries = req.json()["queries"]
            self.batches.append(queries)
            results = []
            for q in queries:
                ids = self._matches(q)
                start = int(q.get("page_token") or 0)
                chunk = ids[start : start + self.page]
                r: dict[str, Any] = {
                    "vulns": [{"id": i, "modified": self.advisories[i]["modified"]} for i in chunk]
                }
                if start + self.page < len(ids):
                    r["next_page_token"] = str(start + self.page)
                results.append(r if chunk else {})
            return Reply(200, {"results": results})
        if req.method == "GET" and req.path.startswith("/v1/vulns/"):
            adv_id = req.path.rsplit("/", 1)[1]
            self.fetched.append(adv_id)
            if adv_id not in self.advisories:
                return Reply(404, {"code": 5, "message": "Bug not found."})
            return Reply(200, self.advisories[adv_id])
        return Reply(404, {"message": "not found"})


@pytest.fixture
def store(tmp_path: Path):
    engine = make_migrated_engine(new_database_url(tmp_path))
    yield make_session_factory(engine)
    engine.dispose()


def _stack(factory, org_id: str) -> None:
    with session_scope(factory) as s:
        import_stack(session=s, org_id=org_id, data=STACK.encode(), fmt="csv")
        import_stack(session=s, org_id=org_id, data=REQUIREMENTS, fmt="requirements")
        s.add(
            TechStackEntry(
                org_id=org_id,
                technology="left-pad",
                name="left-pad",
                version="1.0.0",
                source="cyclonedx",
                purl="pkg:npm/left-pad@1.0.0",
            )
        )


def test_purls_map_to_osv_ecosystems() -> None:
    assert _from_purl("pkg:pypi/torch@2.5.1") == ("torch", "PyPI", "2.5.1")
    assert _from_purl("pkg:npm/%40angular/core@17.0.0") == ("@angular/core", "npm", "17.0.0")
    assert _from_purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar") == (
        "org.apache.logging.log4j:log4j-core",
        "Maven",
        "2.14.1",
    )
    assert _from_purl("pkg:golang/github.com/ollama/ollama") == (
        "github.com/ollama/ollama",
        "Go",
        None,
    )
    assert _from_purl("pkg:deb/debian/curl@7.0") is None
    assert _from_purl("not-a-purl") is None


def test_stack_packages_are_asked_and_advisories_stored(store, pypa, serve) -> None:
    org = create_org(store)
    _stack(store, org.id)
    fake = FakeOsv(pypa)
    server = serve(fake)
    with session_scope(store) as s:
        queries, skipped, n = stack_queries(s, [org.id])
        asked = {(q.name, q.ecosystem, q.version) for q in queries}
        assert ("gradio", "PyPI", "3.0.0") in asked and ("torch", "PyPI", None) in asked
        assert ("left-pad", "npm", "1.0.0") in asked
        assert sorted(skipped) == ["linux", "postgresql"] and n == 7
    with session_scope(store) as s, OsvClient(server.url) as client:
        progress: list[tuple[int, int | None]] = []
        result = sync_osv_stack(
            s, client, org_ids=[org.id], on_progress=lambda d, t: progress.append((d, t))
        )
    expected = set()
    for q in queries:
        expected |= set(
            fake._matches(
                {
                    "package": {"name": q.name, "ecosystem": q.ecosystem},
                    **({"version": q.version} if q.version else {}),
                }
            )
        )
    assert expected, "the real data has advisories for these versions"
    assert result.advisory_ids == len(expected) == result.fetched
    assert set(fake.fetched) == expected
    assert progress[-1] == (len(expected), len(expected))
    # Pages of three: gradio 3.0.0 has more, so its query was asked again with the token.
    assert len(fake.batches) >= 2 and all("page_token" in q for q in fake.batches[1])
    with store() as s:
        ids = set(s.scalars(select(OsvAdvisoryRecord.id)))
        assert expected <= ids
        links = s.scalar(select(func.count()).select_from(CveOsvLink))
        assert links and links >= 1
    # Nothing changed upstream: the second run lists the same ids and fetches none.
    fake.fetched.clear()
    with session_scope(store) as s, OsvClient(server.url) as client:
        again = sync_osv_stack(s, client, org_ids=[org.id])
    assert again.fetched == 0 and again.already_stored == len(expected) and fake.fetched == []


def test_job_and_cli_leave_run_records(store, pypa, serve, tmp_path: Path, monkeypatch) -> None:
    org = create_org(store)
    _stack(store, org.id)
    server = serve(FakeOsv(pypa))
    assert "vulns.osv_sync" in load_all_jobs()
    monkeypatch.setenv("THREATVEC_OSV_BASE_URL", server.url)
    runs = run_job(store, load_all_jobs()["vulns.osv_sync"], trigger="test")
    assert runs and runs[0].outcome == "ok", runs and runs[0].error
    assert runs[0].detail["fetched"] > 0 and runs[0].detail["skipped_entries"] == 2
    url = str(store.kw["bind"].url.render_as_string(hide_password=False))
    env = {
        **os.environ,
        "THREATVEC_DATABASE_URL": url,
        "THREATVEC_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO / "src"),
        "THREATVEC_OSV_BASE_URL": server.url,
    }
    r = subprocess.run(
        [sys.executable, "-m", "threatvec.cli", "cves", "osv-sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert r.returncode == 0, r.stderr
    assert "without an ecosystem" in r.stdout and "0 fetched" in r.stdout
    with store() as s:
        runs = list(s.scalars(select(JobRun).where(JobRun.job == "vulns.osv_sync")))
        assert {x.trigger for x in runs} == {"test", "cli"}
    # OSV refusing the batch (a 400 is not retried): one error line, non-zero exit.
    refusing = serve(lambda req: Reply(400, {"code": 3, "message": "Invalid query."}))
    bad = subprocess.run(
        [sys.executable, "-m", "threatvec.cli", "cves", "osv-sync", "--base-url", refusing.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert bad.returncode != 0 and "error" in bad.stderr.lower()
    assert "Traceback" not in bad.stderr
