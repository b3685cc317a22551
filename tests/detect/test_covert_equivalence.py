"""The covert detector gives exactly the recorded answers (issue #4: faster, no verdict change).

tests/vectors/covert_golden.jsonl was written by tools/covert_golden.py with
the detector as it was before the speed work: for every labelled case, every
definition of the shared dev set and 440 template-built definitions, the
answers of ``scan_tool``, ``rules_only_scan`` and ``assess_text`` (verdict,
score, model probability, and per finding rule id, pointer, weight, severity
and a digest of snippet + message). Any gate or rewrite that changes one of
them fails here.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from threatvec.detect.covert import assess_text, clear_cache, rules_only_scan, scan_tool

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "vectors" / "covert_golden.jsonl"
CASES = REPO / "tests" / "vectors" / "covert_cases.jsonl"
SHARED = Path(os.environ.get("THREATVEC_SHARED_DATA", REPO / ".." / "shared" / "data"))
DEV = SHARED / "mcp" / "tool_descriptions_dev.jsonl"
TOLERANCE = 1e-6


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _answer(result: Any) -> dict[str, Any]:
    return {
        "verdict": result.verdict,
        "score": result.score,
        "p": result.model_probability,
        "findings": [
            [f.rule_id, f.pointer, f.weight, f.severity, _digest(f.snippet, f.message)]
            for f in result.findings
        ],
    }


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=0.0, abs_tol=TOLERANCE)


def _differences(where: str, got: dict[str, Any] | None, want: dict[str, Any] | None) -> list[str]:
    if got is None or want is None:
        return [] if got is want else [f"{where}: {got!r} != {want!r}"]
    out: list[str] = []
    if got["verdict"] != want["verdict"]:
        out.append(f"{where}: verdict {got['verdict']} != {want['verdict']}")
    if not _close(got["score"], want["score"]):
        out.append(f"{where}: score {got['score']} != {want['score']}")
    if not _close(got["p"], want["p"]):
        out.append(f"{where}: model probability {got['p']} != {want['p']}")
    gf, wf = got["findings"], want["findings"]
    if [f[0] for f in gf] != [f[0] for f in wf]:
        out.append(f"{where}: rule ids {[f[0] for f in gf]} != {[f[0] for f in wf]}")
        return out
    for g, w in zip(gf, wf, strict=True):
        if g[1] != w[1] or g[3] != w[3] or g[4] != w[4] or not _close(g[2], w[2]):
            out.append(f"{where}: finding {g[:4]} != {w[:4]} (or its snippet/message changed)")
    return out


def _rows() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(golden entry, row with the tool and its surroundings) for every recorded row."""
    by_source: dict[str, dict[str, dict[str, Any]]] = {"cases": {r["id"]: r for r in _load(CASES)}}
    golden = _load(GOLDEN)
    if DEV.is_file():
        by_source["dev"] = {r["id"]: r for r in _load(DEV)}
    out = []
    for entry in golden:
        if entry["source"] == "synthetic":
            out.append((entry, entry))
        elif entry["source"] in by_source:
            out.append((entry, by_source[entry["source"]][entry["id"]]))
    return out


def _replay(rows: list[tuple[dict[str, Any], dict[str, Any]]], *, cold: bool) -> list[str]:
    problems: list[str] = []
    for entry, row in rows:
        if cold:
            clear_cache()
        ctx = {
            "server_tool_names": row.get("server_tool_names", ()),
            "other_servers_tool_names": row.get("other_servers_tool_names", ()),
        }
        tool = row["tool"]
        desc = tool.get("description")
        got = {
            "scan": _answer(scan_tool(tool, **ctx)),
            "rules": _answer(rules_only_scan(tool, **ctx)),
            "text": _answer(assess_text(desc)) if isinstance(desc, str) else None,
        }
        for part in ("scan", "rules", "text"):
            problems += _differences(f"{entry['source']}/{entry['id']}/{part}", got[part],
                                     entry[part])  # fmt: skip
    return problems


@pytest.fixture(scope="module")
def rows() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return _rows()


def test_golden_file_covers_cases_and_synthetic_definitions(
    rows: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    sources = {e["source"] for e, _ in rows}
    assert {"cases", "synthetic"} <= sources
    assert len([1 for e, _ in rows if e["source"] == "cases"]) == len(_load(CASES))
    verdicts = {e["scan"]["verdict"] for e, _ in rows if e["source"] == "synthetic"}
    assert verdicts == {"benign", "poisoned"}  # both sides of every gate are exercised


def test_shared_dev_set_is_recorded() -> None:
    if not DEV.is_file():
        pytest.skip(f"shared dev set not found at {DEV}")
    golden_ids = {e["id"] for e in _load(GOLDEN) if e["source"] == "dev"}
    assert golden_ids == {r["id"] for r in _load(DEV)}


def test_cold_scans_reproduce_the_recorded_answers(
    rows: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    problems = _replay(rows, cold=True)
    assert not problems, f"{len(problems)} differences, first ones:\n" + "\n".join(problems[:20])


def test_scans_sharing_caches_reproduce_the_recorded_answers(
    rows: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    # One pass with caches left warm between rows, then a re-scan served from them.
    clear_cache()
    problems = _replay(rows, cold=False) + _replay(rows, cold=False)
    assert not problems, f"{len(problems)} differences, first ones:\n" + "\n".join(problems[:20])


def test_a_changed_answer_is_reported() -> None:
    # The comparison itself must be able to fail.
    want = {"verdict": "poisoned", "score": 1.2, "p": 0.5,
            "findings": [["TV-COVERT-020", "/description", 1.0, "high", "x"]]}  # fmt: skip
    got = dict(want, score=1.2 + 1e-3)
    assert _differences("x", got, want)
    assert _differences("x", dict(want, findings=[]), want)
    assert not _differences("x", dict(want, score=1.2 + 1e-9), want)
