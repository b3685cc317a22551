"""Each organisation's exposure to each CVE: stack match, SLA clock and stored priority.

:func:`refresh_exposures` is the one place a ``cve_exposures`` row is
(re)computed. It runs after anything that can change a score: new or updated
CVE records, EPSS/KEV/OSV data, a tech-stack change, a status change, and
once a day for age (the ``vulns.rescore`` job). The priority is stored with
the day it was scored (``scored_on``) so the default list sorts by an index;
:func:`priority_of` recomputes the same number with its components for a
reply, from the same inputs and the same day, so list order and reply agree.

SLA clock: it starts when the CVE first affected the org — when the row was
first relevant (AI-relevant or matched to the stack), otherwise when the org
first saw it — and stops on ``fixed``, ``deployed`` or ``wont_fix``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.signals import service as signals
from threatvec.vulns.models import (
    Cve,
    CveExposure,
    CveOsvLink,
    CveProduct,
    EpssRecord,
    KevRecord,
    OsvAdvisoryRecord,
    TechStackEntry,
)
from threatvec.vulns.nvd import CveRecord, parse_cve
from threatvec.vulns.priority import Priority, compute_priority
from threatvec.vulns.stack import StackEntry, StackMatch, VersionRange, index_stack, match_stack

__all__ = [
    "NEW_CRITICAL_SIGNAL",
    "RefreshStats",
    "ScoreInputs",
    "kev_due_of",
    "load_stack",
    "priority_of",
    "refresh_exposures",
]

log = logging.getLogger("threatvec.vulns.exposures")
NEW_CRITICAL_SIGNAL = "vulns.new_critical"
_CHUNK = 500


@dataclass
class RefreshStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_critical: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "new_critical": len(self.new_critical),
        }


@dataclass(frozen=True)
class ScoreInputs:
    """What a priority is computed from (shared facts + the org's stack match)."""

    cvss_score: float | None
    severity: str | None
    epss: float | None
    percentile: float | None
    kev_due: date | None
    published: datetime | None = None  # the age component counts days since publication


def kev_due_of(cve: Cve, kev: KevRecord | None) -> date | None:
    """CISA's catalog due date, else the one NVD copied into the record."""
    if kev is not None:
        return kev.due_date
    return cve.nvd_kev_due


def load_stack(session: Session, org_id: str) -> list[tuple[str, StackEntry]]:
    rows = session.scalars(
        select(TechStackEntry).where(TechStackEntry.org_id == org_id).order_by(TechStackEntry.id)
    )
    return [
        (
            r.id,
            StackEntry(
                technology=r.technology,
                version=r.version,
                vendor=r.vendor,
                asset_count=r.asset_count,
                source=r.source,
                purl=r.purl,
            ),
        )
        for r in rows
    ]


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


def priority_of(
    exposure: CveExposure, inputs: ScoreInputs, *, today: date | None = None
) -> Priority:
    """The exposure's priority and components, as of ``today`` (default: the day it was scored)."""
    day = today or exposure.scored_on
    if exposure.clock_stopped_on is not None and exposure.clock_stopped_on < day:
        day = exposure.clock_stopped_on
    stack = None
    if exposure.stack_level != "no_stack":
        stack = StackMatch(exposure.stack_level, exposure.stack_reason)  # type: ignore[arg-type]
    return compute_priority(
        cvss_score=inputs.cvss_score,
        stack=stack,
        epss_percentile=inputs.percentile,
        epss_probability=inputs.epss,
        severity=inputs.severity,
        first_affected=exposure.affected_since,
        today=day,
        kev_due=inputs.kev_due,
        published=inputs.published,
    )


def _osv_ranges(session: Session, cve_ids: Iterable[str]) -> dict[str, list[VersionRange]]:
    ids = list(cve_ids)
    if not ids:
        return {}
    out: dict[str, list[VersionRange]] = {}
    rows = session.execute(
        select(CveOsvLink.cve_id, OsvAdvisoryRecord.ranges)
        .join(OsvAdvisoryRecord, OsvAdvisoryRecord.id == CveOsvLink.advisory_id)
        .where(CveOsvLink.cve_id.in_(ids))
    )
    for cve_id, ranges in rows:
        for r in ranges or []:
            out.setdefault(cve_id, []).append(
                VersionRange(
                    str(r.get("package", "")),
                    tuple(r.get("events") or ()),
                    tuple(r.get("versions") or ()),
                )
            )
    return out


def _description_only(cve: Cve) -> CveRecord:
    # A record NVD has not given CPEs yet: only its description can name the product.
    return CveRecord(
        cve_id=cve.cve_id,
        source_identifier=None,
        published=cve.published,
        last_modified=cve.last_modified,
        vuln_status=cve.vuln_status,
        description=cve.description,
        metrics=(),
        cwes=(),
        references=(),
        configurations=(),
        kev=None,
        raw={},
    )


@dataclass(frozen=True)
class _StackView:
    """An org's stack prepared once per refresh: the entries, by name, and their row ids."""

    entries: list[StackEntry]
    by_name: dict[str, list[StackEntry]]
    row_ids: dict[int, str]  # id(entry) -> TechStackEntry.id

    @classmethod
    def of(cls, stack: Sequence[tuple[str, StackEntry]]) -> _StackView:
        entries = [e for _, e in stack]
        return cls(entries, index_stack(entries), {id(e): i for i, e in stack})


def _match(
    cve: Cve,
    stack: _StackView,
    candidate: bool,
    osv: list[VersionRange],
) -> tuple[StackMatch | None, str | None]:
    if not stack.entries:
        return None, None
    if cve.vuln_status == "Rejected":
        # A rejected CVE id is no vulnerability: not in the stack, whatever
        # package advisory still aliases it (and no new-critical signal).
        return StackMatch("none", "the CVE was rejected: nothing to match"), None
    if candidate:
        record = parse_cve(cve.raw) if cve.has_cpe else _description_only(cve)
        m = match_stack(record, stack.entries, osv_ranges=osv, by_name=stack.by_name)
    elif not cve.has_cpe:
        m = match_stack(_description_only(cve), stack.entries, by_name=stack.by_name)
    else:
        return StackMatch("none", "no stack entry matches this CVE's products"), None
    entry_id = stack.row_ids.get(id(m.entry)) if m.entry is not None else None
    return m, entry_id


def _chunks(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def refresh_exposures(
    *,
    session: Session,
    org_id: str,
    cve_ids: Iterable[str] | None = None,
    today: date | None = None,
    publish_signals: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> RefreshStats:
    """(Re)compute the org's exposure rows for ``cve_ids`` (all CVEs when None).

    ``progress(done, total)`` is called after each chunk of CVEs.
    """
    now = utcnow()
    day = today or now.date()
    stack = _StackView.of(load_stack(session, org_id))
    names = set(stack.by_name)
    stats = RefreshStats()
    if cve_ids is None:
        ids = list(session.scalars(select(Cve.cve_id).order_by(Cve.cve_id)))
    else:
        ids = sorted(set(cve_ids))
    done = 0
    for chunk in _chunks(ids, _CHUNK):
        _refresh_chunk(session, org_id, chunk, stack, names, now, day, stats, publish_signals)
        done += len(chunk)
        if progress is not None:
            progress(done, len(ids))
    return stats


def _refresh_chunk(
    session: Session,
    org_id: str,
    chunk: list[str],
    stack: _StackView,
    names: set[str],
    now: datetime,
    day: date,
    stats: RefreshStats,
    publish_signals: bool,
) -> None:
    cves = {c.cve_id: c for c in session.scalars(select(Cve).where(Cve.cve_id.in_(chunk)))}
    if not cves:
        return
    candidates: set[str] = set()
    if names:
        candidates = set(
            session.scalars(
                select(CveProduct.cve_id).where(
                    CveProduct.cve_id.in_(chunk), CveProduct.name.in_(sorted(names))
                )
            )
        )
    osv = _osv_ranges(session, candidates)
    epss = {
        e.cve_id: e for e in session.scalars(select(EpssRecord).where(EpssRecord.cve_id.in_(chunk)))
    }
    kevs = {
        k.cve_id: k for k in session.scalars(select(KevRecord).where(KevRecord.cve_id.in_(chunk)))
    }
    existing = {
        x.cve_id: x
        for x in session.scalars(
            select(CveExposure).where(CveExposure.org_id == org_id, CveExposure.cve_id.in_(chunk))
        )
    }
    new_rows: list[dict[str, Any]] = []
    for cve_id in chunk:
        cve = cves.get(cve_id)
        if cve is None:
            continue
        match, entry_id = _match(cve, stack, cve_id in candidates, osv.get(cve_id, []))
        e = epss.get(cve_id)
        inputs = ScoreInputs(
            cve.cvss_score,
            cve.severity,
            e.epss if e else None,
            e.percentile if e else None,
            kev_due_of(cve, kevs.get(cve_id)),
            cve.published,
        )
        in_stack = bool(match and match.matched)
        relevant = (cve.ai_relevant or in_stack) and cve.vuln_status != "Rejected"
        values: dict[str, Any] = {
            "ai_relevant": cve.ai_relevant,
            "in_stack": in_stack,
            "relevant": relevant,
            "severity": cve.severity,
            "cvss_sort": cve.cvss_score if cve.cvss_score is not None else -1.0,
            "epss_sort": e.percentile if e else -1.0,
            "kev": inputs.kev_due is not None,
            "published": cve.published,
            "stack_level": match.level if match else "no_stack",
            "stack_reason": (match.reason if match else "no tech stack imported")[:2000],
            "stack_entry_id": entry_id,
            "stack_matched_on": (match.matched_on or None) if match else None,
        }
        old = existing.get(cve_id)
        if old is None:
            row = CveExposure(
                org_id=org_id,
                cve_id=cve_id,
                status="open",
                first_seen_at=now,
                affected_since=now,
                ever_relevant=relevant,
                scored_on=day,
                clock_stopped_on=None,
                **values,
            )
            pr = priority_of(row, inputs, today=day)
            values.update(
                id=row.id or _new_id(),
                org_id=org_id,
                cve_id=cve_id,
                status="open",
                first_seen_at=now,
                affected_since=now,
                ever_relevant=relevant,
                scored_on=day,
                priority=pr.score,
                due_at=_day_start(pr.sla.due),
            )
            new_rows.append(values)
            stats.created += 1
            if in_stack and cve.severity == "CRITICAL":
                stats.new_critical.append(cve_id)
                if publish_signals:
                    _signal(session, org_id, cve, values, match)
            continue
        was_in_stack = old.in_stack
        if relevant and not old.ever_relevant:
            # First time this CVE touches the org: its SLA clock starts now.
            values["ever_relevant"] = True
            values["affected_since"] = now
        values["scored_on"] = day
        changed = False
        for k, v in values.items():
            if getattr(old, k) != v:
                setattr(old, k, v)
                changed = True
        pr = priority_of(old, inputs, today=day)
        due = _day_start(pr.sla.due)
        if old.priority != pr.score or old.due_at != due:
            old.priority, old.due_at = pr.score, due
            changed = True
        if changed:
            stats.updated += 1
        else:
            stats.unchanged += 1
        if in_stack and not was_in_stack and cve.severity == "CRITICAL":
            stats.new_critical.append(cve_id)
            if publish_signals:
                _signal(
                    session, org_id, cve, {"priority": old.priority, "due_at": old.due_at}, match
                )
    if new_rows:
        session.execute(insert(CveExposure), new_rows)
    session.flush()


def _new_id() -> str:
    from threatvec.store.base import new_id

    return new_id()


def _signal(
    session: Session, org_id: str, cve: Cve, values: dict[str, Any], match: StackMatch | None
) -> None:
    due = values.get("due_at")
    signals.publish(
        session=session,
        org_id=org_id,
        kind=NEW_CRITICAL_SIGNAL,
        data={
            "cve_id": cve.cve_id,
            "severity": cve.severity,
            "cvss": cve.cvss_score,
            "priority": values.get("priority"),
            "due": due.date().isoformat() if isinstance(due, datetime) else None,
            "technology": match.entry.technology if match and match.entry else None,
            "stack_level": match.level if match else None,
            "ai_relevant": cve.ai_relevant,
        },
    )
