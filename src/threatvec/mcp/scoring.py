"""Per-server MCP score (0–100) in four explained parts.

    score = integrity (0–35) + covert instructions (0–35)
          + catalog trust (0–15) + schema stability (0–15)

* **Integrity** — the pin: approved and unchanged 35; unchanged since the last
  snapshot but not approved 28; never pinned 20; a missing pin for an
  approved server 10; changed and not approved 28 minus the worst change
  (low 4, medium 8, high 14, critical 20); a rug pull (changed after
  approval) 5, or 0 when the change added directive text; a corrupt pin 0.
* **Covert instructions** — 35 minus, per covert finding, critical 35,
  high 20, medium 8, low 3, info 0 (floor 0). Detector not available: 17,
  "not checked".
* **Catalog trust** — 15 × trust points / 100 (see `trust.py`).
* **Schema stability** — from past diffs of this server: 15 − 3 per change
  event − 2 per change graded medium or worse (floor 0); no history yet 12.

Every part carries its evidence; the score is the rounded sum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from threatvec.mcp.diff import SnapshotDiff
from threatvec.mcp.findings import severity_rank
from threatvec.mcp.trust import TrustAssessment

__all__ = ["PART_MAX", "McpScore", "ScorePart", "score_server"]

PART_MAX: dict[str, int] = {
    "integrity": 35,
    "covert": 35,
    "catalog_trust": 15,
    "schema_stability": 15,
}
_COVERT_PENALTY = {"critical": 35, "high": 20, "medium": 8, "low": 3, "info": 0}
_CHANGE_PENALTY = {"critical": 20, "high": 14, "medium": 8, "low": 4, "info": 0}


@dataclass
class ScorePart:
    """Points of one part, its maximum and what counted."""

    points: float
    max: int
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"points": round(self.points, 1), "max": self.max, "evidence": list(self.evidence)}


@dataclass
class McpScore:
    """The score and its parts."""

    value: int
    parts: dict[str, ScorePart]

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "parts": {k: v.to_dict() for k, v in self.parts.items()}}


def _integrity(pin: SnapshotDiff | None) -> ScorePart:
    top = PART_MAX["integrity"]
    if pin is None or pin.status == "new":
        return ScorePart(20, top, ["not pinned yet: nothing to compare against"])
    if pin.status == "untrusted":
        if pin.pin_state == "corrupt":
            return ScorePart(0, top, [f"pin corrupt: {pin.pin_error}"])
        return ScorePart(10, top, ["approved, but the pinned snapshot is missing"])
    if pin.status == "unchanged":
        if pin.approved:
            return ScorePart(top, top, ["matches the approved pin exactly"])
        return ScorePart(28, top, ["unchanged since the last snapshot, not approved yet"])
    material = [c for c in pin.changes if c.severity != "info"]
    if not material:
        pts = top if pin.approved else 28
        return ScorePart(pts, top, ["only the server version changed"])
    worst = max(material, key=lambda c: severity_rank(c.severity))
    summary = f"{len(material)} change(s); worst: {worst.message} ({worst.severity})"
    if pin.approved:
        if any(c.directive for c in material):
            return ScorePart(
                0, top, ["rug pull: changed after approval, adding directive text", summary]
            )
        return ScorePart(5, top, ["rug pull: changed after approval", summary])
    return ScorePart(max(0, 28 - _CHANGE_PENALTY.get(worst.severity, 8)), top, [summary])


def _covert(findings: Sequence[Mapping[str, Any]] | None) -> ScorePart:
    top = PART_MAX["covert"]
    if findings is None:
        return ScorePart(17, top, ["not checked: covert detector unavailable"])
    if not findings:
        return ScorePart(top, top, ["no hidden or directive text found"])
    penalty = 0
    evidence: list[str] = []
    for f in findings:
        sev = str(f.get("severity", "medium")).lower()
        penalty += _COVERT_PENALTY.get(sev, 8)
        where = f.get("tool") or f.get("pointer") or "server"
        evidence.append(f"{f.get('rule_id')} ({sev}) at {where}")
    return ScorePart(max(0, top - penalty), top, evidence[:20])


def _trust(trust: TrustAssessment) -> ScorePart:
    top = PART_MAX["catalog_trust"]
    evidence = [f"{trust.level}: {trust.reason}", *trust.evidence]
    return ScorePart(top * trust.points / 100, top, evidence)


def _stability(history: Sequence[SnapshotDiff | Mapping[str, Any]] | None) -> ScorePart:
    top = PART_MAX["schema_stability"]
    if not history:
        return ScorePart(12, top, ["no history yet"])
    events = 0
    serious = 0
    for diff in history:
        data = diff.to_dict() if isinstance(diff, SnapshotDiff) else diff
        changes = [c for c in data.get("changes", []) if c.get("severity") != "info"]
        if changes:
            events += 1
            serious += sum(1 for c in changes if severity_rank(str(c.get("severity"))) >= 2)
    pts = max(0, top - 3 * events - 2 * serious)
    return ScorePart(
        pts,
        top,
        [f"{events} change event(s) in {len(history)} re-scan(s), {serious} medium or worse"],
    )


def score_server(
    *,
    covert_findings: Sequence[Mapping[str, Any]] | None,
    trust: TrustAssessment,
    pin: SnapshotDiff | None = None,
    history: Sequence[SnapshotDiff | Mapping[str, Any]] | None = None,
) -> McpScore:
    """MCP score of one server.

    `covert_findings` — covert-detector findings for this server (None when
    the detector was not run); `pin` — the diff against the pinned/previous
    snapshot (None: never pinned); `history` — earlier diffs of this server,
    as `SnapshotDiff` or its `to_dict()`.
    """
    parts = {
        "integrity": _integrity(pin),
        "covert": _covert(covert_findings),
        "catalog_trust": _trust(trust),
        "schema_stability": _stability(history),
    }
    value = round(sum(p.points for p in parts.values()))
    return McpScore(max(0, min(100, value)), parts)
