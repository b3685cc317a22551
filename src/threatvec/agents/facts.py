"""Build the scoring inputs (`AgentFacts`) from stored data, for many agents in three queries.

Windows (docs/agents.md): *recent* is today and yesterday (UTC days), the
*baseline* the 30 days before that; trust counts the last 7 days of activity;
tools, models and destinations shown on the card and used for the trifecta are
those of the last 30 days plus the recent window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from threatvec.agents.models import Agent, AgentActivity, AgentUsage
from threatvec.agents.scoring import (
    ActivityCounts,
    AgentFacts,
    Footprint,
    RedTeamResults,
    ToolUse,
)
from threatvec.assets.models import Asset
from threatvec.orgs import service as orgs

__all__ = [
    "BASELINE_DAYS",
    "INTERNAL_DOMAINS_SETTING",
    "RECENT_DAYS",
    "TRUST_DAYS",
    "Usage",
    "UsageItem",
    "build_facts",
    "internal_domains",
    "load_usage",
]

RECENT_DAYS = 2
BASELINE_DAYS = 30
TRUST_DAYS = 7
INTERNAL_DOMAINS_SETTING = "agents.internal_domains"


@dataclass(slots=True)
class UsageItem:
    item: str
    count: int = 0
    recent: int = 0
    baseline: int = 0
    last_seen: datetime | None = None


@dataclass(slots=True)
class Usage:
    """One agent's usage by facet (tool, model, provider, destination, mcp_server)."""

    facets: dict[str, dict[str, UsageItem]] = field(default_factory=dict)
    activity: ActivityCounts = field(default_factory=ActivityCounts)
    errors: int = 0

    def items(self, facet: str) -> list[UsageItem]:
        return sorted(self.facets.get(facet, {}).values(), key=lambda u: (-u.count, u.item))

    def names(self, facet: str, *, window: str = "all") -> frozenset[str]:
        rows = self.facets.get(facet, {}).values()
        if window == "recent":
            return frozenset(u.item for u in rows if u.recent)
        if window == "baseline":
            return frozenset(u.item for u in rows if u.baseline)
        return frozenset(u.item for u in rows)


def _windows(now: datetime) -> tuple[date, date, date]:
    today = now.date()
    recent_start = today - timedelta(days=RECENT_DAYS - 1)
    baseline_start = recent_start - timedelta(days=BASELINE_DAYS)
    trust_start = today - timedelta(days=TRUST_DAYS - 1)
    return recent_start, baseline_start, trust_start


def load_usage(
    session: Session, *, org_id: str, agent_ids: Sequence[str], now: datetime
) -> dict[str, Usage]:
    """Usage and activity of these agents over the baseline + recent windows."""
    recent_start, baseline_start, trust_start = _windows(now)
    out: dict[str, Usage] = {aid: Usage() for aid in agent_ids}
    if not agent_ids:
        return out
    ids = list(agent_ids)
    rows = session.execute(
        select(
            AgentUsage.agent_id,
            AgentUsage.facet,
            AgentUsage.item,
            AgentUsage.day,
            AgentUsage.count,
            AgentUsage.last_seen,
        ).where(
            AgentUsage.org_id == org_id,
            AgentUsage.agent_id.in_(ids),
            AgentUsage.day >= baseline_start,
            AgentUsage.day <= now.date(),
        )
    )
    for agent_id, facet, item, day, count, last_seen in rows:
        usage = out[agent_id]
        entry = usage.facets.setdefault(facet, {}).get(item)
        if entry is None:
            entry = usage.facets[facet][item] = UsageItem(item)
        entry.count += int(count)
        if day >= recent_start:
            entry.recent += int(count)
        else:
            entry.baseline += int(count)
        if entry.last_seen is None or last_seen > entry.last_seen:
            entry.last_seen = last_seen
    sums = session.execute(
        select(
            AgentActivity.agent_id,
            func.sum(AgentActivity.clean),
            func.sum(AgentActivity.pii),
            func.sum(AgentActivity.injection),
            func.sum(AgentActivity.secrets),
            func.sum(AgentActivity.blocked),
            func.sum(AgentActivity.errors),
        )
        .where(
            AgentActivity.org_id == org_id,
            AgentActivity.agent_id.in_(ids),
            AgentActivity.day >= trust_start,
            AgentActivity.day <= now.date(),
        )
        .group_by(AgentActivity.agent_id)
    )
    for agent_id, clean, pii, injection, secrets, blocked, errors in sums:
        out[agent_id].activity = ActivityCounts(
            clean=int(clean or 0),
            pii=int(pii or 0),
            injection=int(injection or 0),
            secrets=int(secrets or 0),
            blocked=int(blocked or 0),
        )
        out[agent_id].errors = int(errors or 0)
    return out


def internal_domains(session: Session, *, org_id: str) -> tuple[str, ...]:
    """The org's own domains (setting ``agents.internal_domains``): not external destinations."""
    value = orgs.get_setting(
        session=session, org_id=org_id, name=INTERNAL_DOMAINS_SETTING, default=[]
    )
    return tuple(str(d) for d in value) if isinstance(value, list) else ()


def _red_team_results(
    session: Session, org_id: str, agents: Sequence[Agent]
) -> dict[str, RedTeamResults]:
    """Recent AgentBench and learning-cycle PASS/FAIL counts per agent (absent = untested).

    Results may be recorded against the agent or its asset id; both count.
    """
    from threatvec.redteam.service import pass_counts_by_agent

    owner: dict[str, str] = {}
    for agent in agents:
        owner[agent.id] = agent.id
        if agent.asset_id:
            owner[agent.asset_id] = agent.id
    merged: dict[str, tuple[int, int]] = {}
    counts = pass_counts_by_agent(session=session, org_id=org_id, agent_ids=list(owner))
    for key, (passed, failed) in counts.items():
        p, f = merged.get(owner[key], (0, 0))
        merged[owner[key]] = (p + passed, f + failed)
    return {aid: RedTeamResults(passed=p, failed=f) for aid, (p, f) in merged.items()}


def _footprint(usage: Usage, window: str) -> Footprint:
    return Footprint.of(
        usage.names("tool", window=window),
        usage.names("model", window=window),
        usage.names("destination", window=window),
    )


def build_facts(
    session: Session, *, org_id: str, agents: Sequence[Agent], now: datetime
) -> tuple[dict[str, AgentFacts], dict[str, Usage]]:
    """`AgentFacts` per agent id (and the usage they came from, for the detail page)."""
    usage = load_usage(session, org_id=org_id, agent_ids=[a.id for a in agents], now=now)
    asset_ids = [a.asset_id for a in agents if a.asset_id]
    approved: set[str] = set()
    if asset_ids:
        approved = set(
            session.scalars(
                select(Asset.id).where(
                    Asset.org_id == org_id, Asset.id.in_(asset_ids), Asset.approved.is_(True)
                )
            )
        )
    internal = internal_domains(session, org_id=org_id)
    red_team = _red_team_results(session, org_id, agents)
    facts: dict[str, AgentFacts] = {}
    for agent in agents:
        u = usage[agent.id]
        has_baseline = any(item.baseline for facet in u.facets.values() for item in facet.values())
        caps = agent.capabilities if isinstance(agent.capabilities, dict) else {}
        facts[agent.id] = AgentFacts(
            agent_id=agent.id,
            name=agent.name,
            capabilities={k: v for k, v in caps.items() if isinstance(v, bool)},
            tools=tuple(ToolUse(name) for name in sorted(u.names("tool"))),
            destinations=tuple(sorted(u.names("destination"))),
            models=tuple(sorted(u.names("model"))),
            mcp_servers=tuple(sorted(u.names("mcp_server"))),
            verified=bool(agent.registered),
            approved=agent.asset_id in approved,
            rules=frozenset(r for r in (agent.rules or []) if isinstance(r, str)),
            activity=u.activity,
            red_team=red_team.get(agent.id),
            baseline=_footprint(u, "baseline") if has_baseline else None,
            recent=_footprint(u, "recent") if has_baseline else None,
            internal_domains=internal,
        )
    return facts, usage
