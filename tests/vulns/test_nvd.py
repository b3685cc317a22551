from __future__ import annotations

import copy
import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from threatvec.vulns.nvd import (
    CvssMetric,
    NvdFileError,
    NvdRecordError,
    SkippedRecord,
    choose_cvss,
    iter_nvd_file,
    parse_cpe,
    parse_cve,
    parse_nvd_document,
)


def _doc(cves: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resultsPerPage": len(cves),
        "startIndex": 0,
        "totalResults": len(cves),
        "format": "NVD_CVE",
        "version": "2.0",
        "timestamp": "2026-01-01T00:00:00.000",
        "vulnerabilities": [{"cve": c} for c in cves],
    }


def _by_id(raw: list[dict[str, Any]], cve_id: str) -> dict[str, Any]:
    return next(c for c in raw if c["id"] == cve_id)


def test_every_real_record_parses(nvd_files: list[Path]) -> None:
    skipped: list[SkippedRecord] = []
    recs = [r for f in nvd_files for r in iter_nvd_file(f, errors=skipped.append)]
    assert len(recs) == 66
    assert skipped == []
    assert len({r.cve_id for r in recs}) == 66


def test_kev_fields_and_cpe_ranges(nvd_raw: list[dict[str, Any]]) -> None:
    rec = parse_cve(_by_id(nvd_raw, "CVE-2024-1086"))
    assert rec.kev is not None
    assert rec.kev.exploit_add == date(2024, 5, 30)
    assert rec.kev.action_due == date(2024, 6, 20)
    assert rec.kev.vulnerability_name == "Linux Kernel Use-After-Free Vulnerability"
    assert rec.vuln_status == "Undergoing Analysis"
    assert rec.cwes == ("CWE-416",)  # same CWE from two sources, kept once
    kernel = [m for m in rec.cpe_matches() if m.product == "linux_kernel"]
    first = kernel[0]
    assert (first.version_start_including, first.version_end_excluding) == ("3.15", "5.15.149")
    assert first.describe_range() == ">= 3.15, < 5.15.149"
    exact = [m for m in kernel if m.version == "6.8"]
    assert exact and exact[0].update == "rc1"
    assert rec.published == datetime(2024, 1, 31, 13, 15, 10, 827000, tzinfo=UTC)


def test_awaiting_analysis_is_kept(nvd_raw: list[dict[str, Any]]) -> None:
    rec = parse_cve(_by_id(nvd_raw, "CVE-2024-37032"))
    assert rec.vuln_status == "Awaiting Analysis"
    assert rec.awaiting_analysis
    assert rec.metrics == () and rec.configurations == ()
    assert rec.base_score is None and rec.severity is None
    assert "no CVSS" in rec.cvss.reason
    assert rec.description.startswith("Ollama before 0.1.34")


def test_cvss_newest_version_wins_even_from_cna(nvd_raw: list[dict[str, Any]]) -> None:
    rec = parse_cve(_by_id(nvd_raw, "CVE-2025-32434"))
    choice = rec.cvss
    assert choice.metric is not None
    assert (choice.metric.version, choice.metric.type, choice.base_score) == (
        "4.0",
        "Secondary",
        9.3,
    )
    assert choice.severity == "CRITICAL"
    assert "v3.1" in choice.reason  # the older metric is mentioned, not lost
    assert len(rec.metrics) == 2


def test_cvss_primary_beats_secondary_and_flags_disagreement(
    nvd_raw: list[dict[str, Any]],
) -> None:
    # Real record: NVD Primary v3.1 9.6, huntr.dev Secondary v3.0 3.4.
    choice = parse_cve(_by_id(nvd_raw, "CVE-2024-3568")).cvss
    assert choice.metric is not None and choice.metric.is_nvd_primary
    assert choice.base_score == 9.6
    assert choice.large_disagreement and choice.disagreement == 6.2
    assert choice.disagreeing is not None and choice.disagreeing.base_score == 3.4
    assert "disagreement" in choice.reason
    # 1.3 points apart (CVE-2023-39417) is not flagged.
    small = parse_cve(_by_id(nvd_raw, "CVE-2023-39417")).cvss
    assert small.disagreement == 1.3 and not small.large_disagreement


def test_cvss_threshold_is_inclusive() -> None:
    def m(score: float, typ: str, src: str) -> CvssMetric:
        return CvssMetric("3.1", src, typ, score, "HIGH", "")

    choice = choose_cvss([m(5.0, "Secondary", "cna@example"), m(7.0, "Primary", "nvd@nist.gov")])
    assert choice.base_score == 7.0
    assert choice.large_disagreement  # exactly 2.0 points


def test_cvss_v2_keeps_severity_from_outside_cvss_data(nvd_raw: list[dict[str, Any]]) -> None:
    rec = parse_cve(_by_id(nvd_raw, "CVE-2021-41773"))
    v2 = [m for m in rec.metrics if m.version == "2.0"]
    assert v2 and v2[0].base_severity in ("LOW", "MEDIUM", "HIGH")
    assert rec.cvss.metric is not None and rec.cvss.metric.version == "3.1"


def test_parse_cpe_handles_escapes() -> None:
    part, vendor, product, version, update, target = parse_cpe(
        r"cpe:2.3:a:vendor:prod\:uct:1.0:*:*:*:*:python:*:*"
    )
    assert (part, vendor, product, version, update, target) == (
        "a",
        "vendor",
        "prod:uct",
        "1.0",
        None,
        "python",
    )
    with pytest.raises(NvdRecordError):
        parse_cpe("cpe:/a:old:format")


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda c: c.pop("id"), "id"),
        (lambda c: c.__setitem__("id", "NOT-A-CVE"), "id"),
        (lambda c: c.__setitem__("published", "yesterday"), "timestamp"),
        (
            lambda c: c.__setitem__(
                "metrics", {"cvssMetricV31": [{"cvssData": {"baseScore": 42}}]}
            ),
            "outside",
        ),
        (lambda c: c.__setitem__("configurations", "all"), "configurations"),
    ],
)
def test_malformed_record_raises_with_reason(
    nvd_raw: list[dict[str, Any]], mutate: Any, needle: str
) -> None:
    cve = copy.deepcopy(nvd_raw[0])
    mutate(cve)
    with pytest.raises(NvdRecordError, match=needle):
        parse_cve(cve)


def test_malformed_record_skipped_while_others_parse(
    tmp_path: Path, nvd_raw: list[dict[str, Any]]
) -> None:
    good = copy.deepcopy(nvd_raw[:5])
    bad = copy.deepcopy(nvd_raw[5])
    bad["published"] = "not a date"
    doc = _doc([*good[:2], bad, *good[2:]])
    doc["vulnerabilities"].insert(4, {"notcve": {}})
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(doc))
    skipped: list[SkippedRecord] = []
    recs = list(iter_nvd_file(path, errors=skipped.append))
    assert [r.cve_id for r in recs] == [c["id"] for c in good]
    assert [(s.index, s.cve_id) for s in skipped] == [(2, bad["id"]), (4, None)]
    assert "timestamp" in skipped[0].reason


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("published", None, "published: timestamp must be a non-empty string, got missing"),
        ("lastModified", "nope", "lastModified: bad timestamp 'nope'"),
        ("lastModified", 20240101, "lastModified: timestamp must be a non-empty string, got a int"),
    ],
)
def test_a_bad_timestamp_names_its_field(
    nvd_raw: list[dict[str, Any]], field: str, value: Any, needle: str
) -> None:
    cve = copy.deepcopy(nvd_raw[0])
    if value is None:
        cve.pop(field)
    else:
        cve[field] = value
    with pytest.raises(NvdRecordError) as info:
        parse_cve(cve)
    assert needle in str(info.value)


def test_gzip_and_plain_give_the_same_records(tmp_path: Path, nvd_files: list[Path]) -> None:
    src = nvd_files[1]
    gz = tmp_path / "feed.json.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    disguised = tmp_path / "feed.json"  # gzip content under a .json name still works
    disguised.write_bytes(gz.read_bytes())
    plain = list(iter_nvd_file(src))
    assert list(iter_nvd_file(gz)) == plain
    assert [r.content_hash for r in iter_nvd_file(disguised)] == [r.content_hash for r in plain]


def test_reimport_is_identical_and_update_changes_hash(nvd_raw: list[dict[str, Any]]) -> None:
    first = [parse_cve(c) for c in nvd_raw]
    again = [parse_cve(copy.deepcopy(c)) for c in nvd_raw]
    assert first == again
    assert [r.content_hash for r in first] == [r.content_hash for r in again]
    updated = copy.deepcopy(_by_id(nvd_raw, "CVE-2024-37032"))
    updated["lastModified"] = "2026-02-01T00:00:00.000"
    updated["vulnStatus"] = "Analyzed"
    updated["metrics"] = {
        "cvssMetricV31": [
            {
                "source": "nvd@nist.gov",
                "type": "Primary",
                "cvssData": {
                    "version": "3.1",
                    "baseScore": 9.1,
                    "baseSeverity": "CRITICAL",
                    "vectorString": "CVSS:3.1/AV:N",
                },
            }
        ]
    }
    new = parse_cve(updated)
    old = next(r for r in first if r.cve_id == "CVE-2024-37032")
    assert new.content_hash != old.content_hash
    assert new.base_score == 9.1 and not new.awaiting_analysis  # re-scored on update


def test_truncated_file_raises_after_good_records(tmp_path: Path, nvd_files: list[Path]) -> None:
    data = nvd_files[0].read_bytes()
    path = tmp_path / "cut.json"
    path.write_bytes(data[: len(data) // 2])
    got = []
    with pytest.raises(NvdFileError):
        for rec in iter_nvd_file(path):
            got.append(rec.cve_id)
    assert got  # records before the damage were delivered


def test_other_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"cves": []}))
    with pytest.raises(NvdFileError, match="not an NVD"):
        list(iter_nvd_file(path))
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(_doc([])))
    assert list(iter_nvd_file(empty)) == []


def test_parse_nvd_document_reports_page_relative_index(nvd_raw: list[dict[str, Any]]) -> None:
    doc = _doc(copy.deepcopy(nvd_raw[:3]))
    doc["vulnerabilities"][1]["cve"]["id"] = 7
    skipped: list[SkippedRecord] = []
    recs = parse_nvd_document(doc, errors=skipped.append)
    assert len(recs) == 2 and skipped[0].index == 1
