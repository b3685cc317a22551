"""Combining check statuses and the coverage percent (pure)."""

from __future__ import annotations

import pytest

from threatvec.compliance.statuses import combine, count_statuses, coverage_percent


@pytest.mark.parametrize(
    ("checks", "expected"),
    [
        ([], "not_assessed"),
        (["not_assessed", "not_assessed"], "not_assessed"),
        (["met"], "met"),
        (["met", "met"], "met"),
        # met beside a check with no data is incomplete evidence, never met
        (["met", "not_assessed"], "partial"),
        (["gap", "not_assessed"], "gap"),
        (["gap", "gap"], "gap"),
        (["met", "gap"], "partial"),
        (["partial", "met"], "partial"),
    ],
)
def test_combine(checks: list, expected: str) -> None:
    assert combine(checks) == expected


def test_coverage_counts_met_fully_partial_half_and_leaves_out_not_assessed() -> None:
    counts = count_statuses(["met", "met", "partial", "gap", "not_assessed", "not_assessed"])
    assert counts == {"met": 2, "partial": 1, "gap": 1, "not_assessed": 2}
    assert coverage_percent(counts) == pytest.approx(62.5)  # (2 + 0.5) / 4
    assert coverage_percent(count_statuses(["not_assessed"])) is None
    assert coverage_percent(count_statuses(["gap"])) == 0.0
