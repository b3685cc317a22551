"""The agent fleet: agents seen through ingest, their status, posture cards and detail.

Scores come from `threatvec.agents.scoring` (pure); this module gathers the
inputs (`agents.facts`), says which agents exist and how they are doing, and
shapes cards. The fleet also lists agents registered in the assets registry
that have not reported yet (`agents.expected`), with the status
``never_reported``. Nothing here knows about HTTP.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from threatvec.agents.expected import ExpectedAgent, expected_agents, resolve_asset_id
from threatvec.agents.facts import Usage, build_facts, internal_domains
from threatvec.agents.models import DROP_REASONS, Agent, AgentEvent, AgentInstance
from threatvec.agents.rules import get_rule, tool_kinds
from threatvec.agents.scoring import AgentScore, is_external_host, score_agent
from threatvec.assets import service as assets
from threatvec.assets.models import Asset
from threatvec.core.clock import utcnow
from threatvec.core.errors import InvalidInput, NotFound
from threatvec.core.pagination import MAX_LIMIT, PageParams
from threatvec.core.scoped import get_scoped, get_scoped_or_raise
from threatvec.posture.factors import round1

__all__ = [
    "DEFAULT_INTERVAL_S",
    "NEVER_REPORTED",
    "SORT_FIELDS",
    "STATUSES",
    "AgentView",
    "FleetAgent",
    "agent_status",
    "apply_registration",
    "detail",
    "ensure_agent",
    "fleet_scores",
    "get",
    "get_or_raise",
    "list_cards",
    "recent_events",
    "resolve",
    "views",
]

NEVER_REPORTED = "never_reported"
# Last on purpose: sorting by status puts agents with no telemetry after offline ones.
STATUSES = ("active", "stale", "offline", NEVER_REPORTED)
# Agents that never sent a heartbeat (OTLP, or an SDK that has not registered yet).
DEFAULT_INTERVAL_S = 60.0
STALE_AFTER_INTERVALS = 3  # docs/ingest-format.md: stale after ~3 missed intervals
OFFLINE_AFTER_INTERVALS = 10
MAX_FLEET = 5000

# A fleet entry: an agent that reported, or one registered as an asset that has not.
FleetAgent = Agent | ExpectedAgent


def agent_status(agent: FleetAgent, now: datetime) -> str:
    """active / stale / offline by the last report's age; never_reported before any report."""
    if not agent.reported or agent.last_seen is None:
        return NEVER_REPORTED
    interval = agent.heartbeat_interval_s or DEFAULT_INTERVAL_S
    age = (now - agent.last_seen).total_seconds()
    if age <= STALE_AFTER_INTERVALS * interval:
        return "active"
    if age <= OFFLINE_AFTER_INTERVALS * interval:
        return "stale"
    return "offline"


def status_explanation(agent: FleetAgent, now: datetime) -> str:
    if isinstance(agent, ExpectedAgent):
        return (
            f"registered in the assets registry on {agent.registered_at:%Y-%m-%d %H:%M} UTC; "
            "no telemetry received yet: the card fills in once the agent reports through "
            "the SDK or OpenTelemetry under this name"
        )
    assert agent.last_seen is not None  # a row exists only once the agent reported
    interval = agent.heartbeat_interval_s or DEFAULT_INTERVAL_S
    age = max(0.0, (now - agent.last_seen).total_seconds())
    return (
        f"last report {age:.0f} s ago; heartbeat interval {interval:g} s "
        f"({'reported by the agent' if agent.heartbeat_interval_s else 'default'}); "
        f"active up to {STALE_AFTER_INTERVALS} intervals, stale up to "
        f"{OFFLINE_AFTER_INTERVALS}, offline after"
    )


# ── write side (called by ingest) ─────────────────────────────────────────


def ensure_agent(
    *, session: Session, org_id: str, name: str, source: str, now: datetime
) -> tuple[Agent, bool]:
    """The agent with this name, created (and put in the assets registry) if new.

    The INSERT comes first, before any read: on SQLite a transaction that has
    read and then writes can fail at once with "database is locked" when another
    writer committed in between; a transaction that starts by writing waits its
    turn (busy_timeout) instead. ON CONFLICT makes concurrent first sightings safe.
    """
    table = Agent.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(table)  # type: ignore[arg-type]
        .values(org_id=org_id, name=name, source=source, first_seen=now, last_seen=now)
        .on_conflict_do_nothing(index_elements=["org_id", "name"])
        .returning(table.c.id)
    )
    created = session.execute(stmt).scalar() is not None
    agent = session.scalar(select(Agent).where(Agent.org_id == org_id, Agent.name == name))
    if agent is None:  # pragma: no cover - the row exists: we inserted it or it conflicted
        raise RuntimeError(f"agent {name!r} vanished during ingest")
    if not created:
        return agent, False
    asset: Asset | None
    try:
        with session.begin_nested():
            asset, _ = assets.upsert_discovered(
                session=session,
                org_id=org_id,
                kind="agent",
                name=name,
                description=f"Discovered through {source.upper()} telemetry",
            )
    except IntegrityError:  # the asset was registered at the same moment
        asset = assets.get_by_name(session=session, org_id=org_id, kind="agent", name=name)
    if asset is not None:
        agent.asset_id = asset.id
        session.flush()
    return agent, True


def apply_registration(*, session: Session, agent: Agent, attrs: dict[str, Any]) -> None:
    """What the agent declared at start-up: capabilities, rules, frameworks, interval."""
    agent.registered = True
    agent.source = "sdk"
    agent.sdk_version = attrs.get("sdk_version")
    agent.hostname = attrs.get("hostname")
    agent.frameworks = list(attrs.get("frameworks") or [])
    agent.integrations = list(attrs.get("integrations") or [])
    agent.capabilities = {
        k: v for k, v in (attrs.get("capabilities") or {}).items() if isinstance(v, bool)
    }
    agent.rules = sorted({str(r) for r in attrs.get("rules") or []})
    agent.capture_content = bool(attrs.get("capture_content"))
    interval = attrs.get("heartbeat_interval_s")
    if isinstance(interval, int | float) and interval > 0:
        agent.heartbeat_interval_s = float(interval)
    session.flush()


# ── read side ─────────────────────────────────────────────────────────────


def get(*, session: Session, org_id: str, agent_id: str) -> Agent | None:
    return get_scoped(session, Agent, org_id, agent_id)


def get_or_raise(*, session: Session, org_id: str, agent_id: str) -> Agent:
    return get_scoped_or_raise(session, Agent, org_id, agent_id, f"agent {agent_id[:64]} not found")


def resolve(*, session: Session, org_id: str, agent_id: str) -> FleetAgent:
    """A fleet entry by agent id, or by the asset id a never-reported card carries."""
    agent = get(session=session, org_id=org_id, agent_id=agent_id)
    if agent is not None:
        return agent
    found = resolve_asset_id(session=session, org_id=org_id, asset_id=agent_id)
    if found is None:
        raise NotFound(f"agent {agent_id[:64]} not found")
    return found


@dataclass(frozen=True)
class AgentView:
    """An agent with its computed posture: what a card or the detail page shows."""

    agent: FleetAgent
    status: str
    approved: bool
    score: AgentScore
    usage: Usage

    @property
    def sort_values(self) -> dict[str, Any]:
        s = self.score
        return {
            "name": self.agent.name.lower(),
            "score": round1(s.value),
            "trust_score": round1(s.trust.value),
            "rule_count": s.coverage.rule_count,
            "rule_coverage": round(s.coverage.ratio, 3),
            # an unknown risk (never reported) sorts below low
            "risk": s.trifecta.count if s.trifecta.known else -1,
            "drift": -1.0 if s.drift.value is None else round(s.drift.value, 3),
            # "" sorts never-reported agents before every timestamp ("-last_seen": last)
            "last_seen": self.agent.last_seen.isoformat() if self.agent.last_seen else "",
            "status": STATUSES.index(self.status),
        }


SORT_FIELDS = (
    "name",
    "score",
    "trust_score",
    "rule_count",
    "rule_coverage",
    "risk",
    "drift",
    "last_seen",
    "status",
)


def views(
    *, session: Session, org_id: str, agents: Sequence[FleetAgent], now: datetime | None = None
) -> list[AgentView]:
    now = now or utcnow()
    facts, usage = build_facts(session, org_id=org_id, agents=agents, now=now)
    out = []
    for agent in agents:
        f = facts[agent.id]
        out.append(
            AgentView(agent, agent_status(agent, now), f.approved, score_agent(f), usage[agent.id])
        )
    return out


def fleet_scores(*, session: Session, org_id: str, now: datetime | None = None) -> list[AgentScore]:
    """Every agent's score, never-reported ones included (the posture's Agent dimension)."""
    agents: list[FleetAgent] = list(
        session.scalars(
            select(Agent).where(Agent.org_id == org_id).order_by(Agent.name).limit(MAX_FLEET)
        )
    )
    agents += expected_agents(session=session, org_id=org_id, limit=MAX_FLEET)
    return [v.score for v in views(session=session, org_id=org_id, agents=agents, now=now)]


def _encode_cursor(value: Any, row_id: str) -> str:
    raw = json.dumps([value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[Any, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, row_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise InvalidInput(("query", "cursor"), "cursor is not valid") from None
    if not isinstance(row_id, str) or not isinstance(value, str | int | float):
        raise InvalidInput(("query", "cursor"), "cursor is not valid")
    return value, row_id


def list_cards(
    *,
    session: Session,
    org_id: str,
    page: PageParams,
    status: str | None = None,
    risk: str | None = None,
    approved: bool | None = None,
    source: str | None = None,
    q: str | None = None,
    now: datetime | None = None,
) -> tuple[list[AgentView], str | None]:
    """One page of posture cards, filtered and sorted by any computed number."""
    if not 1 <= page.limit <= MAX_LIMIT:
        raise InvalidInput(("query", "limit"), f"limit must be between 1 and {MAX_LIMIT}")
    sort = page.sort or "score"
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_FIELDS:
        raise InvalidInput(
            ("query", "sort"), f"cannot sort by {key!r}; use one of: {', '.join(SORT_FIELDS)}"
        )
    stmt = select(Agent).where(Agent.org_id == org_id)
    if source:
        stmt = stmt.where(Agent.source == source)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Agent.name.ilike(f"%{escaped}%", escape="\\"))
    agents: list[FleetAgent] = list(session.scalars(stmt.order_by(Agent.name).limit(MAX_FLEET)))
    if not source:  # a never-reported agent has no source yet
        agents += expected_agents(session=session, org_id=org_id, q=q, limit=MAX_FLEET)
    rows = views(session=session, org_id=org_id, agents=agents, now=now)
    if status:
        rows = [v for v in rows if v.status == status]
    if risk:
        rows = [v for v in rows if v.score.trifecta.risk == risk]
    if approved is not None:
        rows = [v for v in rows if v.approved is approved]

    def sort_key(v: AgentView) -> tuple[Any, str]:
        return (v.sort_values[key], v.agent.id)

    rows.sort(key=sort_key, reverse=desc)
    if page.cursor:
        after = _decode_cursor(page.cursor)
        try:
            if desc:
                rows = [v for v in rows if sort_key(v) < after]
            else:
                rows = [v for v in rows if sort_key(v) > after]
        except TypeError:  # a cursor from another sort order
            raise InvalidInput(("query", "cursor"), "cursor does not match this sort") from None
    next_cursor = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        last = rows[-1]
        next_cursor = _encode_cursor(last.sort_values[key], last.agent.id)
    return rows, next_cursor


def recent_events(
    *, session: Session, org_id: str, agent_id: str, limit: int = 50
) -> list[AgentEvent]:
    return list(
        session.scalars(
            select(AgentEvent)
            .where(
                AgentEvent.org_id == org_id,
                AgentEvent.agent_id == agent_id,
                AgentEvent.type != "agent.heartbeat",
            )
            .order_by(AgentEvent.ts.desc(), AgentEvent.id.desc())
            .limit(limit)
        )
    )


def instances(*, session: Session, org_id: str, agent_id: str) -> list[AgentInstance]:
    return list(
        session.scalars(
            select(AgentInstance)
            .where(AgentInstance.org_id == org_id, AgentInstance.agent_id == agent_id)
            .order_by(AgentInstance.last_seen.desc())
            .limit(50)
        )
    )


def events_lost(*, session: Session, org_id: str, agent_id: str) -> dict[str, Any]:
    """Events the agent's SDK instances reported lost, summed over all of them, by reason."""
    # Over every instance, not the 50 listed: a pre-fork server has one per worker.
    # Summed as floats: each counter may be up to 2^63-1 and SQLite's SUM overflows.
    sums = [func.sum(cast(getattr(AgentInstance, r), Float)) for r in DROP_REASONS]
    row = session.execute(
        select(func.count(), *sums).where(
            AgentInstance.org_id == org_id, AgentInstance.agent_id == agent_id
        )
    ).one()
    by_reason = {r: int(v) for r, v in zip(DROP_REASONS, row[1:], strict=True) if v}
    return {"total": sum(by_reason.values()), "by_reason": by_reason, "instances": int(row[0])}


def _explain(view: AgentView, now: datetime) -> dict[str, str]:
    s = view.score
    cov = s.coverage
    tri = s.trifecta
    parts = "; ".join(f"{p.name} {round1(p.points)}/{round1(p.max_points)}" for p in s.score.parts)
    legs = ", ".join(sorted(tri.present)) or "none"
    drift = s.drift
    if not s.reported:
        return {
            "score": f"agent score {round1(s.value)} = sum of its parts: {parts}; never reported, "
            "so rule coverage, activity and drift earn nothing until telemetry arrives",
            "trust_score": f"trust {round1(s.trust.value)} = "
            + " + ".join(f"{p.name} {round1(p.points)} ({p.detail})" for p in s.trust.parts),
            "rule_count": "no guard rules declared: the agent has not registered through the SDK",
            "rule_coverage": f"unknown until the agent reports; {len(cov.recommended)} rule(s) "
            f"recommended for any agent ({', '.join(cov.recommended)})",
            "trifecta_risk": "legs unknown until the agent declares its capabilities or is seen "
            "using tools and destinations",
            "drift": "no behaviour seen yet",
            "status": status_explanation(view.agent, now),
        }
    return {
        "score": f"agent score {round1(s.value)} = sum of its parts: {parts}",
        "trust_score": f"trust {round1(s.trust.value)} = "
        + " + ".join(f"{p.name} {round1(p.points)} ({p.detail})" for p in s.trust.parts),
        "rule_count": f"{cov.rule_count} known guard rule(s) in force "
        f"({len(cov.in_force)} recommended + {len(cov.extra)} extra); "
        f"{len(cov.unknown)} declared id(s) outside the vocabulary are not counted",
        "rule_coverage": f"{len(cov.in_force)} of {len(cov.recommended)} recommended rules "
        f"in force ({cov.ratio:.0%})"
        + (f"; missing: {', '.join(cov.missing)}" if cov.missing else ""),
        "trifecta_risk": f"{tri.count} of 3 legs present ({legs}): risk {tri.risk}; "
        "all three together is maximum risk",
        "drift": "no baseline yet (needs usage older than the recent window)"
        if drift.value is None
        else f"drift {drift.value:.2f}: weighted Jaccard distance of recent vs baseline "
        "tools (0.4), destinations (0.4) and models (0.2)",
        "status": status_explanation(view.agent, now),
    }


def detail(
    *, session: Session, org_id: str, agent_id: str, now: datetime | None = None
) -> dict[str, Any]:
    """Everything about one agent: the card, what it uses, the evidence and each number's why."""
    now = now or utcnow()
    agent = resolve(session=session, org_id=org_id, agent_id=agent_id)
    view = views(session=session, org_id=org_id, agents=[agent], now=now)[0]
    u = view.usage
    s = view.score

    def used(facet: str, extra: Callable[[str], dict[str, Any]] | None = None) -> list[Any]:
        return [
            {
                "name": it.item,
                "count": it.count,
                "recent": it.recent,
                "last_seen": it.last_seen,
                **(extra(it.item) if extra else {}),
            }
            for it in u.items(facet)
        ]

    internal = internal_domains(session, org_id=org_id)
    return {
        "card": view,
        "declared": {
            "capabilities": agent.capabilities or {},
            "rules": agent.rules or [],
            "frameworks": agent.frameworks or [],
            "integrations": agent.integrations or [],
            "sdk_version": agent.sdk_version,
            "hostname": agent.hostname,
            "heartbeat_interval_s": agent.heartbeat_interval_s,
            "capture_content": agent.capture_content,
        },
        "score_parts": [p.to_dict() for p in s.score.parts],
        "trust": s.trust.to_dict(),
        "trifecta": s.trifecta.to_dict(),
        "drift": s.drift.to_dict(),
        "rules": {
            **s.coverage.to_dict(),
            "missing_named": [
                {"id": r, "name": get_rule(r).name, "because": list(s.coverage.reasons[r])}
                for r in s.coverage.missing
            ],
        },
        "activity": {
            "clean": s.activity.clean,
            "pii": s.activity.pii,
            "injection": s.activity.injection,
            "secrets": s.activity.secrets,
            "blocked": s.activity.blocked,
            "errors": u.errors,
        },
        "tools": used("tool", lambda n: {"kinds": sorted(tool_kinds(n))}),
        "models": used("model"),
        "providers": used("provider"),
        "destinations": used("destination", lambda h: {"external": is_external_host(h, internal)}),
        "mcp_servers": used("mcp_server"),
        "instances": instances(session=session, org_id=org_id, agent_id=agent.id),
        "events_lost": events_lost(session=session, org_id=org_id, agent_id=agent.id),
        "recent_events": recent_events(session=session, org_id=org_id, agent_id=agent.id),
        "explanation": _explain(view, now),
    }
