"""The worked example in docs/scoring.md, number for number."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.posture.test_dimensions import CALM, RISKY, server, svc
from threatvec.agents.scoring import score_agent
from threatvec.posture.advisor import DeploymentProfile, advise_weights
from threatvec.posture.brief import build_brief
from threatvec.posture.composite import compute_posture
from threatvec.posture.dimensions import agent_dimension, mcp_dimension, shadow_dimension
from threatvec.posture.whatif import rank_risks


def test_worked_example() -> None:
    a1, a2 = score_agent(RISKY), score_agent(CALM)
    assert round(a1.value, 2) == 58.09 and a2.value == 98.25
    agents = agent_dimension([a1, a2])
    mcp = mcp_dimension(
        [server("srv-1", 62, (28, 15, 7, 12)), server("srv-2", 100, (35, 35, 15, 15))]
    )
    shadow = shadow_dimension(
        [
            svc("s1", pii=3, events=40),
            svc("s2", known=False, events=5),
            svc("s3", events=100),
            svc("s4", registered=True, events=500),
        ]
    )
    assert [round(d.value, 2) for d in (agents, mcp, shadow)] == [64.79, 74.67, 68.49]
    posture = compute_posture([agents, mcp, shadow])
    assert round(posture.value, 2) == 69.17
    assert round(compute_posture([agents, mcp, shadow_dimension(None)]).value, 2) == 69.40
    top = rank_risks(posture, 3)
    assert [(w.risk.id, round(w.gain, 1)) for w in top] == [
        ("agent:agent-1:rule_coverage", 8.3),
        ("mcp:srv-1:covert", 5.7),
        ("shadow:s1", 2.7),
    ]
    text = build_brief(posture, now=datetime(2025, 3, 1, tzinfo=UTC)).text
    assert "Expected gain: 8.3 points (69.2 to 77.5)." in text
    advice = advise_weights(DeploymentProfile.from_posture(posture))
    assert advice.weights == {"agent": 48.0, "mcp": 22.0, "shadow": 30.0}
