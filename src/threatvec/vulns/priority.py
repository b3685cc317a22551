"""CVE priority (0-100) and SLA due dates — the one place these numbers live.

Priority = CVSS base (max 40) + stack match (max 30) + EPSS (max 20) + age (max 10),
each component returned with its points and the reason (docs/vulns.md):

* **CVSS** — ``base score / 10 × 40`` from the score chosen by
  :func:`threatvec.vulns.nvd.choose_cvss`; 0 while no metric exists yet
  ("Awaiting Analysis"; re-scored when NVD adds one).
* **Stack** — ``30 × share`` of the :class:`~threatvec.vulns.stack.StackMatch`
  level (in range 1.0, version unknown 0.6, name only 0.5, outside 0).
* **EPSS** — buckets on the *percentile*, because raw probabilities are tiny
  (median < 0.01) and ``probability × 20`` would give almost every CVE 0:
  see :data:`EPSS_BUCKETS`. With no percentile, the probability is used
  with :data:`EPSS_PROBABILITY_BUCKETS`. No EPSS at all: 0.
* **Age** — days since publication, as the help page defines it: ``10 × days
  since the CVE was published / SLA window days`` (capped at 10), so a CRITICAL
  CVE public for a week and a LOW one public for a year both score the full 10;
  the full 10 too once the org's SLA is overdue. Without a publication date,
  the days since it first affected the organisation.

SLA: the window by severity (CRITICAL 7 d, HIGH 30 d, MEDIUM 90 d, LOW 365 d)
starts when the CVE first affected the organisation; a KEV-listed CVE is due
no later than its KEV due date. Overdue means "today is after the due date".
An unscored CVE uses the MEDIUM window until NVD scores it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from threatvec.vulns.stack import MATCH_SHARE, StackMatch

__all__ = [
    "AGE_MAX",
    "CVSS_MAX",
    "EPSS_BUCKETS",
    "EPSS_MAX",
    "EPSS_PROBABILITY_BUCKETS",
    "SLA_DAYS",
    "STACK_MAX",
    "Priority",
    "PriorityComponent",
    "Sla",
    "compute_priority",
    "compute_sla",
    "epss_points",
]

CVSS_MAX, STACK_MAX, EPSS_MAX, AGE_MAX = 40.0, 30.0, 20.0, 10.0

SLA_DAYS: Mapping[str, int] = {"CRITICAL": 7, "HIGH": 30, "MEDIUM": 90, "LOW": 365}
_DEFAULT_SEVERITY = "MEDIUM"

#: (minimum percentile, points). The top 1% of CVEs by predicted
#: exploitation get all 20 points; the bottom half get at most 3.
EPSS_BUCKETS: Sequence[tuple[float, float]] = (
    (0.99, 20.0),
    (0.95, 17.0),
    (0.90, 14.0),
    (0.75, 10.0),
    (0.50, 6.0),
    (0.25, 3.0),
    (0.0, 1.0),
)
#: Used only when a source gives a probability without a percentile.
EPSS_PROBABILITY_BUCKETS: Sequence[tuple[float, float]] = (
    (0.50, 20.0),
    (0.10, 17.0),
    (0.03, 14.0),
    (0.01, 10.0),
    (0.003, 6.0),
    (0.001, 3.0),
    (0.0, 1.0),
)


@dataclass(frozen=True)
class PriorityComponent:
    name: str  # cvss | stack | epss | age
    points: float
    max_points: float
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "points": self.points,
            "max_points": self.max_points,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Sla:
    """When a CVE is due, and why that day."""

    severity: str  # the severity the window came from
    window_days: int
    starts: date
    due: date
    basis: str  # "severity" | "kev"
    overdue: bool
    days_open: int
    days_remaining: int  # negative when overdue
    reason: str


@dataclass(frozen=True)
class Priority:
    score: float  # 0-100, one decimal
    components: tuple[PriorityComponent, ...]
    sla: Sla

    def component(self, name: str) -> PriorityComponent:
        return next(c for c in self.components if c.name == name)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def compute_sla(
    *,
    severity: str | None,
    first_affected: date | datetime,
    today: date | datetime,
    kev_due: date | None = None,
) -> Sla:
    """The due date: severity window from ``first_affected``, capped by ``kev_due``.

    ``today`` is the day to judge on; a caller whose SLA clock is stopped
    (e.g. ``wont_fix``) passes the day the clock stopped.
    """
    sev = (severity or "").upper()
    known = sev in SLA_DAYS
    used = sev if known else _DEFAULT_SEVERITY
    days = SLA_DAYS[used]
    start, now = _as_date(first_affected), _as_date(today)
    due = start + timedelta(days=days)
    basis = "severity"
    reason = (
        f"{used} severity: {days} days from {start.isoformat()}"
        if known
        else f"no severity yet: the {_DEFAULT_SEVERITY} window of {days} days "
        f"from {start.isoformat()}"
    )
    if kev_due is not None and kev_due < due:
        due, basis = kev_due, "kev"
        reason += f"; CISA KEV due date {kev_due.isoformat()} is sooner"
    window = max((due - start).days, 0)
    days_open = max((now - start).days, 0)
    overdue = now > due
    return Sla(
        severity=used,
        window_days=window,
        starts=start,
        due=due,
        basis=basis,
        overdue=overdue,
        days_open=days_open,
        days_remaining=(due - now).days,
        reason=reason + ("; overdue" if overdue else ""),
    )


def epss_points(percentile: float | None, probability: float | None = None) -> tuple[float, str]:
    """EPSS points (0-20) and why, from the percentile buckets (probability as fallback)."""
    if percentile is not None and 0.0 <= percentile <= 1.0:
        for floor, pts in EPSS_BUCKETS:
            if percentile >= floor:
                prob = f", probability {probability:.4f}" if probability is not None else ""
                return pts, f"EPSS percentile {percentile:.3f} >= {floor:.2f}{prob}"
    if probability is not None and 0.0 <= probability <= 1.0:
        for floor, pts in EPSS_PROBABILITY_BUCKETS:
            if probability >= floor:
                return pts, f"EPSS probability {probability:.4f} >= {floor} (no percentile)"
    return 0.0, "no EPSS score"


def compute_priority(
    *,
    cvss_score: float | None,
    stack: StackMatch | None,
    epss_percentile: float | None,
    epss_probability: float | None = None,
    severity: str | None,
    first_affected: date | datetime,
    today: date | datetime,
    kev_due: date | None = None,
    published: date | datetime | None = None,
) -> Priority:
    """Priority 0-100 with its four components and the SLA it was aged against."""
    if cvss_score is None:
        cvss = PriorityComponent(
            "cvss", 0.0, CVSS_MAX, "no CVSS score yet (re-scored when NVD or the CNA adds one)"
        )
    else:
        score = min(max(cvss_score, 0.0), 10.0)
        cvss = PriorityComponent(
            "cvss",
            round(score / 10 * CVSS_MAX, 1),
            CVSS_MAX,
            f"CVSS base {score:.1f} / 10 x {CVSS_MAX:.0f}",
        )
    if stack is None:
        stack_c = PriorityComponent("stack", 0.0, STACK_MAX, "no tech stack to match against")
    else:
        share = MATCH_SHARE[stack.level]
        stack_c = PriorityComponent(
            "stack",
            round(share * STACK_MAX, 1),
            STACK_MAX,
            f"{stack.level.replace('_', ' ')} ({share:g} x 30): {stack.reason}",
        )
    pts, why = epss_points(epss_percentile, epss_probability)
    epss = PriorityComponent("epss", pts, EPSS_MAX, why)
    sla = compute_sla(
        severity=severity, first_affected=first_affected, today=today, kev_due=kev_due
    )
    if sla.overdue:
        age = PriorityComponent(
            "age",
            AGE_MAX,
            AGE_MAX,
            f"overdue since {sla.due.isoformat()} ({sla.days_open} days open)",
        )
    elif sla.window_days == 0:
        age = PriorityComponent("age", AGE_MAX, AGE_MAX, "due today (KEV due date reached)")
    elif published is None:
        frac = min(sla.days_open / sla.window_days, 1.0)
        age = PriorityComponent(
            "age",
            round(frac * AGE_MAX, 1),
            AGE_MAX,
            f"{sla.days_open} of {sla.window_days} SLA days used (no publication date)",
        )
    else:
        days = max((_as_date(today) - _as_date(published)).days, 0)
        frac = min(days / sla.window_days, 1.0)
        age = PriorityComponent(
            "age",
            round(frac * AGE_MAX, 1),
            AGE_MAX,
            f"published {days} days ago, of a {sla.window_days}-day SLA window",
        )
    comps = (cvss, stack_c, epss, age)
    total = round(min(sum(c.points for c in comps), 100.0), 1)
    return Priority(total, comps, sla)
