"""Build the scoring inputs (`AgentFacts`) from stored data, for many agents in a few queries.

Windows (docs/agents.md): *recent* is today and yesterday (UTC days), the
*baseline* the 30 days before that; trust counts the last 7 days of activity;
tools, models and destinations shown on the card and used for the trifecta are
those of the last 30 days plus the recent window.

The daily rollups are folded in SQL (``GROUP BY agent, facet, item`` with the
recent share summed by ``CASE``), so Python sees one row per item the agent
used, not one per day. For a large set of agents the queries are keyed on the
org alone and the rows of other agents skipped: an ``IN`` list of thousands of
ids costs more to build and bind than the rows it would filter out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, case, func, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from threatvec.agents.models import AgentActivity, AgentUsage
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
    "FEW_AGENTS",
    "INTERNAL_DOMAINS_SETTING",
    "RECENT_DAYS",
    "TRUST_DAYS",
    "AgentLike",
    "Usage",
    "UsageItem",
    "build_facts",
    "build_scoring_facts",
    "internal_domains",
    "load_usage",
]

RECENT_DAYS = 2
BASELINE_DAYS = 30
TRUST_DAYS = 7
INTERNAL_DOMAINS_SETTING = "agents.internal_domains"
# Up to this many agents the queries name them (IN list); above it they read the org's rows.
FEW_AGENTS = 500

# PostgreSQL memory for the fleet-wide usage aggregate (see _usage_rows)
USAGE_WORK_MEM = "64MB"

_Stmt = TypeVar("_Stmt", bound="Select[*tuple[Any, ...]]")


class AgentLike(Protocol):
    """What the facts are built from: an `Agent`, a row of its columns, or an `ExpectedAgent`."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def asset_id(self) -> str | None: ...
    @property
    def registered(self) -> bool: ...
    @property
    def capabilities(self) -> Any: ...
    @property
    def rules(self) -> Any: ...
    @property
    def reported(self) -> bool: ...


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


@dataclass(slots=True)
class _Seen:
    """One agent's item names per facet: over the whole window, recently, in the baseline."""

    all: dict[str, list[str]] = field(default_factory=dict)
    recent: dict[str, list[str]] = field(default_factory=dict)
    baseline: dict[str, list[str]] = field(default_factory=dict)

    def add(self, facet: str, item: str, recent: int, baseline: int) -> None:
        self.all.setdefault(facet, []).append(item)
        if recent:
            self.recent.setdefault(facet, []).append(item)
        if baseline:
            self.baseline.setdefault(facet, []).append(item)

    def footprint(self, window: dict[str, list[str]]) -> Footprint:
        return Footprint.of(
            window.get("tool", ()), window.get("model", ()), window.get("destination", ())
        )


def _windows(now: datetime) -> tuple[date, date, date]:
    today = now.date()
    recent_start = today - timedelta(days=RECENT_DAYS - 1)
    baseline_start = recent_start - timedelta(days=BASELINE_DAYS)
    trust_start = today - timedelta(days=TRUST_DAYS - 1)
    return recent_start, baseline_start, trust_start


def _for_agents(
    stmt: _Stmt, column: InstrumentedAttribute[str], ids: Sequence[str]
) -> tuple[_Stmt, Callable[[str], bool]]:
    """Narrow to these ids: an IN list when they are few, else a check on each row."""
    if len(ids) <= FEW_AGENTS:
        return stmt.where(column.in_(list(ids))), lambda _aid: True
    wanted = frozenset(ids)
    return stmt, wanted.__contains__


def _usage_rows(
    session: Session, org_id: str, ids: Sequence[str], now: datetime, *, last_seen: bool
) -> Iterable[tuple[Any, ...]]:
    """(agent_id, facet, item, total, recent[, last_seen]) per item, wanted agents only."""
    recent_start, baseline_start, _ = _windows(now)
    recent = func.sum(case((AgentUsage.day >= recent_start, AgentUsage.count), else_=0))
    cols: list[Any] = [
        AgentUsage.agent_id,
        AgentUsage.facet,
        AgentUsage.item,
        func.sum(AgentUsage.count),
        recent,
    ]
    if last_seen:
        cols.append(func.max(AgentUsage.last_seen))
    stmt = select(*cols).where(
        AgentUsage.org_id == org_id,
        AgentUsage.day >= baseline_start,
        AgentUsage.day <= now.date(),
    )
    stmt, wanted = _for_agents(stmt, AgentUsage.agent_id, ids)
    stmt = stmt.group_by(AgentUsage.agent_id, AgentUsage.facet, AgentUsage.item)
    if len(ids) > FEW_AGENTS and session.get_bind().dialect.name == "postgresql":
        # 10,000 agents make ~50,000 groups (~18 MB of hash table): at the default
        # work_mem (4 MB) the aggregate spills to temp files. For this transaction only.
        session.execute(text(f"SET LOCAL work_mem = '{USAGE_WORK_MEM}'"))
    return (row for row in session.execute(stmt) if wanted(row[0]))


def _activity(
    session: Session, org_id: str, ids: Sequence[str], now: datetime
) -> dict[str, tuple[ActivityCounts, int]]:
    """Trust-window activity counts and errors per agent (absent: no activity)."""
    _, _, trust_start = _windows(now)
    stmt = select(
        AgentActivity.agent_id,
        func.sum(AgentActivity.clean),
        func.sum(AgentActivity.pii),
        func.sum(AgentActivity.injection),
        func.sum(AgentActivity.secrets),
        func.sum(AgentActivity.blocked),
        func.sum(AgentActivity.errors),
    ).where(
        AgentActivity.org_id == org_id,
        AgentActivity.day >= trust_start,
        AgentActivity.day <= now.date(),
    )
    stmt, wanted = _for_agents(stmt, AgentActivity.agent_id, ids)
    out: dict[str, tuple[ActivityCounts, int]] = {}
    row: tuple[Any, ...]
    for row in session.execute(stmt.group_by(AgentActivity.agent_id)):
        agent_id, clean, pii, injection, secrets, blocked, errors = row
        if wanted(agent_id):
            counts = ActivityCounts(
                clean=int(clean or 0),
                pii=int(pii or 0),
                injection=int(injection or 0),
                secrets=int(secrets or 0),
                blocked=int(blocked or 0),
            )
            out[agent_id] = (counts, int(errors or 0))
    return out


def load_usage(
    session: Session, *, org_id: str, agent_ids: Sequence[str], now: datetime
) -> dict[str, Usage]:
    """Usage and activity of these agents over the baseline + recent windows."""
    out: dict[str, Usage] = {aid: Usage() for aid in agent_ids}
    if not agent_ids:
        return out
    ids = list(agent_ids)
    for agent_id, facet, item, total, recent, last in _usage_rows(
        session, org_id, ids, now, last_seen=True
    ):
        total, recent = int(total or 0), int(recent or 0)
        out[agent_id].facets.setdefault(facet, {})[item] = UsageItem(
            item, total, recent, total - recent, last
        )
    for agent_id, (counts, errors) in _activity(session, org_id, ids, now).items():
        out[agent_id].activity = counts
        out[agent_id].errors = errors
    return out


def internal_domains(session: Session, *, org_id: str) -> tuple[str, ...]:
    """The org's own domains (setting ``agents.internal_domains``): not external destinations."""
    value = orgs.get_setting(
        session=session, org_id=org_id, name=INTERNAL_DOMAINS_SETTING, default=[]
    )
    return tuple(str(d) for d in value) if isinstance(value, list) else ()


def _approved_assets(session: Session, org_id: str, asset_ids: Sequence[str]) -> set[str]:
    if not asset_ids:
        return set()
    stmt = select(Asset.id).where(Asset.org_id == org_id, Asset.approved.is_(True))
    stmt, wanted = _for_agents(stmt, Asset.id, asset_ids)
    return {aid for aid in session.scalars(stmt) if wanted(aid)}


def _red_team_results(
    session: Session, org_id: str, agents: Sequence[AgentLike]
) -> dict[str, RedTeamResults]:
    """Recent AgentBench and learning-cycle PASS/FAIL counts per agent (absent = untested).

    Results may be recorded against the agent or its asset id; both count.
    """
    from threatvec.redteam.models import RedTeamResult
    from threatvec.redteam.service import pass_counts_by_agent

    owner: dict[str, str] = {}
    for agent in agents:
        owner[agent.id] = agent.id
        if agent.asset_id:
            owner[agent.asset_id] = agent.id
    if len(owner) > FEW_AGENTS:
        # Ask only about the ids that were ever tested (an index-only read); a fleet of
        # thousands is mostly untested, and its full id list would be a huge IN list.
        tested = session.scalars(
            select(RedTeamResult.agent_id).where(RedTeamResult.org_id == org_id).distinct()
        )
        keys = [k for k in tested if k in owner]
    else:
        keys = list(owner)
    merged: dict[str, tuple[int, int]] = {}
    counts = pass_counts_by_agent(session=session, org_id=org_id, agent_ids=keys)
    for key, (passed, failed) in counts.items():
        p, f = merged.get(owner[key], (0, 0))
        merged[owner[key]] = (p + passed, f + failed)
    return {aid: RedTeamResults(passed=p, failed=f) for aid, (p, f) in merged.items()}


def _assemble(
    session: Session,
    org_id: str,
    agents: Sequence[AgentLike],
    seen: dict[str, _Seen],
    activity: dict[str, tuple[ActivityCounts, int]],
) -> dict[str, AgentFacts]:
    approved = _approved_assets(session, org_id, [a.asset_id for a in agents if a.asset_id])
    internal = internal_domains(session, org_id=org_id)
    red_team = _red_team_results(session, org_id, agents)
    empty = _Seen()
    no_activity = ActivityCounts()
    facts: dict[str, AgentFacts] = {}
    for agent in agents:
        s = seen.get(agent.id, empty)
        names = s.all  # one entry per item: the rows are grouped by item
        # a baseline in any facet (providers and MCP servers too) makes drift measurable
        has_baseline = bool(s.baseline)
        caps = agent.capabilities if isinstance(agent.capabilities, dict) else {}
        act = activity.get(agent.id)
        facts[agent.id] = AgentFacts(
            agent_id=agent.id,
            name=agent.name,
            capabilities={k: v for k, v in caps.items() if isinstance(v, bool)},
            tools=tuple(ToolUse(n) for n in sorted(names.get("tool", ()))),
            destinations=tuple(sorted(names.get("destination", ()))),
            models=tuple(sorted(names.get("model", ()))),
            mcp_servers=tuple(sorted(names.get("mcp_server", ()))),
            verified=bool(agent.registered),
            approved=agent.asset_id in approved,
            rules=frozenset(r for r in (agent.rules or []) if isinstance(r, str)),
            activity=act[0] if act is not None else no_activity,
            red_team=red_team.get(agent.id),
            baseline=s.footprint(s.baseline) if has_baseline else None,
            recent=s.footprint(s.recent) if has_baseline else None,
            internal_domains=internal,
            reported=bool(agent.reported),
        )
    return facts


def build_facts(
    session: Session, *, org_id: str, agents: Sequence[AgentLike], now: datetime
) -> tuple[dict[str, AgentFacts], dict[str, Usage]]:
    """`AgentFacts` per agent id (and the usage they came from, for the detail page)."""
    usage = load_usage(session, org_id=org_id, agent_ids=[a.id for a in agents], now=now)
    seen: dict[str, _Seen] = {}
    activity: dict[str, tuple[ActivityCounts, int]] = {}
    for agent_id, u in usage.items():
        s = seen[agent_id] = _Seen()
        for facet, items in u.facets.items():
            for it in items.values():
                s.add(facet, it.item, it.recent, it.baseline)
        activity[agent_id] = (u.activity, u.errors)
    return _assemble(session, org_id, agents, seen, activity), usage


def build_scoring_facts(
    session: Session, *, org_id: str, agents: Sequence[AgentLike], now: datetime
) -> dict[str, AgentFacts]:
    """`AgentFacts` per agent id without the per-item usage (what a fleet recompute needs).

    The same facts as `build_facts`, from one grouped usage query and one
    activity query for any number of agents.
    """
    if not agents:
        return {}
    ids = [a.id for a in agents]
    seen: dict[str, _Seen] = {}
    for agent_id, facet, item, total, recent in _usage_rows(
        session, org_id, ids, now, last_seen=False
    ):
        s = seen.get(agent_id)
        if s is None:
            s = seen[agent_id] = _Seen()
        recent = int(recent or 0)
        s.add(facet, item, recent, int(total or 0) - recent)
    return _assemble(session, org_id, agents, seen, _activity(session, org_id, ids, now))
