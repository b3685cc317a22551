"""When an alert's condition no longer holds, for the triggers that have one.

An alert stands for a state that can end: the posture score fell (it can recover),
a service is not registered (it can be), a critical CVE is open in the stack (it
can be fixed), an approved MCP server's tools changed (it can be re-approved).
Each check reads that state now, in the alert's org, and returns why the
condition is clear ("condition cleared: …"), or None while it holds or cannot be
told. Some triggers are one-off events with nothing to clear (``ONE_OFF``).

An alert that folded more matches than it kept (``details.events`` keeps the
first 20) names only some of its subjects, so it is never cleared: what it
dropped may still hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.alerts.models import Alert
from threatvec.mcp.models import McpServer
from threatvec.shadow.models import ShadowService
from threatvec.signals.models import Signal
from threatvec.vulns.models import CveExposure

__all__ = ["CLEARABLE", "ONE_OFF", "cleared"]

# Why these never clear: said in the 422 when auto_resolve is asked for, and in docs/alerts.md.
ONE_OFF: dict[str, str] = {
    "pii_spike": "PII already sent to an AI service is not undone by a quieter hour",
    "red_team_bypass": "a bypass found in a red-team run stays found; a later run is a new run",
}
PREFIX = "condition cleared: "
_FIXED = ("fixed", "deployed")


def _events(alert: Alert) -> list[dict[str, Any]] | None:
    """The alert's matches, or None if it folded more than it kept (subjects unknown)."""
    events = [e for e in (alert.details or {}).get("events", []) if isinstance(e, dict)]
    if not events or alert.occurrences > len(events):
        return None
    return events


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _score_drop(session: Session, alert: Alert, cond: Any, upto: int) -> str | None:
    # The newest score evaluation has read since the alert's last match, against the level
    # the score fell from: clear once the drop from there is below the rule's points.
    events = (alert.details or {}).get("events") or [{}]
    baseline = _num(events[0].get("before")) if isinstance(events[0], dict) else None
    latest = session.scalar(
        select(Signal.data)
        .where(
            Signal.org_id == alert.org_id,
            Signal.kind == "posture.updated",
            Signal.id > alert.last_signal_id,
            Signal.id <= upto,
        )
        .order_by(Signal.id.desc())
        .limit(1)
    )
    value = _num((latest or {}).get("value"))
    if baseline is None or value is None or round(baseline - value, 1) >= cond.points:
        return None
    return (
        f"{PREFIX}posture score back to {value:g} (it fell from {baseline:g}; "
        f"the rule fires at a drop of {cond.points:g})"
    )


def _new_shadow_asset(session: Session, alert: Alert, cond: Any, upto: int) -> str | None:
    events = _events(alert) or []
    ids = [e.get("service_id") for e in events]
    if not ids or not all(isinstance(i, str) for i in ids):
        return None
    rows = {
        s.id: s
        for s in session.scalars(
            select(ShadowService).where(
                ShadowService.org_id == alert.org_id, ShadowService.id.in_(ids)
            )
        )
    }
    said: dict[str, str] = {}
    for e in events:
        row = rows.get(str(e["service_id"]))
        domain = str(e.get("domain") or e["service_id"])
        if row is None:
            said[domain] = f"{domain} is no longer in the Shadow AI inventory"
        elif row.registered:
            said[domain] = f"{domain} is registered"
        else:
            return None
    return f"{PREFIX}{'; '.join(said.values())}"[:500]


def _new_critical_cve(session: Session, alert: Alert, cond: Any, upto: int) -> str | None:
    events = _events(alert)
    ids = list(dict.fromkeys(str(e.get("cve_id") or "") for e in events or []))
    if not ids or "" in ids:
        return None
    rows = {
        x.cve_id: x
        for x in session.scalars(
            select(CveExposure).where(
                CveExposure.org_id == alert.org_id, CveExposure.cve_id.in_(ids)
            )
        )
    }
    said: list[str] = []
    for cve_id in ids:
        x = rows.get(cve_id)
        if x is None:
            said.append(f"{cve_id} is no longer tracked")
        elif x.status in _FIXED:
            said.append(f"{cve_id} is {x.status}")
        elif not x.in_stack:
            said.append(f"{cve_id} no longer matches your stack")
        else:
            return None
    return f"{PREFIX}{'; '.join(said)}"[:500]


def _mcp_rug_pull(session: Session, alert: Alert, cond: Any, upto: int) -> str | None:
    events = _events(alert)
    ids = {e.get("server_id") for e in events or []}
    if len(ids) != 1 or not isinstance(next(iter(ids)), str):
        return None
    server_id = str(next(iter(ids)))
    name = str((events or [{}])[0].get("server") or server_id)
    server = session.scalar(
        select(McpServer).where(McpServer.org_id == alert.org_id, McpServer.id == server_id)
    )
    if server is None:
        return f"{PREFIX}{name} was removed from the MCP inventory"[:500]
    if (
        not server.approved
        or not server.approved_hash
        or server.current_hash != server.approved_hash
    ):
        return None
    if server.approved_at is not None and server.approved_at >= alert.first_seen_at:
        who = f" by {server.approved_by}" if server.approved_by else ""
        return f"{PREFIX}{name} was re-approved{who} as it now is"[:500]
    return f"{PREFIX}{name}'s tools are back to the approved pin"[:500]


_CHECKS: dict[str, Callable[[Session, Alert, Any, int], str | None]] = {
    "score_drop": _score_drop,
    "new_shadow_asset": _new_shadow_asset,
    "new_critical_cve": _new_critical_cve,
    "mcp_rug_pull": _mcp_rug_pull,
}
CLEARABLE: frozenset[str] = frozenset(_CHECKS)


def cleared(*, session: Session, alert: Alert, condition: Any, upto_signal_id: int) -> str | None:
    """Why the alert's condition no longer holds, or None (it holds, or cannot be told).

    ``upto_signal_id`` is the evaluation's cursor: a clearing signal is read only up to
    where the rules were evaluated, so a signal still in flight never clears ahead of a
    match it would be evaluated after.
    """
    check = _CHECKS.get(alert.trigger)
    if check is None or condition.trigger != alert.trigger:
        return None
    return check(session, alert, condition, upto_signal_id)
