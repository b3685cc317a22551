from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from threatvec.vulns.http_retry import RetryPolicy, SourceError
from threatvec.vulns.kev import KevEntryError, fetch_kev_catalog, load_kev_file, parse_kev_catalog

from .conftest import FakeClock, Reply, Req


@pytest.fixture(scope="module")
def kev_path(data_dir: Path) -> Path:
    path = data_dir / "kev" / "known_exploited_vulnerabilities.json"
    if not path.exists():
        pytest.skip("KEV catalog missing")
    return path


def test_real_catalog(kev_path: Path) -> None:
    cat = load_kev_file(kev_path)
    assert cat.catalog_version == "2025.08.25" and cat.count == 1404
    assert len(cat.entries) == 1404 and cat.errors == []
    by = cat.by_cve()
    kernel = by["CVE-2024-1086"]
    assert kernel.due_date == date(2024, 6, 20) and kernel.date_added == date(2024, 5, 30)
    assert kernel.vendor_project == "Linux"
    ransomware = [e for e in cat.entries if e.ransomware]
    assert len(ransomware) == 293  # "Known"
    assert all(e.known_ransomware_use in ("Known", "Unknown") for e in cat.entries)


def test_nvd_kev_fields_agree_with_catalog(kev_path: Path, nvd_raw: list[dict[str, Any]]) -> None:
    by = load_kev_file(kev_path).by_cve()
    with_kev = [c for c in nvd_raw if "cisaActionDue" in c]
    assert with_kev
    for c in with_kev:
        if c["id"] in by:
            assert by[c["id"]].due_date == date.fromisoformat(c["cisaActionDue"])


def test_bad_entries_skipped_and_reported(kev_path: Path) -> None:
    doc = json.loads(kev_path.read_text())
    doc["vulnerabilities"][3]["dueDate"] = "soon"
    doc["vulnerabilities"][7] = {"cveID": "CVE-2024-0001"}
    doc["vulnerabilities"][9]["cveID"] = "GHSA-xxxx"
    errors: list[KevEntryError] = []
    cat = parse_kev_catalog(json.dumps(doc), errors=errors.append)
    assert len(cat.entries) == 1401
    assert [e.index for e in errors] == [3, 7, 9]
    assert "missing" in errors[1].reason


def test_not_a_catalog() -> None:
    with pytest.raises(SourceError):
        parse_kev_catalog(b"[]")
    with pytest.raises(SourceError):
        parse_kev_catalog(b"{not json")


def test_fetch_from_configurable_url(serve: Any, clock: FakeClock, kev_path: Path) -> None:
    body = kev_path.read_bytes()
    answers = [Reply(503), Reply(200, body, {"Content-Type": "application/json"})]

    def app(req: Req) -> Reply:
        return answers.pop(0)

    server = serve(app)
    cat = fetch_kev_catalog(
        server.url + "/feeds/kev.json", sleep=clock.sleep, retry=RetryPolicy(base_delay=0.1)
    )
    assert len(cat.entries) == 1404 and len(server.requests) == 2
