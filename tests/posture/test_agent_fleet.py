"""AgentFleet: the Agent dimension updated agent by agent equals the pure function's result."""

from __future__ import annotations

import random

import pytest

from threatvec.agents.scoring import ActivityCounts, AgentFacts, AgentScore, score_agent
from threatvec.posture.agent_fleet import POOL, AgentFleet
from threatvec.posture.dimensions import DimensionScore, agent_dimension

LEGS = ("private_data", "untrusted_content", "external_comms")
RULES = (
    "token_budget",
    "pii_redaction",
    "prompt_injection_guard",
    "tool_allowlist",
    "egress_allowlist",
    "output_filtering",
    "secret_scanning",
)


def random_agent(rnd: random.Random, agent_id: str) -> AgentScore:
    return score_agent(
        AgentFacts(
            agent_id=agent_id,
            name=agent_id,
            capabilities={leg: True for leg in rnd.sample(LEGS, rnd.randint(0, 3))},
            rules=frozenset(rnd.sample(RULES, rnd.randint(0, 4))),
            verified=rnd.random() < 0.5,
            approved=rnd.random() < 0.3,
            activity=ActivityCounts(clean=rnd.randint(0, 50), pii=rnd.choice((0, 0, 1, 3))),
        )
    )


def assert_same(got: DimensionScore, want: DimensionScore) -> None:
    assert got.value == pytest.approx(want.value, abs=1e-9)
    assert got.coverage == want.coverage
    assert got.score.detail == want.score.detail
    for g, w in zip(got.score.parts, want.score.parts, strict=True):
        assert (g.name, g.objects) == (w.name, w.objects)
        assert g.points == pytest.approx(w.points, abs=1e-9)
        # the three most often missing rules can tie; their counts must agree
        if g.name != "rule_coverage":
            assert g.detail == w.detail
    assert [r.id for r in got.risks] == [r.id for r in want.risks]
    assert [r.points_lost for r in got.risks] == pytest.approx(
        [r.points_lost for r in want.risks], abs=1e-9
    )
    assert [r.title for r in got.risks] == [r.title for r in want.risks]


def test_many_single_changes_stay_equal_to_a_full_aggregate() -> None:
    rnd = random.Random(11)
    scores = {f"a{i:04d}": random_agent(rnd, f"a{i:04d}") for i in range(3 * POOL)}
    fleet = AgentFleet(scores)
    assert_same(fleet.dimension(), agent_dimension(list(scores.values())))
    for step in range(120):
        agent_id = f"a{rnd.randrange(3 * POOL + 20):04d}"  # sometimes a new agent
        if step % 17 == 0 and agent_id in scores:
            del scores[agent_id]  # deleted
            fleet.replace([agent_id], {})
        else:
            scores[agent_id] = random_agent(rnd, agent_id)
            fleet.replace([agent_id], {agent_id: scores[agent_id]})
        assert_same(fleet.dimension(), agent_dimension(list(scores.values())))


def test_fixing_the_top_agents_forces_the_pools_to_refill() -> None:
    rnd = random.Random(5)
    scores = {f"b{i:04d}": random_agent(rnd, f"b{i:04d}") for i in range(2 * POOL + 50)}
    fleet = AgentFleet(scores)

    def perfect(agent_id: str) -> AgentScore:
        return score_agent(
            AgentFacts(
                agent_id=agent_id,
                name=agent_id,
                rules=frozenset(RULES),
                verified=True,
                approved=True,
            )
        )

    # fix the agents behind the current top risks one batch at a time: the pool empties
    for _ in range(4):
        top = {r.objects[0] for r in fleet.dimension().risks}
        fixed = {a: perfect(a) for a in top}
        scores.update(fixed)
        fleet.replace(top, fixed)
        assert_same(fleet.dimension(), agent_dimension(list(scores.values())))


def test_empty_fleet_is_no_data() -> None:
    fleet = AgentFleet({})
    assert fleet.dimension().no_data
    rnd = random.Random(1)
    a = random_agent(rnd, "x")
    fleet.replace(["x"], {"x": a})
    assert_same(fleet.dimension(), agent_dimension([a]))
    fleet.replace(["x"], {})
    assert fleet.dimension().no_data


def test_never_reported_agents_update_like_any_other() -> None:
    rnd = random.Random(5)
    scores = {f"a{i:03d}": random_agent(rnd, f"a{i:03d}") for i in range(40)}
    scores["asset-x"] = score_agent(AgentFacts("asset-x", name="waiting", reported=False))
    fleet = AgentFleet(scores)
    assert_same(fleet.dimension(), agent_dimension(list(scores.values())))
    assert fleet.dimension().coverage["never_reported"] == 1
    # it reports: the placeholder goes, the agent comes under its own id
    reported = score_agent(AgentFacts("agent-x", name="waiting", rules=frozenset({"token_budget"})))
    fleet.replace(["asset-x", "agent-x"], {"agent-x": reported})
    del scores["asset-x"]
    scores["agent-x"] = reported
    assert_same(fleet.dimension(), agent_dimension(list(scores.values())))
    assert fleet.dimension().coverage["never_reported"] == 0
