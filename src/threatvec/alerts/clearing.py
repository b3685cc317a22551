"""When an alert's condition no longer holds, for the triggers that have one.

An alert stands for a state that can end: the posture score fell (it can recover),
a service is not registered (it can be), a critical CVE is open in the stack (it
can be fixed), an approved MCP server's tools changed (it can be re-approved).
Each check reads that state now, in the alert's org, and returns why the
condition is clear ("condition cleared: …"), or None while it holds or cannot be
told. Some triggers are one-off events with nothing to clear (``ONE_OFF``).

An alert keeps the first 20 matches it folded (``details.events``, what a person
reads) and every subject it names as rows of ``alert_subjects`` (service, CVE or
server ids; ``details.subjects`` shows the first 20 and ``details.subjects_total``
counts them), so it clears only when all of them have. A storm folds by
insert-if-absent: one small row per new subject, not the whole list rewritten per
match. An alert stored before subjects were kept, that folded more matches than it
shows, names only some: it is never cleared, as what it dropped may still hold
(``manual_only`` says so on the page and in the API).

The checks run in batches (``cleared_all``): one read per trigger kind for all of an
org's open alerts, not one per alert, as every evaluation (every 30 s) runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, false, func, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from threatvec.alerts.models import Alert, AlertSubject
from threatvec.mcp.models import McpServer
from threatvec.shadow.models import ShadowService
from threatvec.signals.models import Signal
from threatvec.vulns.models import CveExposure

__all__ = [
    "CLEARABLE",
    "ONE_OFF",
    "SUBJECTS",
    "Pending",
    "Subjects",
    "cleared",
    "cleared_all",
    "load",
    "manual_only",
    "merge_subjects",
    "outgoing_details",
    "pending",
    "start_subjects",
    "tracked",
]

# Why these never clear: said in the 422 when auto_resolve is asked for, and in docs/alerts.md.
ONE_OFF: dict[str, str] = {
    "pii_spike": "PII already sent to an AI service is not undone by a quieter hour",
    "red_team_bypass": "a bypass found in a red-team run stays found; a later run is a new run",
}
PREFIX = "condition cleared: "
_FIXED = ("fixed", "deployed")
# Which match detail names what an alert is about, for the triggers whose alerts fold
# matches about different things (one alert per rule) or can clear per thing.
SUBJECT_KEY: dict[str, str] = {
    "new_shadow_asset": "service_id",
    "new_critical_cve": "cve_id",
    "mcp_rug_pull": "server_id",
}
# What alert_subjects.kind says each trigger's subjects are.
KIND: dict[str, str] = {
    "new_shadow_asset": "shadow_service",
    "new_critical_cve": "cve",
    "mcp_rug_pull": "mcp_server",
}
SUBJECTS = "subjects"  # in details: the first SHOWN subject ids, to read
TOTAL = "subjects_total"  # in details: how many alert_subjects rows the alert has
SEQ = "subjects_seq"  # in details: the last alert_subjects.seq handed out (never reused)
SHOWN = 20
# Ids bound in one IN (...): below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
_CHUNK = 10_000
_REASON_MAX = 500
_TABLE = cast(Table, AlertSubject.__table__)
_INSERT_ROWS = 500  # rows per insert: 3,000 parameters, far below either database's limit


# ── the subjects an alert names ────────────────────────────────────────────


def _subject(trigger: str, detail: dict[str, Any]) -> str | None:
    key = SUBJECT_KEY.get(trigger)
    value = detail.get(key) if key else None
    return value[:100] if isinstance(value, str) and value else None


def tracked(alert: Any) -> bool:
    """Whether every subject the alert names is in ``alert_subjects`` (``subjects_total``)."""
    return isinstance((alert.details or {}).get(TOTAL), int)


def start_subjects(trigger: str, details: dict[str, Any]) -> dict[str, Any]:
    """A new alert's details, set to keep its subjects (none yet) if its trigger has them."""
    if trigger not in SUBJECT_KEY:
        return details
    return {**details, SUBJECTS: [], TOTAL: 0, SEQ: 0}


class Subjects:
    """The subjects an evaluation pass folded, written once per batch of signals.

    ``add`` notes a match's subject (nothing is written); ``write`` inserts the batch's new
    ones with an insert-if-absent per 500 rows and updates each alert's shown 20 and total.
    A storm of N subjects thus costs N small rows in N/500 statements, not the whole list
    rewritten per match. An alert stored before subjects were kept that folded more than
    it shows is not tracked (its subjects are unknown) and gains no rows: a partial list
    must never clear it.
    """

    def __init__(self) -> None:
        self._pending: dict[str, tuple[Alert, dict[str, datetime]]] = {}

    def add(self, alert: Alert, detail: dict[str, Any], seen: datetime) -> None:
        subject = _subject(alert.trigger, detail)
        if subject is None or not tracked(alert):
            return
        _, subjects = self._pending.setdefault(alert.id, (alert, {}))
        subjects.setdefault(subject, seen)

    def write(self, session: Session) -> None:
        pending, self._pending = self._pending, {}
        for alert, subjects in pending.values():
            _write(session, alert, subjects)


def _write(session: Session, alert: Alert, subjects: dict[str, datetime]) -> None:
    details = dict(alert.details or {})
    total = int(details[TOTAL])
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # seq follows the order they came in, from the last one handed out: a subject already
    # named leaves a gap (an order, not a count), and counting from the total reused the
    # number of the row after a gap. Alerts from before the mark read it once.
    last = details.get(SEQ)
    if not isinstance(last, int):
        last = (
            session.scalar(
                select(func.max(AlertSubject.seq)).where(
                    AlertSubject.org_id == alert.org_id, AlertSubject.alert_id == alert.id
                )
            )
            or 0
        )
    rows = [{"org_id": alert.org_id, "alert_id": alert.id, "subject_id": sid,
             "kind": KIND[alert.trigger], "seq": last + n, "first_seen_at": seen}
            for n, (sid, seen) in enumerate(subjects.items(), start=1)]  # fmt: skip
    added: set[str] = set()
    for i in range(0, len(rows), _INSERT_ROWS):
        stmt = insert(_TABLE).values(rows[i : i + _INSERT_ROWS])
        # RETURNING, not rowcount: it names which were new (rowcount can be -1).
        stmt = stmt.on_conflict_do_nothing(index_elements=["alert_id", "subject_id"])
        added.update(session.scalars(stmt.returning(_TABLE.c.subject_id)))
    if not added:
        return
    shown = [x for x in details.get(SUBJECTS) or [] if isinstance(x, str)]
    shown += [sid for sid in subjects if sid in added][: max(0, SHOWN - len(shown))]
    alert.details = {**details, SUBJECTS: shown, TOTAL: total + len(added), SEQ: last + len(rows)}


def merge_subjects(session: Session, *, into: Alert, frm: Alert) -> None:
    """Name ``frm``'s subjects on ``into`` too (an alert folded into another, service.reopen).

    Insert-if-absent, in the order ``frm`` got them, after ``into``'s own. An alert that
    does not keep its subjects (stored before they were kept) gains none: it never clears.
    """
    if not tracked(into):
        return
    rows = session.execute(
        select(AlertSubject.subject_id, AlertSubject.first_seen_at)
        .where(AlertSubject.org_id == frm.org_id, AlertSubject.alert_id == frm.id)
        .order_by(AlertSubject.seq)
    )
    subjects = {r.subject_id: r.first_seen_at for r in rows}
    if subjects:
        _write(session, into, subjects)


def manual_only(alert: Any) -> str | None:
    """Why the alert can never resolve itself, said on the page and in the API; else None.

    An alert stored before every subject was kept (before 2026-11-28) that had already
    folded more matches than it shows names only the first 20. The rest cannot be
    re-derived: the signals it folded are pruned after 7 days and were matched against the
    rule as it was then (its filters may have changed since), so a rebuilt list could miss
    one that still holds and resolve the alert while it does.
    """
    if alert.trigger not in SUBJECT_KEY or tracked(alert):
        return None
    return (
        f"ThreatVec cannot resolve this alert itself: it folded {alert.occurrences} matches "
        "before every subject was kept, and shows only the first "
        f"{len((alert.details or {}).get('events') or [])}. Resolve it by hand once all of "
        "them are dealt with."
    )


def outgoing_details(details: dict[str, Any]) -> dict[str, Any]:
    """What a channel is sent: the subjects as a count (the ids are in ThreatVec); the
    first matches stay as they are."""
    if SUBJECTS not in details:
        return dict(details)
    out = {k: v for k, v in details.items() if k != SUBJECTS}
    shown = details[SUBJECTS]
    out.setdefault(TOTAL, len(shown) if isinstance(shown, list) else 0)
    return out


def _labels(alert: Any) -> dict[str, str]:
    """A readable name per subject the alert shows (a domain, a server name)."""
    key = SUBJECT_KEY.get(alert.trigger, "")
    out: dict[str, str] = {}
    for e in (alert.details or {}).get("events", []):
        if isinstance(e, dict) and isinstance(e.get(key), str):
            name = e.get("domain") or e.get("server") or e.get(key)
            out.setdefault(e[key], str(name))
    return out


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield list(ids[i : i + _CHUNK])


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _reason(said: list[str], total: int, noun: str, how: str) -> str:
    """`condition cleared: a is x; b is y`, led by a count once there are many."""
    text = "; ".join(said)
    if total > 3 or len(PREFIX) + len(text) > _REASON_MAX:
        text = f"all {total} {noun} {how}: {text}"
    return f"{PREFIX}{text}"[:_REASON_MAX]


# ── the checks, one read per trigger kind ──────────────────────────────────


# What the checks read of an alert: an Alert, or a row of just these columns (pending()).
_JUDGED = (
    Alert.id,
    Alert.org_id,
    Alert.rule_id,
    Alert.trigger,
    Alert.details,
    Alert.occurrences,
    Alert.last_signal_id,
    Alert.first_seen_at,
)


@dataclass(frozen=True)
class Pending:
    """An open alert of a rule with auto_resolve (its judged columns), and the rule's condition."""

    alert: Any
    condition: Any


Check = Callable[[Session, str, list[Pending], int], dict[str, str]]


def _score_drop(session: Session, org_id: str, items: list[Pending], upto: int) -> dict[str, str]:
    # The newest score evaluation has read (up to the cursor), held against the level each
    # alert's score fell from: an alert clears once the drop from there is below its points.
    # It counts only if newer than the alert's last match, which saw the score low.
    newest = session.execute(
        select(Signal.id, Signal.data)
        .where(Signal.org_id == org_id, Signal.kind == "posture.updated", Signal.id <= upto)
        .order_by(Signal.id.desc())
        .limit(1)
    ).first()
    if newest is None:
        return {}
    value = _num((newest.data or {}).get("value"))
    out: dict[str, str] = {}
    for p in items:
        events = (p.alert.details or {}).get("events") or [{}]
        baseline = _num(events[0].get("before")) if isinstance(events[0], dict) else None
        if newest.id <= p.alert.last_signal_id or baseline is None or value is None:
            continue
        if round(baseline - value, 1) >= p.condition.points:
            continue
        out[p.alert.id] = (
            f"{PREFIX}posture score back to {value:g} (it fell from {baseline:g}; "
            f"the rule fires at a drop of {p.condition.points:g})"
        )
    return out


def _tracked_ids(items: list[Pending]) -> list[str]:
    """The alerts whose every subject is in alert_subjects (at least one); others are not judged."""
    return [p.alert.id for p in items if tracked(p.alert) and p.alert.details[TOTAL] > 0]


def _held(session: Session, org_id: str, ids: list[str], holds: Any) -> set[str]:
    """Of these alerts, the ones with a subject whose row still meets ``holds`` (a correlated
    EXISTS over the alert's subjects: it stops at the first, however many the storm named)."""
    out: set[str] = set()
    for chunk in _chunks(ids):
        out.update(
            session.scalars(
                select(Alert.id).where(
                    Alert.org_id == org_id,
                    Alert.id.in_(chunk),
                    holds.where(AlertSubject.alert_id == Alert.id).exists(),
                )
            )
        )
    return out


def _subject_rows(
    session: Session, org_id: str, ids: list[str], *columns: Any, on: Any = None
) -> dict[str, list[Any]]:
    """The subjects of these alerts, in the order they came, with ``columns`` of the
    subject's own row (outer-joined ``on``: None when it is gone), by alert id."""
    out: dict[str, list[Any]] = {}
    for chunk in _chunks(ids):
        stmt = select(AlertSubject.alert_id, AlertSubject.subject_id, *columns)
        if on is not None:
            stmt = stmt.outerjoin(columns[0].class_, on)
        stmt = stmt.where(AlertSubject.org_id == org_id, AlertSubject.alert_id.in_(chunk))
        for row in session.execute(stmt.order_by(AlertSubject.alert_id, AlertSubject.seq)):
            out.setdefault(row.alert_id, []).append(row)
    return out


def _new_shadow_asset(
    session: Session, org_id: str, items: list[Pending], upto: int
) -> dict[str, str]:
    # A service that still exists unregistered holds the alert; registered or gone clears.
    join = and_(ShadowService.org_id == AlertSubject.org_id,
                ShadowService.id == AlertSubject.subject_id)  # fmt: skip
    holds = (
        select(AlertSubject.alert_id)
        .join(ShadowService, join)
        .where(AlertSubject.org_id == org_id, ShadowService.registered == false())
    )
    ids = _tracked_ids(items)
    held = _held(session, org_id, ids, holds)
    clear = [i for i in ids if i not in held]
    rows = _subject_rows(session, org_id, clear, ShadowService.domain, on=join)
    out: dict[str, str] = {}
    for p in items:
        if p.alert.id not in rows:
            continue
        labels = _labels(p.alert)
        said: dict[str, str] = {}
        for r in rows[p.alert.id]:
            if r.domain is not None:
                said[r.domain] = f"{r.domain} is registered"
            else:
                name = labels.get(r.subject_id, r.subject_id)
                said[name] = f"{name} is no longer in the Shadow AI inventory"
        out[p.alert.id] = _reason(
            list(said.values()), len(rows[p.alert.id]), "services", "are registered or gone"
        )
    return out


def _new_critical_cve(
    session: Session, org_id: str, items: list[Pending], upto: int
) -> dict[str, str]:
    # A CVE still open and matching the stack holds the alert; fixed, unmatched or gone clears.
    join = and_(CveExposure.org_id == AlertSubject.org_id,
                CveExposure.cve_id == AlertSubject.subject_id)  # fmt: skip
    holds = (
        select(AlertSubject.alert_id)
        .join(CveExposure, join)
        .where(
            AlertSubject.org_id == org_id,
            CveExposure.status.not_in(_FIXED),
            CveExposure.in_stack == true(),
        )
    )
    ids = _tracked_ids(items)
    held = _held(session, org_id, ids, holds)
    clear = [i for i in ids if i not in held]
    rows = _subject_rows(session, org_id, clear, CveExposure.status, CveExposure.in_stack, on=join)
    out: dict[str, str] = {}
    for p in items:
        if p.alert.id not in rows:
            continue
        said: dict[str, str] = {}
        for r in rows[p.alert.id]:
            if r.status is None:
                said.setdefault(r.subject_id, f"{r.subject_id} is no longer tracked")
            elif str(r.status) in _FIXED:
                said[r.subject_id] = f"{r.subject_id} is {r.status}"
            else:
                said[r.subject_id] = f"{r.subject_id} no longer matches your stack"
        out[p.alert.id] = _reason(list(said.values()), len(said), "CVEs", "are fixed or gone")
    return out


def _mcp_rug_pull(session: Session, org_id: str, items: list[Pending], upto: int) -> dict[str, str]:
    # One alert per server: an alert naming more than one is not ours to judge.
    one = [p.alert.id for p in items if tracked(p.alert) and p.alert.details[TOTAL] == 1]
    subjects = {a: rows[0].subject_id for a, rows in _subject_rows(session, org_id, one).items()}
    servers: dict[str, Any] = {}
    for chunk in _chunks(list(dict.fromkeys(subjects.values()))):
        # The columns judged, not the rows: a server row carries its score parts and diff.
        for row in session.execute(
            select(
                McpServer.id,
                McpServer.approved,
                McpServer.approved_hash,
                McpServer.current_hash,
                McpServer.approved_at,
                McpServer.approved_by,
            ).where(McpServer.org_id == org_id, McpServer.id.in_(chunk))
        ):
            servers[row.id] = row
    out: dict[str, str] = {}
    for p in items:
        sid = subjects.get(p.alert.id)
        if sid is None:
            continue
        name = _labels(p.alert).get(sid, sid)
        server = servers.get(sid)
        if server is None:
            out[p.alert.id] = f"{PREFIX}{name} was removed from the MCP inventory"[:_REASON_MAX]
            continue
        if (
            not server.approved
            or not server.approved_hash
            or server.current_hash != server.approved_hash
        ):
            continue
        if server.approved_at is not None and server.approved_at >= p.alert.first_seen_at:
            who = f" by {server.approved_by}" if server.approved_by else ""
            out[p.alert.id] = f"{PREFIX}{name} was re-approved{who} as it now is"[:_REASON_MAX]
        else:
            out[p.alert.id] = f"{PREFIX}{name}'s tools are back to the approved pin"[:_REASON_MAX]
    return out


_CHECKS: dict[str, Check] = {
    "score_drop": _score_drop,
    "new_shadow_asset": _new_shadow_asset,
    "new_critical_cve": _new_critical_cve,
    "mcp_rug_pull": _mcp_rug_pull,
}
CLEARABLE: frozenset[str] = frozenset(_CHECKS)


def cleared_all(
    *, session: Session, org_id: str, items: Sequence[Pending], upto_signal_id: int
) -> dict[str, str]:
    """For the org's open alerts given: alert id -> why its condition no longer holds.

    Alerts whose condition holds, or cannot be told, are left out. ``upto_signal_id`` is
    the evaluation's cursor: a clearing signal is read only up to where the rules were
    evaluated, so a signal still in flight never clears ahead of a match it would be
    evaluated after.
    """
    by_trigger: dict[str, list[Pending]] = {}
    for p in items:
        if p.alert.org_id == org_id and p.condition.trigger == p.alert.trigger:
            by_trigger.setdefault(p.alert.trigger, []).append(p)
    out: dict[str, str] = {}
    for trigger, group in by_trigger.items():
        check = _CHECKS.get(trigger)
        if check is not None:
            out.update(check(session, org_id, group, upto_signal_id))
    return out


def pending(*, session: Session, org_id: str, conditions: dict[str, Any]) -> list[Pending]:
    """The open (or acknowledged) alerts of the rules given (rule id -> parsed condition),
    oldest first, in one read.

    Only the columns the checks judge are read (an ORM row per alert cost more than the
    checks themselves at 1,000 open alerts); ``load`` reads the ones to resolve.
    """
    if not conditions:
        return []
    rows = session.execute(
        select(*_JUDGED)
        .where(
            Alert.org_id == org_id,
            Alert.rule_id.in_(list(conditions)),
            Alert.status.in_(("open", "acknowledged")),
        )
        .order_by(Alert.fired_at, Alert.id)
    )
    return [Pending(a, conditions[str(a.rule_id)]) for a in rows]


def load(*, session: Session, org_id: str, ids: Sequence[str]) -> dict[str, Alert]:
    """The org's alerts with these ids, by id."""
    out: dict[str, Alert] = {}
    for chunk in _chunks(list(ids)):
        for a in session.scalars(select(Alert).where(Alert.org_id == org_id, Alert.id.in_(chunk))):
            out[a.id] = a
    return out


def cleared(*, session: Session, alert: Alert, condition: Any, upto_signal_id: int) -> str | None:
    """Why one alert's condition no longer holds, or None (it holds, or cannot be told)."""
    return cleared_all(
        session=session,
        org_id=alert.org_id,
        items=[Pending(alert, condition)],
        upto_signal_id=upto_signal_id,
    ).get(alert.id)
