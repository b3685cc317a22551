"""Control statuses, how several checks combine into one, and the coverage percent.

The rules live here and nowhere else (docs/compliance.md, "Statuses" and
"Coverage"):

* ``met``: the evidence shows the control working; ``partial``: some of it;
  ``gap``: the evidence shows it missing or failing; ``not_assessed``: there is
  no data to judge yet. Nothing is ``met`` by default.
* A control judged by several checks is ``not_assessed`` when all of them
  are, ``met`` only when all of them are met, ``gap`` when every assessed check
  is a gap, and ``partial`` otherwise (including met checks beside checks with
  no data: the evidence is incomplete).
* coverage % = 100 · (met + 0.5 · partial) / (met + partial + gap);
  ``not_assessed`` controls are left out; no assessed control → no coverage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

__all__ = ["STATUSES", "Status", "combine", "count_statuses", "coverage_percent"]

Status = Literal["met", "partial", "gap", "not_assessed"]
STATUSES: tuple[Status, ...] = ("met", "partial", "gap", "not_assessed")
PARTIAL_CREDIT = 0.5


def combine(statuses: Iterable[Status]) -> Status:
    """One status from the statuses of the checks that judge a control."""
    seen = list(statuses)
    assessed = [s for s in seen if s != "not_assessed"]
    if not assessed:
        return "not_assessed"
    if len(assessed) == len(seen) and all(s == "met" for s in assessed):
        return "met"
    if all(s == "gap" for s in assessed):
        return "gap"
    return "partial"


def count_statuses(statuses: Iterable[Status]) -> dict[Status, int]:
    counts: dict[Status, int] = {s: 0 for s in STATUSES}
    for s in statuses:
        counts[s] += 1
    return counts


def coverage_percent(counts: Mapping[Status, int]) -> float | None:
    """Met counts 1, partial 0.5, gap 0; not assessed is left out (None: nothing assessed)."""
    assessed = counts["met"] + counts["partial"] + counts["gap"]
    if assessed == 0:
        return None
    return round(100.0 * (counts["met"] + PARTIAL_CREDIT * counts["partial"]) / assessed, 1)
