"""When an alert's condition no longer holds, for the triggers that have one.

An alert stands for a state that can end: the posture score fell (it can recover),
a service is not registered (it can be), a critical CVE is open in the stack (it
can be fixed), an approved MCP server's tools changed (it can be re-approved).
Each check reads that state now, in the alert's org, and returns why the
condition is clear ("condition cleared: …"), or None while it holds or cannot be
told. Some triggers are one-off events with nothing to clear (``ONE_OFF``).

An alert keeps the first 20 matches it folded (``details.events``, what a person
reads) and every subject it names (``details.subjects``: service, CVE or server
ids), so it clears only when all of them have. An alert stored before subjects
were kept, that folded more matches than it shows, names only some: it is never
cleared, as what it dropped may still hold.

The checks run in batches (``cleared_all``): one read per trigger kind for all of an
org's open alerts, not one per alert, as every evaluation (every 30 s) runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.alerts.models import Alert
from threatvec.mcp.models import McpServer
from threatvec.shadow.models import ShadowService
from threatvec.signals.models import Signal
from threatvec.vulns.models import CveExposure

__all__ = [
    "CLEARABLE",
    "ONE_OFF",
    "SUBJECTS",
    "Pending",
    "cleared",
    "cleared_all",
    "load",
    "note_subject",
    "outgoing_details",
    "pending",
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
SUBJECTS = "subjects"
# Ids bound in one IN (...): below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
_CHUNK = 10_000
_REASON_MAX = 500


# ── the subjects an alert names ────────────────────────────────────────────


def _subject(trigger: str, detail: dict[str, Any]) -> str | None:
    key = SUBJECT_KEY.get(trigger)
    value = detail.get(key) if key else None
    return value if isinstance(value, str) and value else None


def _events(alert: Any) -> list[dict[str, Any]] | None:
    """The alert's matches, or None if it folded more than it kept (subjects unknown)."""
    events = [e for e in (alert.details or {}).get("events", []) if isinstance(e, dict)]
    if not events or alert.occurrences > len(events):
        return None
    return events


def note_subject(
    trigger: str, details: dict[str, Any], folded: int, detail: dict[str, Any]
) -> dict[str, Any]:
    """``details`` with the match's subject added to ``subjects`` (a new dict).

    ``folded``: the matches the alert held before this one (0 for a new alert). An alert
    from before subjects were kept starts its list from its events only while those are
    every match it folded; otherwise it stays without one (unknown: never cleared).
    """
    subject = _subject(trigger, detail)
    if trigger not in SUBJECT_KEY:
        return details
    known = details.get(SUBJECTS)
    if not isinstance(known, list):
        events = [e for e in details.get("events", []) if isinstance(e, dict)]
        if folded > len(events):
            return details
        known = [x for x in (_subject(trigger, e) for e in events) if x is not None]
        known = list(dict.fromkeys(known))
    if subject is None or subject in known:
        return {**details, SUBJECTS: known}
    return {**details, SUBJECTS: [*known, subject]}


def _subjects_of(alert: Any) -> list[str] | None:
    """Every subject the alert names, or None when that cannot be told."""
    stored = (alert.details or {}).get(SUBJECTS)
    if isinstance(stored, list):
        ids = [x for x in stored if isinstance(x, str) and x]
        return ids if ids and len(ids) == len(stored) else None
    events = _events(alert)
    if events is None:
        return None
    found = [_subject(alert.trigger, e) for e in events]
    if not found or any(i is None for i in found):
        return None
    return list(dict.fromkeys(str(i) for i in found))


def outgoing_details(details: dict[str, Any]) -> dict[str, Any]:
    """What a channel is sent: the subjects as a count (a storm's ids would swamp a page
    and PagerDuty refuses events over 512 KB); the first matches stay as they are."""
    if not isinstance(details.get(SUBJECTS), list):
        return dict(details)
    out = {k: v for k, v in details.items() if k != SUBJECTS}
    out["subjects_total"] = len(details[SUBJECTS])
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


def _by_subject(items: list[Pending]) -> tuple[dict[str, list[str]], list[str]]:
    """Each alert's subjects (alerts that cannot tell are left out) and all of them."""
    subjects = {p.alert.id: s for p in items if (s := _subjects_of(p.alert))}
    every = list(dict.fromkeys(x for ids in subjects.values() for x in ids))
    return subjects, every


def _new_shadow_asset(
    session: Session, org_id: str, items: list[Pending], upto: int
) -> dict[str, str]:
    subjects, every = _by_subject(items)
    rows: dict[str, tuple[str, bool]] = {}
    for chunk in _chunks(every):
        for sid, domain, registered in session.execute(
            select(ShadowService.id, ShadowService.domain, ShadowService.registered).where(
                ShadowService.org_id == org_id, ShadowService.id.in_(chunk)
            )
        ):
            rows[sid] = (domain, bool(registered))
    out: dict[str, str] = {}
    for p in items:
        ids = subjects.get(p.alert.id)
        if not ids or any(rows.get(i, ("", True))[1] is False for i in ids):
            continue
        labels = _labels(p.alert)
        said = {}
        for i in ids:
            if i in rows:
                said[rows[i][0]] = f"{rows[i][0]} is registered"
            else:
                name = labels.get(i, i)
                said[name] = f"{name} is no longer in the Shadow AI inventory"
        out[p.alert.id] = _reason(
            list(said.values()), len(ids), "services", "are registered or gone"
        )
    return out


def _new_critical_cve(
    session: Session, org_id: str, items: list[Pending], upto: int
) -> dict[str, str]:
    subjects, every = _by_subject(items)
    rows: dict[str, tuple[str, bool]] = {}
    for chunk in _chunks(every):
        for cve_id, status, in_stack in session.execute(
            select(CveExposure.cve_id, CveExposure.status, CveExposure.in_stack).where(
                CveExposure.org_id == org_id, CveExposure.cve_id.in_(chunk)
            )
        ):
            rows[cve_id] = (str(status), bool(in_stack))
    out: dict[str, str] = {}
    for p in items:
        ids = subjects.get(p.alert.id)
        if not ids:
            continue
        said: list[str] = []
        for cve_id in ids:
            status, in_stack = rows.get(cve_id, ("", False))
            if cve_id not in rows:
                said.append(f"{cve_id} is no longer tracked")
            elif status in _FIXED:
                said.append(f"{cve_id} is {status}")
            elif not in_stack:
                said.append(f"{cve_id} no longer matches your stack")
            else:
                break
        else:
            out[p.alert.id] = _reason(said, len(ids), "CVEs", "are fixed or gone")
    return out


def _mcp_rug_pull(session: Session, org_id: str, items: list[Pending], upto: int) -> dict[str, str]:
    subjects, every = _by_subject(items)
    servers: dict[str, Any] = {}
    for chunk in _chunks(every):
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
        ids = subjects.get(p.alert.id) or []
        if len(ids) != 1:  # one alert per server: anything else is not ours to judge
            continue
        name = _labels(p.alert).get(ids[0], ids[0])
        server = servers.get(ids[0])
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
