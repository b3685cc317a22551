"""Storing NVD, EPSS, KEV and OSV data in the real database: idempotent, updating, resumable."""

from __future__ import annotations

import copy
import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import create_org, make_migrated_engine, new_database_url
from tests.vulns.conftest import osv_advisory
from threatvec.store.engine import make_session_factory, session_scope
from threatvec.vulns.epss import iter_epss_csv
from threatvec.vulns.exposures import refresh_exposures
from threatvec.vulns.http_retry import RateLimiter, RetryPolicy, SourceUnavailable
from threatvec.vulns.ingest import (
    get_sync_state,
    store_epss,
    store_kev,
    store_nvd_records,
    store_osv,
)
from threatvec.vulns.kev import load_kev_file, parse_kev_catalog
from threatvec.vulns.models import Cve, CveExposure, CveProduct
from threatvec.vulns.nvd import NvdFileError
from threatvec.vulns.nvd_client import NvdClient
from threatvec.vulns.sources import import_nvd_file, sync_nvd

from .conftest import Reply, Req
from .test_nvd_client import FakeNvd
from .vulns_data import epss_csv, records, renamed, write_nvd

# Their own databases follow THREATVEC_TEST_BACKEND: run them in the PostgreSQL pass too.
pytestmark = pytest.mark.db


def _exposure(session, org_id: str, cve_id: str) -> CveExposure:
    return session.scalar(
        select(CveExposure).where(CveExposure.org_id == org_id, CveExposure.cve_id == cve_id)
    )


def test_nvd_store_is_idempotent_and_an_update_updates(session_factory, org, nvd_raw) -> None:
    raw = renamed(nvd_raw)
    with session_scope(session_factory) as s:
        first = store_nvd_records(s, records(raw), org_ids=[org.id])
    assert (first.added, first.updated, first.unchanged) == (len(raw), 0, 0)
    assert first.exposures.created == len(raw)
    with session_scope(session_factory) as s:
        again = store_nvd_records(s, records(raw), org_ids=[org.id])
        assert (again.added, again.updated, again.unchanged) == (0, 0, len(raw))
        assert again.exposures.created == again.exposures.updated == 0
        # Every CVE is kept, AI or not.
        kept = s.scalar(
            select(func.count()).select_from(Cve).where(Cve.cve_id.in_([c["id"] for c in raw]))
        )
        assert kept == len(raw)
        assert {
            c.ai_relevant
            for c in s.scalars(select(Cve).where(Cve.cve_id.in_([c["id"] for c in raw])))
        } == {True, False}

    # An "Awaiting Analysis" record with no metrics, later scored by NVD.
    waiting = next(c for c in raw if not c.get("metrics"))
    with session_scope(session_factory) as s:
        before = _exposure(s, org.id, waiting["id"])
        assert s.get(Cve, waiting["id"]).cvss_score is None
        old_priority = before.priority
    updated = copy.deepcopy(waiting)
    updated["lastModified"] = "2026-11-01T00:00:00.000"
    updated["vulnStatus"] = "Analyzed"
    updated["metrics"] = {
        "cvssMetricV31": [
            {
                "source": "nvd@nist.gov",
                "type": "Primary",
                "cvssData": {
                    "version": "3.1",
                    "baseScore": 9.8,
                    "baseSeverity": "CRITICAL",
                    "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                },
            }
        ]
    }
    with session_scope(session_factory) as s:
        st = store_nvd_records(s, records([updated]), org_ids=[org.id])
        assert (st.added, st.updated) == (0, 1)
        cve = s.get(Cve, waiting["id"])
        assert (cve.cvss_score, cve.severity, cve.vuln_status) == (9.8, "CRITICAL", "Analyzed")
        assert _exposure(s, org.id, waiting["id"]).priority == pytest.approx(
            old_priority + 39.2, abs=10.0
        )
        assert _exposure(s, org.id, waiting["id"]).priority > old_priority
    # The older copy arriving late never overwrites the newer one.
    with session_scope(session_factory) as s:
        stale = store_nvd_records(s, records([waiting]), org_ids=[org.id])
        assert (stale.stale, stale.updated) == (1, 0)
        assert s.get(Cve, waiting["id"]).cvss_score == 9.8


def test_file_import_skips_malformed_records_and_reads_gzip(
    session_factory, org, nvd_raw, tmp_path: Path
) -> None:
    raw = renamed(nvd_raw[:5])
    broken = copy.deepcopy(raw[2])
    broken["published"] = "not a date"
    doc_items = [
        {"cve": raw[0]},
        {"cve": raw[1]},
        {"cve": broken},
        {"nope": 1},
        {"cve": raw[3]},
        {"cve": raw[4]},
    ]
    path = tmp_path / "nvd.json.gz"
    with gzip.open(path, "wt") as fh:
        json.dump({"vulnerabilities": doc_items}, fh)
    seen: list[int] = []
    with session_scope(session_factory) as s:
        stats = import_nvd_file(s, path, org_ids=[org.id], on_progress=lambda n, _t: seen.append(n))
        assert stats.added == 4
        assert [k["index"] for k in stats.skipped] == [2, 3]
        assert stats.skipped[0]["cve_id"] == raw[2]["id"]
        assert "timestamp" in stats.skipped[0]["reason"]
        assert s.get(Cve, raw[2]["id"]) is None
    assert seen and seen[-1] == 4


def test_truncated_file_keeps_the_records_before_the_damage(
    session_factory, org, nvd_raw, tmp_path: Path
) -> None:
    raw = renamed(nvd_raw[:3])
    text = write_nvd(tmp_path / "full.json", raw).read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.index(raw[2]["id"]) + 5])
    with session_scope(session_factory) as s, pytest.raises(NvdFileError):
        import_nvd_file(s, cut, org_ids=[org.id])
    with session_scope(session_factory) as s:
        assert s.get(Cve, raw[0]["id"]) is not None and s.get(Cve, raw[1]["id"]) is not None


def test_epss_csv_scores_move_priority_and_reingest_changes_nothing(
    session_factory, org, nvd_raw, data_dir: Path, tmp_path: Path
) -> None:
    raw = renamed(nvd_raw[:6])
    header = (data_dir / "epss" / "epss_scores_format_sample.csv").read_text().splitlines()[0]
    scores = {c["id"]: (0.001 * (i + 1), 0.2 * i) for i, c in enumerate(raw[:5])}
    scores["CVE-1999-0001"] = (0.03351, 0.88255)  # a CVE we do not hold: kept, nothing to score
    csv_path = tmp_path / "epss.csv"
    csv_path.write_text(epss_csv(header, scores) + "CVE-BAD,1.5,0.3\n")
    with session_scope(session_factory) as s:
        store_nvd_records(s, records(raw), org_ids=[org.id])
    errors: list[Any] = []
    parsed = list(iter_epss_csv(csv_path, errors=errors.append))
    assert parsed[0].model_version == header.split(",")[0].split(":", 1)[1]
    assert [e.line for e in errors] == [9]
    with session_scope(session_factory) as s:
        st = store_epss(s, parsed, org_ids=[org.id])
        assert st.added == 6
        assert st.exposures.updated == 5
        top = _exposure(s, org.id, raw[4]["id"])
        assert top.epss_sort == pytest.approx(0.8)
        assert _exposure(s, org.id, raw[5]["id"]).epss_sort == -1.0
    with session_scope(session_factory) as s:
        again = store_epss(s, parsed, org_ids=[org.id])
        assert (again.added, again.updated, again.unchanged) == (0, 0, 6)


def test_kev_catalog_flags_and_caps_the_due_date(session_factory, org, nvd_raw, data_dir) -> None:
    catalog = load_kev_file(data_dir / "kev" / "known_exploited_vulnerabilities.json")
    assert len(catalog.entries) == 1404 and not catalog.errors
    # The real catalog, with two entries re-pointed at this test's own records.
    raw = renamed([c for c in nvd_raw if c.get("metrics")][:2])
    doc = json.loads((data_dir / "kev" / "known_exploited_vulnerabilities.json").read_text())
    doc["vulnerabilities"] = doc["vulnerabilities"][:20]
    doc["vulnerabilities"][0] = {
        **doc["vulnerabilities"][0],
        "cveID": raw[0]["id"],
        "dueDate": "2020-01-01",
        "knownRansomwareCampaignUse": "Known",
    }
    doc["vulnerabilities"][1] = {**doc["vulnerabilities"][1], "cveID": raw[1]["id"]}
    doc["vulnerabilities"].append({"cveID": "CVE-2024-0001"})  # malformed: reported, skipped
    kev = parse_kev_catalog(doc)
    with session_scope(session_factory) as s:
        store_nvd_records(s, records(raw), org_ids=[org.id])
        st = store_kev(s, kev, org_ids=[org.id])
        assert st.skipped and st.skipped[0]["cve_id"] == "CVE-2024-0001"
        x = _exposure(s, org.id, raw[0]["id"])
        assert x.kev is True
        assert x.due_at.date().isoformat() == "2020-01-01"
        assert _exposure(s, org.id, raw[1]["id"]).kev is True
    with session_scope(session_factory) as s:
        again = store_kev(s, kev, org_ids=[org.id])
        assert again.added == again.updated == 0


def test_osv_advisories_link_packages_and_ranges(session_factory, pypa_advisories, nvd_raw) -> None:
    assert len(pypa_advisories) > 2600
    org = create_org(session_factory)
    sample_ids = {c["id"] for c in nvd_raw}
    linked = {cve for a in pypa_advisories for cve in a.cve_ids} & sample_ids
    assert linked, "the PyPA database aliases some of the NVD sample CVEs"
    with session_scope(session_factory) as s:
        store_nvd_records(
            s, records([c for c in nvd_raw if c["id"] in linked]), org_ids=[org.id], rescore=False
        )
        refresh_exposures(session=s, org_id=org.id, cve_ids=linked)
        first = store_osv(s, pypa_advisories, org_ids=[org.id])
        assert first.added + first.updated + first.unchanged >= 2600
        cve_id = sorted(linked)[0]
        adv = next(a for a in pypa_advisories if cve_id in a.cve_ids)
        names = set(s.scalars(select(CveProduct.name).where(CveProduct.cve_id == cve_id)))
        assert {p.lower().replace("_", "-") for p in adv.package_names} <= names
    with session_scope(session_factory) as s:
        again = store_osv(s, pypa_advisories, org_ids=[org.id])
        assert again.added == again.updated == 0


# --------------------------------------------------------------------------- NVD API sync


@pytest.fixture
def own_store(tmp_path: Path):
    """A database of its own: the sync watermark is one global row."""
    engine = make_migrated_engine(new_database_url(tmp_path))
    yield make_session_factory(engine)
    engine.dispose()


def _client(url: str, per_page: int) -> NvdClient:
    return NvdClient(
        url,
        results_per_page=per_page,
        retry=RetryPolicy(max_attempts=2),
        limiter=RateLimiter(1000, 1.0),
        sleep=lambda _s: None,
    )


def test_full_sync_resumes_from_the_last_stored_page(own_store, nvd_raw, serve) -> None:
    org = create_org(own_store)
    fake = FakeNvd(nvd_raw)
    fail_at = {"index": "40"}

    def app(req: Req) -> Reply:
        if req.q("startIndex") == fail_at["index"]:
            return Reply(503, b"busy")
        return fake(req)

    server = serve(app)
    with own_store() as s, _client(server.url, 20) as client, pytest.raises(SourceUnavailable):
        sync_nvd(s, client, full=True)
    with own_store() as s:
        state = get_sync_state(s, "nvd")
        assert state.next_start_index == 40 and state.watermark is None
        assert s.scalar(select(func.count()).select_from(Cve)) == 40
        assert (
            s.scalar(
                select(func.count()).select_from(CveExposure).where(CveExposure.org_id == org.id)
            )
            == 40
        )
    fail_at["index"] = "never"
    server.requests.clear()
    with own_store() as s, _client(server.url, 20) as client:
        result = sync_nvd(s, client)
    assert result.mode == "full"
    assert server.requests[0].q("startIndex") == "40"
    assert result.stats.added == len(nvd_raw) - 40
    with own_store() as s:
        state = get_sync_state(s, "nvd")
        assert state.next_start_index is None and state.watermark is not None
        assert s.scalar(select(func.count()).select_from(Cve)) == len(nvd_raw)


def test_incremental_sync_commits_the_watermark_per_window(own_store, nvd_raw, serve) -> None:
    stamps = sorted(datetime.fromisoformat(c["lastModified"]).replace(tzinfo=UTC) for c in nvd_raw)
    start = stamps[0] - timedelta(days=1)
    until = start + timedelta(days=300)  # three windows of at most 120 days
    fake = FakeNvd(nvd_raw)
    calls = {"n": 0}

    def app(req: Req) -> Reply:
        calls["n"] += 1
        if broken["on"] and req.q("lastModStartDate", "").startswith(
            (start + timedelta(days=120)).strftime("%Y-%m-%d")
        ):
            return Reply(503, b"busy")
        return fake(req)

    broken = {"on": True}
    server = serve(app)
    with own_store() as s:
        get_sync_state(s, "nvd").watermark = start
        s.commit()
    with own_store() as s, _client(server.url, 2000) as client, pytest.raises(SourceUnavailable):
        sync_nvd(s, client, until=until)
    with own_store() as s:
        assert get_sync_state(s, "nvd").watermark == start + timedelta(days=120)
    broken["on"] = False
    server.requests.clear()
    with own_store() as s, _client(server.url, 2000) as client:
        result = sync_nvd(s, client, until=until)
    assert result.mode == "incremental" and result.windows == 2
    assert (
        server.requests[0]
        .q("lastModStartDate")
        .startswith((start + timedelta(days=120)).strftime("%Y-%m-%dT%H:%M"))
    )
    with own_store() as s:
        assert get_sync_state(s, "nvd").watermark == until
        in_span = [
            c
            for c in nvd_raw
            if start <= datetime.fromisoformat(c["lastModified"]).replace(tzinfo=UTC) <= until
        ]
        assert s.scalar(select(func.count()).select_from(Cve)) == len(in_span)


def test_a_withdrawn_osv_advisory_stops_matching(session_factory, nvd_raw) -> None:
    """An advisory OSV withdraws no longer matches the stack (re-import or sync)."""
    from threatvec.vulns.models import CveOsvLink, OsvAdvisoryRecord
    from threatvec.vulns.osv import parse_osv
    from threatvec.vulns.stack_service import import_stack

    org = create_org(session_factory)
    waiting = next(c for c in nvd_raw if not c.get("metrics") and not c.get("configurations"))
    advisory = osv_advisory("PYSEC-0000-1", waiting["id"], "tv-withdrawn-pkg", "2.0")
    with session_scope(session_factory) as s:
        import_stack(session=s, org_id=org.id, data=b"tv-withdrawn-pkg==1.0\n", fmt="requirements")
        store_nvd_records(s, records([waiting]), org_ids=[org.id])
        store_osv(s, [parse_osv(advisory)], org_ids=[org.id])
        assert _exposure(s, org.id, waiting["id"]).stack_level == "version_in_range"
    withdrawn = {
        **advisory,
        "modified": "2024-02-01T00:00:00Z",
        "withdrawn": "2024-02-01T00:00:00Z",
    }
    with session_scope(session_factory) as s:
        stats = store_osv(s, [parse_osv(withdrawn)], org_ids=[org.id])
        assert waiting["id"] in stats.changed_ids
    with session_scope(session_factory) as s:
        assert s.get(OsvAdvisoryRecord, "PYSEC-0000-1") is None
        assert not list(
            s.scalars(select(CveOsvLink).where(CveOsvLink.advisory_id == "PYSEC-0000-1"))
        )
        x = _exposure(s, org.id, waiting["id"])
        assert x.stack_level != "version_in_range" and not x.in_stack


def test_an_entry_cisa_takes_off_the_catalog_stops_being_known_exploited(
    session_factory, org, nvd_raw, data_dir
) -> None:
    raw = renamed([c for c in nvd_raw if c.get("metrics")][2:4])
    doc = json.loads((data_dir / "kev" / "known_exploited_vulnerabilities.json").read_text())
    first, second = (
        {**doc["vulnerabilities"][i], "cveID": raw[i]["id"], "dueDate": "2099-01-01"}
        for i in range(2)
    )

    def catalog(*entries: dict[str, Any], count: int | None = None) -> Any:
        items = list(entries)
        return parse_kev_catalog(
            {
                "catalogVersion": "t",
                "count": len(items) if count is None else count,
                "vulnerabilities": items,
            }
        )

    with session_scope(session_factory) as s:
        store_nvd_records(s, records(raw), org_ids=[org.id])
        store_kev(s, catalog(first, second), org_ids=[org.id])
        assert _exposure(s, org.id, raw[1]["id"]).kev is True
    # a catalog that says it holds three entries but carries one: cut short, nothing removed
    with session_scope(session_factory) as s:
        cut = store_kev(s, catalog(first, count=3), org_ids=[org.id])
        assert cut.withdrawn == 0 and _exposure(s, org.id, raw[1]["id"]).kev is True
    # the whole catalog without the second entry: CISA removed it
    with session_scope(session_factory) as s:
        st = store_kev(s, catalog(first), org_ids=[org.id])
        assert st.withdrawn >= 1
        assert _exposure(s, org.id, raw[1]["id"]).kev is False
        assert _exposure(s, org.id, raw[0]["id"]).kev is True


def test_a_withdrawn_osv_advisory_never_stored_is_still_counted(session_factory) -> None:
    # Importing the PyPA tree (2,661 advisories, 10 of them withdrawn) said
    # "2651 added, 0 updated, 0 unchanged, 0 skipped": the 10 withdrawn ones,
    # never stored, were in no count, so the summary did not add up to the input.
    from threatvec.vulns.osv import parse_osv

    live = osv_advisory("PYSEC-0000-2", "CVE-2099-0002", "tv-live-pkg", "2.0")
    gone = {
        **osv_advisory("PYSEC-0000-3", "CVE-2099-0003", "tv-gone-pkg", "2.0"),
        "withdrawn": "2024-02-01T00:00:00Z",
    }
    with session_scope(session_factory) as s:
        stats = store_osv(s, [parse_osv(live), parse_osv(gone)])
    assert (stats.added, stats.withdrawn) == (1, 1)
    counted = stats.added + stats.updated + stats.unchanged + len(stats.skipped)
    assert counted + stats.withdrawn == 2
