"""The gap scan: which high-risk agent-tool pairs an enforcement layer covers, and which not.

One function (`scan`) decides, and every pair carries the reasons it is
high-risk and the decisions that cover it (docs/enforcement.md, "Gap scan").

A pair (agent, tool[, MCP server]) comes from the agent's observed tool calls
(the agents domain's usage rollups, MCP tool calls included) and from the
tools named in an open MCP lethal-trifecta finding for that agent. It is
**high-risk** when any of these holds:

* the agent has the full lethal trifecta (declared or observed legs, or an open
  MCP trifecta finding) and the tool carries one of its legs → **critical**;
* the tool is destructive or runs code → **high** (critical on a full-trifecta agent);
* the agent has two of the three legs and the tool carries one → **high**.

Tool kinds come from `agents.rules.tool_kinds`, fed with the MCP inventory's
labels of that tool (only labels with evidence; the spec's defaults for an
unannotated tool do not count, as in `mcp.labels`).

It is **covered** when an enforcement source reported a decision (any action)
for that agent and tool, or an agent-wide decision (no tool), within the
window. Coverage = covered / high-risk pairs; the weighted figure counts a
critical pair twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session, aliased

from threatvec.agents.facts import build_scoring_facts
from threatvec.agents.models import Agent
from threatvec.agents.rules import LEGS, tool_kinds
from threatvec.agents.scoring import trifecta
from threatvec.enforcement.models import EnforcementEvent, EnforcementSource
from threatvec.mcp.models import McpAgentUsage, McpFinding, McpServer, McpTool

__all__ = [
    "MAX_AGENTS",
    "WINDOW",
    "AgentTools",
    "Decisions",
    "GapPair",
    "GapScan",
    "classify",
    "scan",
]

WINDOW = timedelta(days=7)
MAX_AGENTS = 5000
RISK_WEIGHT = {"critical": 2, "high": 1}
_LEG_WORDS = {
    "private_data": "private data",
    "untrusted_content": "untrusted content (the injection entry point)",
    "external_comms": "external communication (the exfiltration channel)",
}


@dataclass(frozen=True, slots=True)
class AgentTools:
    """What the scan needs about one agent: its legs and the tools it reaches, with labels."""

    agent_id: str
    name: str
    legs: frozenset[str]
    mcp_trifecta: bool  # an open TV-MCP-TRIFECTA finding for this agent's servers
    # (tool, MCP server as the agent names it or None) -> MCP labels with evidence
    tools: Mapping[tuple[str, str | None], tuple[str, ...]]
    flow_tools: frozenset[tuple[str, str | None]] = frozenset()  # legs of the MCP finding


@dataclass(slots=True)
class Decisions:
    """Decisions reported for one (agent, tool) in the window; tool None = agent-wide."""

    count: int = 0
    blocked: int = 0
    last: datetime | None = None
    sources: set[str] = field(default_factory=set)
    servers: set[str | None] = field(default_factory=set)

    def add(self, n: int, blocked: int, last: datetime, source: str, server: str | None) -> None:
        self.count += n
        self.blocked += blocked
        self.last = last if self.last is None or last > self.last else self.last
        self.sources.add(source)
        self.servers.add(server.lower() if server else None)


@dataclass(frozen=True, slots=True)
class GapPair:
    agent_id: str
    agent_name: str
    tool: str
    mcp_server: str | None
    risk: str
    reasons: tuple[str, ...]
    covered: bool
    coverage: str  # tool | agent | none
    last_decision_at: datetime | None
    decisions: int
    blocked: int
    sources: tuple[str, ...]

    @property
    def weight(self) -> int:
        return RISK_WEIGHT[self.risk]


@dataclass(frozen=True, slots=True)
class GapScan:
    generated_at: datetime
    window_days: int
    pairs: tuple[GapPair, ...]
    blocked_7d: int
    decisions_7d: int
    sources_total: int
    sources_reporting: int
    unmatched_agents: tuple[str, ...]

    @property
    def covered(self) -> int:
        return sum(1 for p in self.pairs if p.covered)

    @property
    def coverage(self) -> float | None:
        return self.covered / len(self.pairs) if self.pairs else None

    @property
    def weighted_coverage(self) -> float | None:
        total = sum(p.weight for p in self.pairs)
        return sum(p.weight for p in self.pairs if p.covered) / total if total else None

    @property
    def uncovered(self) -> tuple[GapPair, ...]:
        return tuple(p for p in self.pairs if not p.covered)

    def explanation(self) -> str:
        n = len(self.pairs)
        days = self.window_days
        if n == 0:
            return (
                "No high-risk agent-tool pair found: no agent uses a destructive or code-running "
                "tool, and none has two or more lethal-trifecta legs."
            )
        pct = f"{(self.coverage or 0) * 100:.0f}%"
        critical = sum(1 for p in self.pairs if p.risk == "critical")
        return (
            f"{self.covered} of {n} high-risk agent-tool pairs ({pct}; {critical} critical) had "
            f"an enforcement decision in the last {days} days. A pair is high-risk when its tool "
            "is destructive or runs code, or carries a lethal-trifecta leg of an agent with two "
            "or three legs; a decision for that agent and tool, or an agent-wide one, from any "
            "source covers it."
        )


def classify(agent: AgentTools, tool: str, labels: Iterable[str]) -> tuple[str, list[str]] | None:
    """The risk level of one pair and why, or None when the pair is not high-risk."""
    kinds = tool_kinds(tool, labels)
    full = len(agent.legs) == 3 or agent.mcp_trifecta
    tool_legs = [leg for leg in LEGS if leg in kinds]
    reasons: list[str] = []
    critical = False
    if full and tool_legs:
        which = "lethal trifecta (MCP flow)" if agent.mcp_trifecta else "full lethal trifecta"
        reasons.append(
            f"the agent has the {which}; this tool is its "
            + " and ".join(_LEG_WORDS[leg] for leg in tool_legs)
            + " leg"
        )
        critical = True
    elif len(agent.legs) == 2 and tool_legs:
        reasons.append(
            "carries the "
            + " and ".join(_LEG_WORDS[leg] for leg in tool_legs)
            + " leg of an agent with 2 of 3 trifecta legs ("
            + ", ".join(sorted(agent.legs))
            + ")"
        )
    on_full = " on an agent with the full lethal trifecta" if full and not tool_legs else ""
    if "destructive" in kinds:
        reasons.append("destructive: can change or delete things irreversibly" + on_full)
        critical = critical or full
    if "code_exec" in kinds:
        reasons.append("runs code" + on_full)
        critical = critical or full
    if not reasons:
        return None
    return ("critical" if critical else "high"), reasons


def _agents(session: Session, org_id: str, now: datetime) -> list[AgentTools]:
    rows = list(
        session.scalars(
            select(Agent).where(Agent.org_id == org_id).order_by(Agent.name).limit(MAX_AGENTS)
        )
    )
    if not rows:
        return []
    facts = build_scoring_facts(session, org_id=org_id, agents=rows, now=now)
    mcp_tools, flows = _mcp_tools(session, org_id)
    out = []
    for agent in rows:
        f = facts[agent.id]
        legs = trifecta(f).present
        tools: dict[tuple[str, str | None], tuple[str, ...]] = {}
        via_mcp = mcp_tools.get(agent.id, {})
        for use in f.tools:
            servers = via_mcp.get(use.name)
            if servers:
                for server, labels in servers.items():
                    tools[(use.name, server)] = labels
            else:
                tools[(use.name, None)] = ()
        flow = flows.get(agent.id, {})
        for key, labels in flow.items():
            tools.setdefault(key, labels)
        out.append(AgentTools(agent.id, agent.name, legs, bool(flow), tools, frozenset(flow)))
    return out


def _evidenced(labels: Mapping[str, Sequence[str]] | None) -> tuple[str, ...]:
    # mcp.labels: a label whose only reasons are the spec's defaults is not evidence
    return tuple(
        sorted(
            label
            for label, reasons in (labels or {}).items()
            if any(not str(r).startswith("default:") for r in reasons or ())
        )
    )


def _mcp_tools(
    session: Session, org_id: str
) -> tuple[
    dict[str, dict[str, dict[str, tuple[str, ...]]]],
    dict[str, dict[tuple[str, str | None], tuple[str, ...]]],
]:
    """Per agent: MCP tools it called (tool → server → labels), and its open trifecta legs."""
    usage = list(session.scalars(select(McpAgentUsage).where(McpAgentUsage.org_id == org_id)))
    server_ids = sorted({u.server_id for u in usage})
    servers = (
        {
            s.id: s
            for s in session.scalars(
                select(McpServer).where(McpServer.org_id == org_id, McpServer.id.in_(server_ids))
            )
        }
        if server_ids
        else {}
    )
    labels: dict[tuple[str, str], tuple[str, ...]] = {}
    if server_ids:
        for t in session.scalars(
            select(McpTool).where(McpTool.org_id == org_id, McpTool.server_id.in_(server_ids))
        ):
            labels[(t.server_id, t.name)] = _evidenced(t.labels)
    called: dict[str, dict[str, dict[str, tuple[str, ...]]]] = defaultdict(dict)
    # "server name/tool" as a trifecta finding writes it -> (tool, agent's name for the server)
    by_ref: dict[str, dict[str, tuple[str, str, tuple[str, ...]]]] = defaultdict(dict)
    for u in usage:
        server = servers.get(u.server_id)
        if server is None:
            continue
        shown = u.server_name or server.name
        for tool in u.tools_called or {}:
            called[u.agent_id].setdefault(tool, {})[shown] = labels.get((server.id, tool), ())
        for (sid, tool), lab in labels.items():
            if sid == server.id:
                by_ref[u.agent_id][f"{server.name}/{tool}"] = (tool, shown, lab)
    flows: dict[str, dict[tuple[str, str | None], tuple[str, ...]]] = defaultdict(dict)
    for finding in session.scalars(
        select(McpFinding).where(
            McpFinding.org_id == org_id,
            McpFinding.rule_id == "TV-MCP-TRIFECTA",
            McpFinding.status == "open",
            McpFinding.scope.like("agent:%"),
        )
    ):
        agent_id = (finding.scope or "").removeprefix("agent:")
        legs = (finding.detail or {}).get("legs") or {}
        refs = {
            r for leg in ("private_data", "untrusted_content", "public_sink")
            for r in legs.get(leg) or () if isinstance(r, str)
        }  # fmt: skip
        for ref in sorted(refs):
            hit = by_ref.get(agent_id, {}).get(ref)
            if hit is not None:
                flows[agent_id][(hit[0], hit[1])] = hit[2]
        flows.setdefault(agent_id, {})
    return called, flows


def _late_match(org_id: str) -> tuple[type[Agent], ColumnElement[bool]]:
    """An inventory agent named like an event stored unmatched (it registered afterwards).

    A gateway often reports an agent before the SDK registers it; the event keeps the
    name it was sent with and matches here, at read time, once the agent exists.
    """
    late = aliased(Agent)
    on = and_(
        EnforcementEvent.agent_id.is_(None),
        late.org_id == org_id,
        late.name == EnforcementEvent.agent,
    )
    return late, on


def _decisions(
    session: Session, org_id: str, since: datetime
) -> tuple[dict[tuple[str, str | None], Decisions], int, int]:
    """Decisions in the window grouped by (agent id, lower-case tool or None)."""
    blocked = case((EnforcementEvent.action.in_(("blocked", "redacted")), 1), else_=0)
    late, on = _late_match(org_id)
    agent_id = func.coalesce(EnforcementEvent.agent_id, late.id)
    rows = session.execute(
        select(
            agent_id,
            EnforcementEvent.tool,
            EnforcementEvent.mcp_server,
            EnforcementSource.name,
            func.count(),
            func.sum(blocked),
            func.max(EnforcementEvent.ts),
        )
        .join(EnforcementSource, EnforcementSource.id == EnforcementEvent.source_id)
        .outerjoin(late, on)
        .where(
            EnforcementEvent.org_id == org_id,
            EnforcementSource.org_id == org_id,
            EnforcementEvent.ts >= since,
            agent_id.is_not(None),
        )
        .group_by(
            agent_id,
            EnforcementEvent.tool,
            EnforcementEvent.mcp_server,
            EnforcementSource.name,
        )
    )
    out: dict[tuple[str, str | None], Decisions] = defaultdict(Decisions)
    total = total_blocked = 0
    for agent_id, tool, server, source, n, b, last in rows:
        key = (str(agent_id), tool.lower() if tool else None)
        last_at = last if isinstance(last, datetime) else _parse(last)
        out[key].add(int(n), int(b or 0), last_at, str(source), server)
        total += int(n)
        total_blocked += int(b or 0)
    return out, total, total_blocked


def _parse(value: object) -> datetime:
    # max() over a UTC column comes back as text on SQLite (no type on aggregates)
    from datetime import UTC

    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _unmatched(session: Session, org_id: str, since: datetime) -> tuple[str, ...]:
    late, on = _late_match(org_id)
    names = session.scalars(
        select(EnforcementEvent.agent)
        .outerjoin(late, on)
        .where(
            EnforcementEvent.org_id == org_id,
            EnforcementEvent.ts >= since,
            EnforcementEvent.agent_id.is_(None),
            late.id.is_(None),
        )
        .distinct()
        .order_by(EnforcementEvent.agent)
        .limit(20)
    )
    return tuple(names)


def _sources(session: Session, org_id: str, since: datetime) -> tuple[int, int]:
    rows = session.execute(
        select(EnforcementSource.enabled, EnforcementSource.last_event_at).where(
            EnforcementSource.org_id == org_id
        )
    ).all()
    reporting = sum(1 for enabled, last in rows if enabled and last is not None and last >= since)
    return len(rows), reporting


def _cover(
    agent: AgentTools,
    tool: str,
    server: str | None,
    decisions: Mapping[tuple[str, str | None], Decisions],
) -> tuple[str, Decisions | None]:
    specific = decisions.get((agent.agent_id, tool.lower()))
    if specific is not None and (
        server is None or None in specific.servers or server.lower() in specific.servers
    ):
        return "tool", specific
    wide = decisions.get((agent.agent_id, None))
    if wide is not None:
        return "agent", wide
    return "none", None


def scan(*, session: Session, org_id: str, now: datetime, window: timedelta = WINDOW) -> GapScan:
    """Every high-risk agent-tool pair of the org, each marked covered or not, with reasons."""
    since = now - window
    decisions, total, blocked = _decisions(session, org_id, since)
    pairs: list[GapPair] = []
    for agent in _agents(session, org_id, now):
        for (tool, server), labels in sorted(
            agent.tools.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
        ):
            verdict = classify(agent, tool, labels)
            if verdict is None and (tool, server) in agent.flow_tools:
                verdict = ("critical", [])
            if verdict is None:
                continue
            risk, reasons = verdict
            if (tool, server) in agent.flow_tools:
                reasons.append("named in the agent's open MCP lethal-trifecta finding")
            how, seen = _cover(agent, tool, server, decisions)
            pairs.append(
                GapPair(
                    agent_id=agent.agent_id,
                    agent_name=agent.name,
                    tool=tool,
                    mcp_server=server,
                    risk=risk,
                    reasons=tuple(reasons),
                    covered=seen is not None,
                    coverage=how,
                    last_decision_at=seen.last if seen else None,
                    decisions=seen.count if seen else 0,
                    blocked=seen.blocked if seen else 0,
                    sources=tuple(sorted(seen.sources)) if seen else (),
                )
            )
    # uncovered first, critical first, then by agent and tool: the card shows the head
    pairs.sort(key=lambda p: (p.covered, -p.weight, p.agent_name, p.tool, p.mcp_server or ""))
    sources_total, reporting = _sources(session, org_id, since)
    return GapScan(
        generated_at=now,
        window_days=window.days,
        pairs=tuple(pairs),
        blocked_7d=blocked,
        decisions_7d=total,
        sources_total=sources_total,
        sources_reporting=reporting,
        unmatched_agents=_unmatched(session, org_id, since),
    )
