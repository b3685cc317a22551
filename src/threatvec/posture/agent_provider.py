"""The Agent dimension's provider, built on the agents domain's public functions.

Used while ``threatvec.agents.posture`` does not exist (see builtin.py). A full
compute scores every agent first seen by ``now``
(`agents.facts.build_scoring_facts`, whose queries read the org's rollups
grouped by agent and item, + `agents.scoring.score_agent`) and keeps the
per-agent scores; an incremental compute after a change re-scores only the
changed agents and updates the kept `AgentFleet` (running sums and pools), so
one event costs O(changed agents), not O(fleet). Kept scores
expire with the UTC day (the agents' windows are whole days) and after
`CACHE_TTL`, so a change this process never heard of is picked up by the next
full compute.

A full compute still gathers every agent's facts, but an agent whose facts
equal the ones it was last scored from keeps that score: `score_agent` is a
pure function of `AgentFacts`, and comparing two facts costs a tenth of
scoring them. That makes the hourly recompute of a mostly quiet fleet cheap
without trusting anything but the database.

Agents registered in the assets registry that never reported
(`agents.expected`) are scored too, under their asset id, so the dimension
shows them as the gap they are. When such an agent first reports, the change
names its new agent id; the incremental compute then drops the placeholder
filed under its asset id.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from threatvec.agents.expected import expected_agents
from threatvec.agents.facts import AgentLike, build_scoring_facts
from threatvec.agents.models import Agent, AgentActivity
from threatvec.agents.scoring import AgentFacts, AgentScore, score_agent
from threatvec.posture.agent_fleet import AgentFleet
from threatvec.posture.dimensions import DimensionScore

__all__ = ["CACHE_TTL_S", "CHUNK", "AgentProvider"]

CHUNK = 5000  # ids per IN list when looking up agents created after `now`
CACHE_TTL_S = 15 * 60.0


@dataclass(slots=True)
class _Fleet:
    day: date
    at: float
    fleet: AgentFleet


@dataclass(frozen=True, slots=True)
class _AgentRow:
    """The attributes of an `Agent` that `agents.facts.build_scoring_facts` reads."""

    id: str
    name: str
    asset_id: str | None
    registered: bool
    capabilities: dict[str, Any]
    rules: list[str]
    reported: bool = True  # a row exists once the agent reported

    COLUMNS: ClassVar[tuple[Any, ...]] = (
        Agent.id,
        Agent.name,
        Agent.asset_id,
        Agent.registered,
        Agent.capabilities,
        Agent.rules,
    )


class AgentProvider:
    """Agent dimension: every agent's score, fleet-weighted by trifecta legs."""

    name = "agent"

    def __init__(self) -> None:
        self._fleets: dict[str, _Fleet] = {}
        # org -> agent id -> (the facts it was scored from, that score)
        self._scored: dict[str, dict[str, tuple[AgentFacts, AgentScore]]] = {}
        self._lock = threading.Lock()
        self._org_locks: dict[str, threading.Lock] = {}

    def _score(
        self,
        session: Session,
        org_id: str,
        agents: Sequence[AgentLike],
        now: datetime,
        *,
        full: bool = False,
    ) -> dict[str, AgentScore]:
        facts = build_scoring_facts(session, org_id=org_id, agents=agents, now=now)
        with self._lock:
            before = self._scored.get(org_id, {})
        # a full compute keeps only the agents it saw (deleted ones drop out)
        memo = {} if full else before
        out: dict[str, AgentScore] = {}
        for agent in agents:
            f = facts[agent.id]
            hit = before.get(agent.id)
            score = hit[1] if hit is not None and hit[0] == f else score_agent(f)
            memo[agent.id] = (f, score)
            out[agent.id] = score
        with self._lock:
            self._scored[org_id] = memo
        return out

    def _agents(
        self, session: Session, org_id: str, now: datetime, ids: Iterable[str] | None = None
    ) -> list[AgentLike]:
        # Only the columns the facts need: loading 10,000 full ORM entities (with their
        # JSON columns) costs more than scoring them.
        stmt = select(*_AgentRow.COLUMNS, Agent.first_seen).where(Agent.org_id == org_id)
        wanted = None if ids is None else list(ids)
        if wanted is not None:
            # an id may be an asset id (a red-team result filed under it): its agent counts
            stmt = stmt.where(or_(Agent.id.in_(wanted), Agent.asset_id.in_(wanted)))
        rows = session.execute(stmt.order_by(Agent.name, Agent.id)).all()
        # An agent that did not exist at `now` is left out (history is computed at past
        # times). It existed if it was first seen by then, or if it has activity from
        # then: a backfill (the demo, an OTLP import) reports old events today.
        later = [r[0] for r in rows if r[-1] > now]
        active_then: set[str] = set()
        for i in range(0, len(later), CHUNK):
            active_then.update(
                session.scalars(
                    select(AgentActivity.agent_id)
                    .where(
                        AgentActivity.org_id == org_id,
                        AgentActivity.agent_id.in_(later[i : i + CHUNK]),
                        AgentActivity.day <= now.date(),
                    )
                    .distinct()
                )
            )
        found: list[AgentLike] = [
            _AgentRow(*r[:-1]) for r in rows if r[-1] <= now or r[0] in active_then
        ]
        # registered by `now` and still not reported (nothing records how long an agent
        # that reports today waited, so a compute at a past time does not count it then)
        found += expected_agents(
            session=session, org_id=org_id, asset_ids=wanted, registered_by=now
        )
        return found

    def compute(self, *, session: Session, org_id: str, now: datetime) -> DimensionScore:
        scores = self._score(session, org_id, self._agents(session, org_id, now), now, full=True)
        fleet = AgentFleet(scores)
        dim = fleet.dimension()
        with self._lock:
            self._fleets[org_id] = _Fleet(now.date(), time.monotonic(), fleet)
        return dim

    def compute_incremental(
        self, *, session: Session, org_id: str, now: datetime, changed: frozenset[str]
    ) -> DimensionScore:
        """Re-score only the changed agents when today's fleet is kept; else fully."""
        with self._lock:
            org_lock = self._org_locks.setdefault(org_id, threading.Lock())
        with org_lock:  # one recompute at a time updates an org's kept fleet
            kept = self._fleets.get(org_id)
            usable = (
                kept is not None
                and kept.day == now.date()
                and time.monotonic() - kept.at < CACHE_TTL_S
            )
            if usable and kept is not None:
                found = self._agents(session, org_id, now, changed)
                # An agent's first report retires the placeholder kept under its asset
                # id: naming that id with no fresh score for it drops it from the fleet.
                touched = set(changed) | {a.id for a in found}
                touched |= {a.asset_id for a in found if a.asset_id}
                kept.fleet.replace(touched, self._score(session, org_id, found, now))
                return kept.fleet.dimension()
        return self.compute(session=session, org_id=org_id, now=now)

    def forget(self, org_id: str | None = None) -> None:
        """Drop kept scores (one org, or all)."""
        with self._lock:
            if org_id is None:
                self._fleets.clear()
                self._scored.clear()
            else:
                self._fleets.pop(org_id, None)
                self._scored.pop(org_id, None)
