"""The enforcement factor of the Agent dimension: documented, bounded, no data = no change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.enforcement.helpers import add_agent, event, make_source, post_signed
from threatvec.enforcement.posture import AgentProvider, evidence
from threatvec.posture.agent_provider import AgentProvider as PlainAgentProvider
from threatvec.posture.dimensions import DimensionScore
from threatvec.posture.enforcement import RISK_ID, EnforcementEvidence, apply_enforcement
from threatvec.posture.factors import Factor, Score
from threatvec.posture.recompute import changes_of
from threatvec.signals.models import Signal
from threatvec.store.engine import session_scope


def _dim(rule_points: float = 15.0) -> DimensionScore:
    parts = (
        Factor("rule_coverage", rule_points, 35.0, "rules"),
        Factor("trust", 20.0, 25.0, "trust"),
        Factor("red_team", 10.0, 25.0, "untested"),
        Factor("drift", 15.0, 15.0, "no baseline"),
    )
    return DimensionScore("agent", Score.from_parts(parts, "fleet"), (), {"agents": 2})


def test_no_enforcement_data_changes_nothing() -> None:
    dim = _dim()
    assert apply_enforcement(dim, None) is dim
    assert apply_enforcement(dim, EnforcementEvidence(0, 0, 0.0, 5)) is dim
    empty = DimensionScore("agent", Score.missing("no agents reporting"))
    assert apply_enforcement(empty, EnforcementEvidence(4, 4, 1.0, 10)) is empty


@pytest.mark.parametrize(
    ("covered", "weighted", "blocked", "expected"),
    [
        (0, 0.0, 0, 0.0),
        (2, 0.5, 0, 10 * 0.5 * 0.5),  # cap 10 (half of 20 lost) · 50 % · act 0.5
        (4, 1.0, 5, 10 * 1.0 * 0.75),
        (4, 1.0, 10, 10.0),
        (4, 1.0, 500, 10.0),  # the evidence term is capped
    ],
)
def test_credit_is_bounded_and_the_parts_still_sum(covered, weighted, blocked, expected) -> None:
    dim = _dim(rule_points=15.0)  # 20 of 35 rule-coverage points lost
    out = apply_enforcement(dim, EnforcementEvidence(4, covered, weighted, blocked, ("a1",)))
    enf = out.score.part("enforcement")
    assert enf.max_points == pytest.approx(10.0) and enf.points == pytest.approx(expected)
    assert out.score.part("rule_coverage").max_points == pytest.approx(25.0)
    assert out.value == pytest.approx(dim.value + expected)
    assert out.value == pytest.approx(sum(p.points for p in out.score.parts))
    assert sum(p.max_points for p in out.score.parts) == pytest.approx(100.0)
    assert out.coverage["enforcement_pairs"] == 4 and out.coverage["enforcement_covered"] == covered
    risk = [r for r in out.risks if r.id == RISK_ID]
    if covered < 4:
        assert risk and risk[0].points_lost == pytest.approx(
            10 * (0.5 + 0.5 * min(1, blocked / 10)) - expected
        )
        assert risk[0].objects == ("a1",)
    else:
        assert not risk


def test_full_rule_coverage_leaves_nothing_to_earn() -> None:
    out = apply_enforcement(_dim(rule_points=35.0), EnforcementEvidence(3, 3, 1.0, 10))
    assert out.score.part("enforcement").max_points == 0 and out.value == _dim(35.0).value


def test_provider_adds_the_factor_only_with_enforcement_data(api, client, org, session_factory):
    tools = [("query_db", None), ("web_fetch", "example.org"), ("send_email", "smtp.example.com")]
    add_agent(session_factory, org.id, "mailer", tools)
    add_agent(session_factory, org.id, "runner", [("run_shell", None)])
    now = datetime.now(UTC)
    with session_scope(session_factory) as s:
        plain = PlainAgentProvider().compute(session=s, org_id=org.id, now=now)
        before = AgentProvider().compute(session=s, org_id=org.id, now=now)
        assert evidence(session=s, org_id=org.id, now=now) is None
    assert before == plain  # no enforcement data: exactly today's dimension
    source = make_source(api)
    post_signed(
        client, source, event(agent="mailer", tool="send_email"), event(agent="runner", tool=None)
    )
    now = datetime.now(UTC)
    with session_scope(session_factory) as s:
        ev = evidence(session=s, org_id=org.id, now=now)
        after = AgentProvider().compute(session=s, org_id=org.id, now=now)
        plain = PlainAgentProvider().compute(session=s, org_id=org.id, now=now)
    assert ev is not None and ev.pairs == 4 and ev.covered == 2 and ev.blocked == 2
    # critical send_email (2) + high run_shell (1) of 2+2+2+1
    assert ev.weighted_coverage == pytest.approx(3 / 7)
    lost = plain.score.part("rule_coverage").lost
    expected = 0.5 * lost * (3 / 7) * (0.5 + 0.5 * 2 / 10)
    assert after.score.part("enforcement").points == pytest.approx(expected)
    assert after.value == pytest.approx(plain.value + expected) and after.value > plain.value
    assert "2 of 4 high-risk agent-tool pairs" in after.score.part("enforcement").detail


def test_enforcement_signals_and_tables_mark_the_agent_dimension() -> None:
    sig = Signal(org_id="o1", kind="enforcement.event", data={"agent_id": "a1"})
    assert changes_of([sig]) == {"o1": {"agent": {"a1"}}}
    unresolved = Signal(org_id="o1", kind="enforcement.event", data={"agent_id": None})
    assert changes_of([unresolved]) == {"o1": {"agent": None}}
