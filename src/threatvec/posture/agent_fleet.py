"""The Agent dimension kept up to date agent by agent: one event re-aggregates in O(changed).

`agent_dimension` (dimensions.py) recomputes the fleet from every agent's
score; with 10,000 agents that is most of a second of pure Python. `AgentFleet`
gives the same result (same value, factors, coverage and ranked risks) but keeps
running sums (Σ w, Σ w·part, counters) and small *pools* of the best
candidates for the factor objects and the risks, so replacing one agent's score
costs the pool, not the fleet.

Why a pool is exact: it holds the top `POOL` candidates when it is built, and
every agent changed since then. An unchanged agent outside it ranked below the
pool's boundary (`floor`) and still does (its weight and losses did not move;
the fleet total scales every gain alike). So the top k of the pool is the top k
of the fleet as long as its k-th entry ranks at or above the floor; otherwise
the pool is rebuilt from all scores.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping

from threatvec.agents.scoring import PART_MAX, AgentScore
from threatvec.posture.dimensions import (
    RISK_LIMIT,
    DimensionScore,
    _agent_fleet_detail,  # the factor wording is the pure function's, not a copy
    _agent_part_detail,
    _agent_risks,
    agent_dimension,
)
from threatvec.posture.factors import Factor, Risk, Score

__all__ = ["POOL", "AgentFleet"]

POOL = 200
OBJECT_LIMIT = 10  # factor objects shown (top_objects' default)
_EPS = 1e-9
_PARTS = tuple(PART_MAX)

# ranking key of a (value, id) pair, as top_objects orders it: largest value, then id
_Key = tuple[float, str]


def _untested(a: AgentScore) -> bool:
    return a.red_team is None or a.red_team.passed + a.red_team.failed == 0


class _TopPool:
    """The best (value, id) pairs of one ranking, with the boundary the rest sat below."""

    def __init__(self, pairs: Iterable[tuple[float, str]], size: int) -> None:
        ranked = heapq.nsmallest(size + 1, ((-v, i) for v, i in pairs if v > 0))
        self.floor: _Key | None = ranked[size] if len(ranked) > size else None
        self.items: dict[str, float] = {i: -nv for nv, i in ranked[:size]}

    def put(self, obj: str, value: float) -> None:
        self.items.pop(obj, None)
        if value > 0:
            self.items[obj] = value

    def top(self, k: int) -> tuple[list[str], bool]:
        """The top k ids and whether they are certain (else: rebuild)."""
        ranked = heapq.nsmallest(k, ((-v, i) for i, v in self.items.items()))
        ok = self.floor is None or (len(ranked) == k and ranked[-1] <= self.floor)
        return [i for _, i in ranked], ok


class AgentFleet:
    """Every agent's score plus the sums and pools that make the dimension cheap to update."""

    def __init__(self, scores: Mapping[str, AgentScore]) -> None:
        self.scores: dict[str, AgentScore] = dict(scores)
        self.total_w = 0.0
        self.part_sums = [0.0] * len(_PARTS)
        self.losing = [0] * len(_PARTS)
        self.missing: Counter[str] = Counter()
        self.untested = 0
        self.unreported = 0
        self.legs: Counter[int] = Counter()
        # the sums and the loser candidates in one pass over the fleet (10,000 agents)
        losses: list[list[tuple[float, str]]] = [[] for _ in _PARTS]
        for a in self.scores.values():
            self._count(a, +1, losses)
        self.losers = [_TopPool(pairs, POOL) for pairs in losses]
        self._rebuild_risks()

    # ── running sums ──────────────────────────────────────────────────────

    def _count(
        self, a: AgentScore, sign: int, losses: list[list[tuple[float, str]]] | None = None
    ) -> None:
        w = a.weight
        self.total_w += sign * w
        for i, part in enumerate(a.score.parts):
            self.part_sums[i] += sign * w * part.points
            lost = part.max_points - part.points
            if lost > _EPS:
                self.losing[i] += sign
                if losses is not None:
                    losses[i].append((w * lost, a.agent_id))
        if sign > 0:
            self.missing.update(a.coverage.missing)
        else:
            self.missing.subtract(a.coverage.missing)
        self.untested += sign * _untested(a)
        self.unreported += sign * (not a.reported)
        self.legs[a.trifecta.count] += sign

    # ── pools ─────────────────────────────────────────────────────────────

    def _loss(self, a: AgentScore, i: int) -> float:
        lost = a.score.parts[i].lost
        return a.weight * lost if lost > _EPS else 0.0

    def _risks_of(self, agents: list[AgentScore], limit: int) -> tuple[Risk, ...]:
        return _agent_risks(agents, [a.weight for a in agents], self.total_w, limit)

    def _risk_key(self, r: Risk) -> tuple[float, str, str]:
        # the order _agent_risks ranks by (gain, agent id, kind), with the gain made
        # independent of the fleet total (w·recovered) so a floor outlives total changes;
        # rounded so float noise from the scaling does not split equal gains
        return (-round(r.points_lost * self.total_w, 9), r.objects[0], r.id.rsplit(":", 1)[1])

    def _rebuild_risks(self) -> None:
        ranked = self._risks_of(list(self.scores.values()), POOL + 1) if self.scores else ()
        self.risk_floor: tuple[float, str, str] | None = (
            self._risk_key(ranked[POOL]) if len(ranked) > POOL else None
        )
        self.risk_pool: set[str] = {r.objects[0] for r in ranked[:POOL]}

    # ── updates ───────────────────────────────────────────────────────────

    def replace(self, changed: Iterable[str], fresh: Mapping[str, AgentScore]) -> None:
        """Drop the changed agents' old scores and add their new ones (absent: deleted)."""
        for agent_id in changed:
            old = self.scores.pop(agent_id, None)
            if old is not None:
                self._count(old, -1)
            new = fresh.get(agent_id)
            if new is not None:
                self.scores[agent_id] = new
                self._count(new, +1)
            for i, pool in enumerate(self.losers):
                pool.put(agent_id, self._loss(new, i) if new is not None else 0.0)
            self.risk_pool.add(agent_id)
        if len(self.risk_pool) > 4 * POOL:
            self._rebuild_risks()

    # ── the dimension ─────────────────────────────────────────────────────

    def _objects(self, i: int) -> tuple[str, ...]:
        ids, ok = self.losers[i].top(OBJECT_LIMIT)
        if not ok:
            self.losers[i] = _TopPool(
                ((self._loss(a, i), a.agent_id) for a in self.scores.values()), POOL
            )
            ids, _ = self.losers[i].top(OBJECT_LIMIT)
        return tuple(ids)

    def _risks(self) -> tuple[Risk, ...]:
        agents = [self.scores[i] for i in self.risk_pool if i in self.scores]
        risks = self._risks_of(agents, RISK_LIMIT)
        if self.risk_floor is not None:
            last = risks[-1] if len(risks) == RISK_LIMIT else None
            if last is None or self._risk_key(last) > self.risk_floor:
                self._rebuild_risks()
                agents = [self.scores[i] for i in self.risk_pool if i in self.scores]
                risks = self._risks_of(agents, RISK_LIMIT)
        return risks

    def dimension(self) -> DimensionScore:
        """The same `DimensionScore` as ``agent_dimension(all scores)``."""
        n = len(self.scores)
        if n == 0:
            return agent_dimension([])
        missing = +self.missing  # drop rules no agent misses any more
        parts = []
        for i, name in enumerate(_PARTS):
            detail = _agent_part_detail(
                name, self.losing[i], n, missing, self.untested, self.unreported
            )
            parts.append(
                Factor(
                    name,
                    self.part_sums[i] / self.total_w,
                    PART_MAX[name],
                    detail,
                    self._objects(i),
                )
            )
        score = Score.from_parts(parts, _agent_fleet_detail(n, self.legs[3], self.unreported))
        return DimensionScore(
            "agent",
            score,
            self._risks(),
            {
                "agents": n,
                "full_trifecta": self.legs[3],
                "two_legs": self.legs[2],
                "one_leg": self.legs[1],
                "no_legs": self.legs[0],
                "untested": self.untested,
                "never_reported": self.unreported,
            },
        )
