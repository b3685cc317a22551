"""What each trigger watches and when one signal matches a rule.

Each trigger reads exactly one signal kind, published by the domain that owns
the fact (posture, shadow, redteam, vulns, mcp). A match says which group of
the rule it belongs to (``subject``: a storm in one group is one alert) and how
to word it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.alerts.schemas import (
    McpRugPull,
    NewCriticalCve,
    NewShadowAsset,
    PiiSpike,
    RedTeamBypass,
    RuleCondition,
    ScoreDrop,
)
from threatvec.mcp.flows import RUG_PULL_SIGNAL
from threatvec.posture.models import PostureSnapshot
from threatvec.signals.models import Signal
from threatvec.vulns.exposures import NEW_CRITICAL_SIGNAL

__all__ = ["SIGNAL_FOR_TRIGGER", "WATCHED_KINDS", "Match", "match", "parse_condition"]

SIGNAL_FOR_TRIGGER: dict[str, str] = {
    "score_drop": "posture.updated",
    "new_shadow_asset": "shadow.new_service",
    "pii_spike": "shadow.pii",
    "red_team_bypass": "redteam.bypass",
    "new_critical_cve": NEW_CRITICAL_SIGNAL,
    "mcp_rug_pull": RUG_PULL_SIGNAL,
}
WATCHED_KINDS: tuple[str, ...] = tuple(sorted(set(SIGNAL_FOR_TRIGGER.values())))
_RISK_RANK = {"LOW": 0, "MEDIUM": 1, "HIGH": 2}
_SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
_CONDITION: TypeAdapter[Any] = TypeAdapter(RuleCondition)


@dataclass(frozen=True)
class Match:
    subject: str
    title: str
    summary: str
    detail: dict[str, Any] = field(default_factory=dict)


def parse_condition(raw: dict[str, Any]) -> Any:
    """The stored condition as its params model (validated again: stored data can be old)."""
    return _CONDITION.validate_python(raw)


def _domain_in(domain: str, wanted: list[str]) -> bool:
    d = (domain or "").lower()
    return any(d == w or d.endswith("." + w) for w in wanted)


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _score_drop(
    cond: ScoreDrop, sig: Signal, session: Session, memo: dict[Any, Any]
) -> Match | None:
    value = _num(sig.data.get("value"))
    if value is None:
        return None
    if cond.compare == "previous":
        before = _num(sig.data.get("previous"))
        basis = "the previous snapshot"
    else:
        cutoff = sig.created_at - timedelta(hours=cond.hours)
        before = session.scalar(
            select(PostureSnapshot.composite)
            .where(
                PostureSnapshot.org_id == sig.org_id,
                PostureSnapshot.computed_at <= cutoff,
                PostureSnapshot.composite.is_not(None),
            )
            .order_by(PostureSnapshot.computed_at.desc())
            .limit(1)
        )
        basis = f"{cond.hours} h ago"
    if before is None:
        return None
    drop = round(before - value, 1)
    if drop < cond.points:
        return None
    return Match(
        subject="posture",
        title=f"Posture score dropped {drop:g} points to {value:g}",
        summary=f"Composite {before:g} ({basis}) → {value:g}; rule fires at a drop of "
        f"{cond.points:g}.",
        detail={"value": value, "before": before, "drop": drop,
                "snapshot_id": sig.data.get("snapshot_id")},
    )  # fmt: skip


def _new_shadow_asset(
    cond: NewShadowAsset, sig: Signal, session: Session, memo: dict[Any, Any]
) -> Match | None:
    d = sig.data
    domain = str(d.get("domain") or "")
    if cond.domains and not _domain_in(domain, cond.domains):
        return None
    if cond.unknown_only and d.get("known"):
        return None
    if _RISK_RANK.get(str(d.get("risk")), 2) < _RISK_RANK[cond.min_risk]:
        return None
    name = str(d.get("name") or domain)
    return Match(
        subject="shadow",
        title=f"New unregistered AI service: {name}",
        summary=f"{domain} ({'in the AI catalog' if d.get('known') else 'not in the catalog'}, "
        f"risk {d.get('risk') or 'unknown'}) was used for the first time and is not registered.",
        detail={"service_id": d.get("service_id"), "domain": domain, "risk": d.get("risk")},
    )


def _pii_in(cond: PiiSpike, data: dict[str, Any]) -> int:
    if cond.service_ids and data.get("service_id") not in cond.service_ids:
        return 0
    if cond.domains and not _domain_in(str(data.get("domain") or ""), cond.domains):
        return 0
    cats = data.get("categories") or {}
    if cond.categories:
        return sum(int(_num(cats.get(c)) or 0) for c in cond.categories)
    return int(_num(data.get("events")) or 0)


@dataclass
class _PiiWindow:
    """One rule's PII window while one evaluation walks signals in id order.

    Re-reading the window from the database for every PII signal made a burst
    of n signals cost n queries over up to n rows each. The window is read once
    and then slides: each new signal is added, and a heap ordered by time drops
    what fell out. If a signal's time goes backwards (clocks of two replicas),
    the window is read again, so the sums always equal the query's.
    """

    since: datetime
    last_id: int
    total: int = 0
    domains: dict[str, int] = field(default_factory=dict)
    cats: dict[str, int] = field(default_factory=dict)
    heap: list[tuple[datetime, int, int, str, dict[str, int]]] = field(default_factory=list)

    def add(self, cond: PiiSpike, row: Signal) -> None:
        n = _pii_in(cond, row.data)
        if not n:
            return
        domain = str(row.data.get("domain") or "?")
        cats = {
            str(c): int(_num(k) or 0)
            for c, k in (row.data.get("categories") or {}).items()
            if not cond.categories or c in cond.categories
        }
        heapq.heappush(self.heap, (row.created_at, row.id, n, domain, cats))
        self._count(n, domain, cats, +1)

    def slide_to(self, since: datetime) -> None:
        self.since = since
        while self.heap and self.heap[0][0] < since:
            _, _, n, domain, cats = heapq.heappop(self.heap)
            self._count(n, domain, cats, -1)

    def _count(self, n: int, domain: str, cats: dict[str, int], sign: int) -> None:
        self.total += sign * n
        self.domains[domain] = self.domains.get(domain, 0) + sign
        if not self.domains[domain]:
            del self.domains[domain]
        for c, k in cats.items():
            self.cats[c] = self.cats.get(c, 0) + sign * k
            if not self.cats[c]:
                del self.cats[c]


def _pii_window(cond: PiiSpike, sig: Signal, session: Session, memo: dict[Any, Any]) -> _PiiWindow:
    since = sig.created_at - timedelta(minutes=cond.window_minutes)
    window = memo.get(id(cond))  # the memo is untyped state shared by every matcher
    if isinstance(window, _PiiWindow) and since >= window.since and sig.id > window.last_id:
        window.add(cond, sig)
        window.slide_to(since)
        window.last_id = sig.id
        return window
    window = _PiiWindow(since=since, last_id=sig.id)
    rows = session.scalars(
        select(Signal).where(
            Signal.org_id == sig.org_id,
            Signal.kind == "shadow.pii",
            Signal.created_at >= since,
            Signal.id <= sig.id,
        )
    )
    for row in rows:
        window.add(cond, row)
    memo[id(cond)] = window
    return window


def _pii_spike(cond: PiiSpike, sig: Signal, session: Session, memo: dict[Any, Any]) -> Match | None:
    if not _pii_in(cond, sig.data):
        return None
    window = _pii_window(cond, sig, session, memo)
    total, cats = window.total, dict(window.cats)
    if total < cond.threshold:
        return None
    domains = sorted(window.domains)
    where = ", ".join(domains[:5]) + (" …" if len(domains) > 5 else "")
    return Match(
        subject="pii",
        title=f"{total} PII detections sent to {where} in {cond.window_minutes} min",
        summary="Events carrying PII, by category: "
        + ", ".join(f"{c} {n}" for c, n in sorted(cats.items())) + f" (threshold "
        f"{cond.threshold}).",
        detail={"service_id": sig.data.get("service_id"), "domain": sig.data.get("domain"),
                "total": total, "categories": cats},
    )  # fmt: skip


def _red_team_bypass(
    cond: RedTeamBypass, sig: Signal, session: Session, memo: dict[Any, Any]
) -> Match | None:
    d = sig.data
    severity = str(d.get("severity") or "low").lower()
    if _SEVERITY_RANK.get(severity, 1) < _SEVERITY_RANK[cond.min_severity]:
        return None
    if cond.agents and not {str(d.get("agent")), str(d.get("agent_id"))} & set(cond.agents):
        return None
    if cond.confirmed_only and not d.get("confirmed"):
        return None
    agent = str(d.get("agent") or d.get("agent_id") or "an agent")
    atlas = ", ".join(str(a) for a in (d.get("atlas") or [])[:5])
    return Match(
        subject=f"run:{d.get('run_id') or sig.id}",
        title=f"Red-team bypass on {agent}: {d.get('title') or d.get('probe_id')}",
        summary=f"Probe {d.get('probe_id')} ({severity}{', ATLAS ' + atlas if atlas else ''}) "
        f"got past the agent's controls: {str(d.get('detail') or '')[:300]}",
        detail={"run_id": d.get("run_id"), "agent": agent, "probe_id": d.get("probe_id"),
                "severity": severity},
    )  # fmt: skip


def _new_critical_cve(
    cond: NewCriticalCve, sig: Signal, session: Session, memo: dict[Any, Any]
) -> Match | None:
    d = sig.data
    if cond.ai_relevant_only and not d.get("ai_relevant"):
        return None
    cvss = _num(d.get("cvss"))
    if cond.min_cvss and (cvss is None or cvss < cond.min_cvss):
        return None
    tech = d.get("technology") or "your stack"
    return Match(
        subject="cve",
        title=f"Critical CVE affecting {tech}: {d.get('cve_id')}",
        summary=f"{d.get('cve_id')} (CVSS {cvss if cvss is not None else 'n/a'}, priority "
        f"{d.get('priority')}) matches {tech}; patch due {d.get('due') or 'within 7 days'}.",
        detail={"cve_id": d.get("cve_id"), "cvss": cvss, "technology": d.get("technology")},
    )


def _mcp_rug_pull(
    cond: McpRugPull, sig: Signal, session: Session, memo: dict[Any, Any]
) -> Match | None:
    d = sig.data
    if cond.servers and not {str(d.get("server")), str(d.get("server_id"))} & set(cond.servers):
        return None
    server = str(d.get("server") or d.get("server_id") or "an MCP server")
    return Match(
        subject=f"server:{d.get('server_id') or server}",
        title=f"MCP rug pull: {server} changed its tools after approval",
        summary=f"{d.get('changes') or 'Some'} tool definition change(s) since the pin: "
        f"{str(d.get('message') or '')[:300]}",
        detail={"server_id": d.get("server_id"), "server": server,
                "finding_id": d.get("finding_id"), "changes": d.get("changes")},
    )  # fmt: skip


_MATCHERS: dict[str, Callable[[Any, Signal, Session, dict[Any, Any]], Match | None]] = {
    "score_drop": _score_drop,
    "new_shadow_asset": _new_shadow_asset,
    "pii_spike": _pii_spike,
    "red_team_bypass": _red_team_bypass,
    "new_critical_cve": _new_critical_cve,
    "mcp_rug_pull": _mcp_rug_pull,
}


def match(
    condition: Any, signal: Signal, *, session: Session, memo: dict[Any, Any] | None = None
) -> Match | None:
    """Does this signal fire this rule's condition? (None if the kinds differ.)

    ``memo`` is state one evaluation keeps across the signals it walks in id
    order (the PII windows); pass the same dict for every signal of one pass.
    """
    if SIGNAL_FOR_TRIGGER.get(condition.trigger) != signal.kind:
        return None
    return _MATCHERS[condition.trigger](condition, signal, session, {} if memo is None else memo)
