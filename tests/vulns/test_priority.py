from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from threatvec.vulns.priority import (
    EPSS_BUCKETS,
    SLA_DAYS,
    compute_priority,
    compute_sla,
    epss_points,
)
from threatvec.vulns.stack import StackEntry, StackMatch


def _in_range() -> StackMatch:
    return StackMatch("version_in_range", "torch 2.5.1 is in < 2.6.0", StackEntry("torch", "2.5.1"))


def test_hand_computed_priority() -> None:
    # CVSS 9.8 -> 39.2; in range -> 30; percentile 0.96 -> 17; HIGH, 15 of 30 days -> 5.0.
    p = compute_priority(
        cvss_score=9.8,
        stack=_in_range(),
        epss_percentile=0.96,
        epss_probability=0.31,
        severity="HIGH",
        first_affected=date(2025, 1, 1),
        today=date(2025, 1, 16),
    )
    parts = {c.name: c.points for c in p.components}
    assert parts == {"cvss": 39.2, "stack": 30.0, "epss": 17.0, "age": 5.0}
    assert p.score == 91.2
    assert [c.max_points for c in p.components] == [40.0, 30.0, 20.0, 10.0]
    assert "15 of 30" in p.component("age").reason
    assert "0.960" in p.component("epss").reason
    assert "torch 2.5.1" in p.component("stack").reason


def test_second_hand_computed_case() -> None:
    # CVSS 5.3 -> 21.2; version unknown -> 0.6 x 30 = 18; percentile 0.42 -> 3; MEDIUM 9/90 -> 1.0
    stack = StackMatch("version_unknown", "no version", StackEntry("nginx"))
    p = compute_priority(
        cvss_score=5.3,
        stack=stack,
        epss_percentile=0.42,
        severity="MEDIUM",
        first_affected=datetime(2025, 3, 1, 12, tzinfo=UTC),
        today=datetime(2025, 3, 10, 8, tzinfo=UTC),
    )
    assert [c.points for c in p.components] == [21.2, 18.0, 3.0, 1.0]
    assert p.score == 43.2


def test_unscored_and_unmatched_cve() -> None:
    p = compute_priority(
        cvss_score=None,
        stack=None,
        epss_percentile=None,
        severity=None,
        first_affected=date(2025, 1, 1),
        today=date(2025, 1, 1),
    )
    assert p.score == 0.0
    assert "no CVSS" in p.component("cvss").reason
    assert p.component("epss").reason == "no EPSS score"
    assert p.sla.window_days == 90 and "no severity yet" in p.sla.reason


def test_overdue_gets_full_age_points() -> None:
    p = compute_priority(
        cvss_score=9.0,
        stack=None,
        epss_percentile=0.1,
        severity="CRITICAL",
        first_affected=date(2025, 1, 1),
        today=date(2025, 1, 9),
    )
    assert p.sla.overdue and p.sla.due == date(2025, 1, 8)
    assert p.component("age").points == 10.0 and "overdue" in p.component("age").reason
    on_due_day = compute_sla(
        severity="CRITICAL", first_affected=date(2025, 1, 1), today=date(2025, 1, 8)
    )
    assert not on_due_day.overdue and on_due_day.days_remaining == 0


@pytest.mark.parametrize(("severity", "days"), list(SLA_DAYS.items()))
def test_sla_windows(severity: str, days: int) -> None:
    sla = compute_sla(
        severity=severity.lower(), first_affected=date(2024, 1, 1), today=date(2024, 1, 2)
    )
    assert sla.window_days == days and sla.basis == "severity"
    assert (sla.due - date(2024, 1, 1)).days == days


def test_kev_due_date_caps_sla() -> None:
    sla = compute_sla(
        severity="LOW",
        first_affected=date(2024, 5, 1),
        today=date(2024, 6, 1),
        kev_due=date(2024, 6, 20),
    )
    assert sla.due == date(2024, 6, 20) and sla.basis == "kev" and "KEV" in sla.reason
    assert sla.window_days == 50
    later = compute_sla(
        severity="CRITICAL",
        first_affected=date(2024, 5, 1),
        today=date(2024, 5, 2),
        kev_due=date(2024, 6, 20),
    )
    assert later.due == date(2024, 5, 8) and later.basis == "severity"  # sooner one wins
    p = compute_priority(
        cvss_score=7.8,
        stack=None,
        epss_percentile=None,
        severity="HIGH",
        first_affected=date(2024, 6, 15),
        today=date(2024, 6, 21),
        kev_due=date(2024, 6, 20),
    )
    assert p.sla.overdue and p.component("age").points == 10.0


def test_epss_buckets_spread_real_looking_scores() -> None:
    # Real rows of FIRST's CSV format sample: probabilities 0.02-0.29, percentiles 0.83-0.98.
    assert epss_points(0.83169, 0.02371)[0] == 10.0
    assert epss_points(0.98107, 0.29013)[0] == 17.0
    assert epss_points(0.995)[0] == 20.0
    assert epss_points(0.05)[0] == 1.0
    # Probability only: 0.02 would be 0.4 points as raw x 20; the bucket gives 10.
    assert epss_points(None, 0.02)[0] == 10.0
    assert epss_points(None, None)[0] == 0.0
    assert epss_points(1.5)[0] == 0.0  # out of range is ignored, not trusted
    assert [b[1] for b in EPSS_BUCKETS] == sorted((b[1] for b in EPSS_BUCKETS), reverse=True)


def test_age_counts_days_since_publication() -> None:
    """The help page's Age component: days since publication, not since the org was hit."""
    common = {
        "cvss_score": 7.5,
        "stack": None,
        "epss_percentile": None,
        "severity": "HIGH",
        "first_affected": date(2025, 6, 1),
        "today": date(2025, 6, 2),
    }
    fresh = compute_priority(**common, published=datetime(2025, 5, 29, 9, tzinfo=UTC))
    old = compute_priority(**common, published=datetime(2024, 1, 10, tzinfo=UTC))
    assert fresh.component("age").points == 1.3  # 4 of 30 days
    assert "published 4 days ago" in fresh.component("age").reason
    assert old.component("age").points == 10.0  # long public: the full 10
    assert old.score > fresh.score and not old.sla.overdue  # the SLA still runs from June 1
    assert old.sla.due == date(2025, 7, 1)
    low = compute_priority(**{**common, "severity": "LOW"}, published=date(2025, 3, 4))
    assert low.component("age").points == round(90 / 365 * 10, 1)
