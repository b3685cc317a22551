"""Helpers for the store-backed vulnerability tests: real records under fresh ids, EPSS rows.

CVE facts are shared by every org in the test database, so a test that
checks "added vs unchanged" gives the real NVD records new ids of its own
(``CVE-2100-<unique>...``); every other field stays as NVD published it.
"""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from pathlib import Path
from typing import Any

from threatvec.vulns.nvd import CveRecord, parse_cve

_counter = itertools.count(1)


def fresh_prefix() -> str:
    """A digit string no other test uses (CVE ids need digits only)."""
    return f"{next(_counter):03d}{uuid.uuid4().int % 10**7:07d}"


def renamed(raw: list[dict[str, Any]], prefix: str | None = None) -> list[dict[str, Any]]:
    """Copies of real ``cve`` objects under ids ``CVE-2100-<prefix><nn>``; the rest unchanged."""
    p = prefix or fresh_prefix()
    out = []
    for i, obj in enumerate(raw):
        c = copy.deepcopy(obj)
        c["id"] = f"CVE-2100-{p}{i:02d}"
        out.append(c)
    return out


def records(raw: list[dict[str, Any]]) -> list[CveRecord]:
    return [parse_cve(c) for c in raw]


def nvd_document(raw: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resultsPerPage": len(raw),
        "startIndex": 0,
        "totalResults": len(raw),
        "format": "NVD_CVE",
        "version": "2.0",
        "timestamp": "2026-11-25T10:00:00.000",
        "vulnerabilities": [{"cve": c} for c in raw],
    }


def write_nvd(path: Path, raw: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(nvd_document(raw)))
    return path


def epss_csv(header_line: str, scores: dict[str, tuple[float, float]]) -> str:
    """FIRST's daily CSV: the real ``#model_version...`` line, the header, one row per CVE."""
    rows = [header_line.strip(), "cve,epss,percentile"]
    rows += [f"{cve},{p:.5f},{pct:.5f}" for cve, (p, pct) in scores.items()]
    return "\n".join(rows) + "\n"
