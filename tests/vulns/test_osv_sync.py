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
    r = _osv_sync_cli(store, tmp_path, server.url)
    assert r.returncode == 0, r.stderr
    assert "without an ecosystem" in r.stdout and "0 fetched" in r.stdout
    with store() as s:
        runs = list(s.scalars(select(JobRun).where(JobRun.job == "vulns.osv_sync")))
        assert {x.trigger for x in runs} == {"test", "cli"}
    # OSV refusing the batch (a 400 is not retried): one error line, non-zero exit.
    refusing = serve(lambda req: Reply(400, {"code": 3, "message": "Invalid query."}))
    bad = _osv_sync_cli(store, tmp_path, server.url, "--base-url", refusing.url)
    assert bad.returncode != 0 and "error" in bad.stderr.lower()
    assert "Traceback" not in bad.stderr


class ChangingOsv(FakeOsv):
    """OSV after the fact: some advisories are no longer listed for their package.

    `withdrawn` ids answer /v1/vulns/{id} with a `withdrawn` time, `deleted` ids
    answer 404, `failing` ids answer 503; `unlisted` ids still answer normally.
    None of them is listed by querybatch any more (OSV leaves withdrawn
    advisories out of query answers).
    """

    def __init__(self, advisories: dict[str, dict[str, Any]]) -> None:
        super().__init__(advisories)
        self.hidden: set[str] = set()
        self.withdrawn: set[str] = set()
        self.deleted: set[str] = set()
        self.failing: set[str] = set()
        self.fail_batch_from = 0  # 503 from this querybatch call on (1-based); 0: never

    def _matches(self, q: dict[str, Any]) -> list[str]:
        return [i for i in super()._matches(q) if i not in self.hidden]

    def __call__(self, req: Req) -> Reply:
        failing_batch = 0 < self.fail_batch_from <= len(self.batches) + 1
        if req.method == "POST" and req.path == "/v1/querybatch" and failing_batch:
            self.batches.append([])
            return Reply(503, {"message": "unavailable"})
        if req.method == "GET" and req.path.startswith("/v1/vulns/"):
            adv_id = req.path.rsplit("/", 1)[1]
            if adv_id in self.failing:
                self.fetched.append(adv_id)
                return Reply(503, {"message": "unavailable"})
            if adv_id in self.deleted:
                self.fetched.append(adv_id)
                return Reply(404, {"code": 5, "message": "Bug not found."})
            if adv_id in self.withdrawn:
                self.fetched.append(adv_id)
                doc = dict(self.advisories[adv_id])
                doc["withdrawn"] = doc["modified"] = "2026-11-01T00:00:00Z"
                return Reply(200, doc)
        return super().__call__(req)


def _affecting(fake: FakeOsv, name: str, version: str | None) -> list[str]:
    q: dict[str, Any] = {"package": {"name": name, "ecosystem": "PyPI"}}
    return fake._matches({**q, **({"version": version} if version else {})})


def test_an_advisory_osv_stops_listing_is_checked_by_id_and_dropped_only_when_gone(
    store, pypa, serve, tmp_path: Path
) -> None:
    from threatvec.vulns.http_retry import RetryPolicy, SourceError
    from threatvec.vulns.ingest import store_osv

    org = create_org(store)
    _stack(store, org.id)
    fake = ChangingOsv(pypa)
    server = serve(fake)
    # Every advisory of these packages was imported from files first, including
    # ones that do not affect the stack's versions (those are never re-checked).
    with session_scope(store) as s:
        store_osv(s, list(fake.parsed.values()), rescore=False)

    def sync() -> Any:
        retry = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.01)
        with session_scope(store) as s, OsvClient(server.url, retry=retry) as client:
            return sync_osv_stack(s, client, org_ids=[org.id])

    first = sync()
    assert first.fetched == 0 and first.rechecked == 0 and fake.fetched == []

    gradio = _affecting(fake, "gradio", "3.0.0")
    mlflow = _affecting(fake, "mlflow", "2.0.0")
    torch = _affecting(fake, "torch", None)
    assert len(gradio) >= 3 and len(mlflow) >= 1 and torch
    withdrawn, deleted, unlisted = gradio[0], gradio[1], mlflow[0]
    failing = torch[0]
    fake.withdrawn, fake.deleted, fake.failing = {withdrawn}, {deleted}, {failing}
    fake.hidden = {withdrawn, deleted, unlisted, failing}
    with store() as s:
        linked = set(s.scalars(select(CveOsvLink.advisory_id)))
    assert withdrawn in linked or deleted in linked, "the real data aliases CVEs"

    # A querybatch that fails part-way stops the sync: nothing is re-checked or dropped.
    fake.fail_batch_from = len(fake.batches) + 2  # the first page answers, the second not
    with pytest.raises(SourceError):
        sync()
    with store() as s:
        kept = set(s.scalars(select(OsvAdvisoryRecord.id)))
    assert fake.hidden <= kept and fake.fetched == []

    fake.fail_batch_from = 0
    result = sync()
    assert set(fake.fetched) == fake.hidden  # only what the stack's versions would match
    assert result.rechecked == 4 and result.recheck_failed == 1
    assert result.stats.withdrawn == 2 and result.gone == 1
    with store() as s:
        ids = set(s.scalars(select(OsvAdvisoryRecord.id)))
        links = set(s.scalars(select(CveOsvLink.advisory_id)))
    assert withdrawn not in ids and deleted not in ids
    assert withdrawn not in links and deleted not in links
    assert unlisted in ids  # OSV still has it: kept
    assert failing in ids  # OSV could not say: kept until it can
    assert result.to_dict()["rechecked"] == 4 and result.to_dict()["recheck_failed"] == 1
    # The CLI says what the re-check did (OSV answers for the torch advisory now).
    fake.failing = set()
    r = _osv_sync_cli(store, tmp_path, server.url)
    assert r.returncode == 0, r.stderr
    assert "2 no longer listed re-checked by id (0 gone, 0 kept: OSV did not answer)" in r.stdout


def _osv_sync_cli(
    store: Any, data_dir: Path, osv_url: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """``threatvec cves osv-sync ARGS`` as a real subprocess on ``store``, OSV at ``osv_url``."""
    env = {
        **os.environ,
        "THREATVEC_DATABASE_URL": str(store.kw["bind"].url.render_as_string(hide_password=False)),
        "THREATVEC_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO / "src"),
        "THREATVEC_OSV_BASE_URL": osv_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "threatvec.cli", "cves", "osv-sync", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
