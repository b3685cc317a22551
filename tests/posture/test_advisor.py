"""Weight advice from the deployment profile (hand-computed), never applied."""

from __future__ import annotations

import pytest

from threatvec.agents.scoring import AgentFacts, ToolUse, score_agent
from threatvec.posture.advisor import DeploymentProfile, advise_weights
from threatvec.posture.composite import DEFAULT_WEIGHTS, compute_posture, validate_weights
from threatvec.posture.dimensions import (
    McpServerScoreInput,
    ShadowServiceInput,
    agent_dimension,
    mcp_dimension,
    shadow_dimension,
)


def test_nothing_deployed_keeps_the_defaults() -> None:
    a = advise_weights(DeploymentProfile())
    assert a.weights == DEFAULT_WEIGHTS
    assert a.reasons == ("Nothing deployed yet: keep the defaults 40/35/25.",)


def test_risky_fleet_few_servers_pii_in_shadow() -> None:
    profile = DeploymentProfile(
        agents=2,
        agents_full_trifecta=1,
        mcp_servers=2,
        shadow_services=3,
        shadow_high=1,
        shadow_pii_services=1,
        shadow_events=640,
    )
    a = advise_weights(profile, DEFAULT_WEIGHTS)
    # raw 55 / 25 / 35 = 115 → 47.83 / 21.74 / 30.43 → 47/21/30 + remainders to agent, mcp
    assert a.weights == {"agent": 48.0, "mcp": 22.0, "shadow": 30.0}
    text = " ".join(a.reasons)
    assert "Agents +15" in text and "MCP servers −10" in text and "Shadow AI +10" in text
    assert "sum 115" in text
    d = a.to_dict()
    assert d["applied"] is False and d["differs_from_current"] is True
    assert d["current"] == DEFAULT_WEIGHTS


def test_calm_small_deployment_largest_remainder() -> None:
    profile = DeploymentProfile(agents=5, mcp_servers=1, shadow_services=2, shadow_events=10)
    a = advise_weights(profile)
    # raw 30 / 25 / 15 = 70 → 42.86 / 35.71 / 21.43 → 42/35/21 (98) + 1 agent + 1 mcp
    assert a.weights == {"agent": 43.0, "mcp": 36.0, "shadow": 21.0}


def test_moderate_risk_and_heavy_shadow_use_and_big_mcp_estate() -> None:
    profile = DeploymentProfile(
        agents=10,
        agents_full_trifecta=1,
        agents_two_legs=2,  # share (1 + 0.5·2)/10 = 0.2
        mcp_servers=25,
        mcp_at_risk=1,
        shadow_services=10,
        shadow_high=3,
        shadow_events=200_000,
    )
    a = advise_weights(profile)
    # raw 48 / 43 / 40 = 131 → 36.64 / 32.82 / 30.53 → 36/32/30 (98) + agent + mcp
    assert a.weights == {"agent": 37.0, "mcp": 33.0, "shadow": 30.0}
    assert any("Agents +8" in r for r in a.reasons)
    assert any("heavy use" in r for r in a.reasons)


def test_dimension_without_deployment_gets_zero() -> None:
    a = advise_weights(DeploymentProfile(agents=3))
    assert a.weights == {"agent": 100.0, "mcp": 0.0, "shadow": 0.0}
    assert any(r.startswith("MCP servers 0") for r in a.reasons)
    assert not a.differs  # nothing to compare with
    same = advise_weights(DeploymentProfile(agents=3), {"agent": 100, "mcp": 0, "shadow": 0})
    assert not same.differs


@pytest.mark.parametrize("agents", [0, 1, 7, 100])
@pytest.mark.parametrize("servers", [0, 1, 30])
@pytest.mark.parametrize("services", [0, 2, 50])
def test_advice_is_always_valid_weights(agents: int, servers: int, services: int) -> None:
    profile = DeploymentProfile(
        agents=agents,
        agents_full_trifecta=agents // 2,
        mcp_servers=servers,
        mcp_at_risk=servers // 3,
        shadow_services=services,
        shadow_high=services // 10,
    )
    validate_weights(advise_weights(profile).weights)


def test_profile_from_posture() -> None:
    risky = AgentFacts(
        "a1", tools=(ToolUse("query_db"), ToolUse("web_fetch"), ToolUse("send_email"))
    )
    posture = compute_posture(
        [
            agent_dimension([score_agent(risky), score_agent(AgentFacts("a2"))]),
            mcp_dimension([McpServerScoreInput("s1", "s1", 40)]),
            shadow_dimension([ShadowServiceInput("x", "x", False, True, pii_uploads=1, events=7)]),
        ]
    )
    p = DeploymentProfile.from_posture(posture)
    assert p == DeploymentProfile(
        agents=2,
        agents_full_trifecta=1,
        agents_two_legs=0,
        mcp_servers=1,
        mcp_at_risk=1,
        shadow_services=1,
        shadow_high=1,
        shadow_pii_services=1,
        shadow_events=7,
    )
    with pytest.raises(ValueError):
        DeploymentProfile(agents=-1)


def test_agents_that_never_reported_have_unknown_legs_and_do_not_count_as_safe() -> None:
    # One agent registered in the assets registry, no telemetry yet: its legs are
    # unknown. The advisor said "Agents −10: none of the 1 agents has two or more
    # trifecta legs" and suggested the Agent dimension count less.
    waiting = score_agent(AgentFacts("asset-1", name="waiting", reported=False))
    profile = DeploymentProfile.from_posture(compute_posture([agent_dimension([waiting])]))
    assert profile.agents == 1 and profile.agents_never_reported == 1
    a = advise_weights(profile)
    assert not any(r.startswith("Agents −10") for r in a.reasons), a.reasons
    assert any("never reported" in r and "unknown" in r for r in a.reasons), a.reasons
    # the risk share is over the agents whose legs are known: 1 full trifecta of the
    # 2 that report is 0.5 (+15), not 1 of 4 (0.25, +8)
    mixed = DeploymentProfile(agents=4, agents_full_trifecta=1, agents_never_reported=2)
    assert any(r.startswith("Agents +15") for r in advise_weights(mixed).reasons)
    # and none of the reporting agents having two legs says how many that is
    calm = DeploymentProfile(agents=3, agents_never_reported=1)
    assert "none of the 2 agents that report" in " ".join(advise_weights(calm).reasons)


def test_a_dimension_with_nothing_in_use_is_not_said_to_have_no_data() -> None:
    # Shadow telemetry that saw no AI service scores 100 (it has data); the advisor
    # said "Shadow AI 0: nothing deployed yet, so the dimension has no data".
    quiet = compute_posture(
        [agent_dimension([score_agent(AgentFacts("a1"))]), shadow_dimension([])]
    )
    assert quiet.dimension("shadow").value == 100.0
    a = advise_weights(DeploymentProfile.from_posture(quiet))
    shadow = next(r for r in a.reasons if r.startswith("Shadow AI 0"))
    assert "no data" not in shadow and "no AI service" in shadow, shadow
    assert a.weights["shadow"] == 0.0  # the rule itself is unchanged (docs/scoring.md)
