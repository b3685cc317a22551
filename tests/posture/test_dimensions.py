"""Agent, MCP and Shadow AI dimensions against hand-computed values (docs/scoring.md)."""

from __future__ import annotations

from typing import Any

import pytest

from threatvec.agents.scoring import (
    ActivityCounts,
    AgentFacts,
    Footprint,
    RedTeamResults,
    ToolUse,
    score_agent,
)
from threatvec.mcp.scoring import McpScore, ScorePart
from threatvec.posture.dimensions import (
    McpServerScoreInput,
    ShadowServiceInput,
    agent_dimension,
    mcp_dimension,
    mcp_server_weight,
    shadow_dimension,
    shadow_risk_level,
)
from threatvec.posture.factors import Factor

# ── Agent dimension ───────────────────────────────────────────────────────

RISKY = AgentFacts(
    "agent-1",
    name="billing-bot",
    tools=(ToolUse("query_db"), ToolUse("web_fetch"), ToolUse("send_email")),
    rules=frozenset({"pii_redaction", "token_budget"}),
    activity=ActivityCounts(clean=90, pii=2, injection=1, secrets=1, blocked=2),
    verified=True,
    red_team=RedTeamResults(8, 2),
    baseline=Footprint.of(["a", "b"], ["m1"], ["x.com"]),
    recent=Footprint.of(["a", "c"], ["m1"], ["x.com", "y.com"]),
)
CALM = AgentFacts(
    "agent-2",
    name="faq-bot",
    rules=frozenset({"token_budget"}),
    approved=True,
    red_team=RedTeamResults(10, 0),
)
TRUST_RISKY = 70 * 99 / 106 + 15
RISKY_SCORE = 10 + 25 * TRUST_RISKY / 100 + 20 + 8
CALM_SCORE = 35 + 25 * 93 / 100 + 25 + 15  # 98.25


def test_agent_dimension_weights_full_trifecta_most() -> None:
    dim = agent_dimension([score_agent(RISKY), score_agent(CALM)])
    # weights 5 (three legs) and 1 (no legs)
    assert dim.value == pytest.approx((5 * RISKY_SCORE + 1 * CALM_SCORE) / 6)
    assert dim.value == pytest.approx(sum(p.points for p in dim.score.parts))
    cov = dim.score.part("rule_coverage")
    assert cov.points == pytest.approx((5 * 10 + 1 * 35) / 6)
    assert cov.max_points == 35
    assert cov.objects == ("agent-1",)
    assert "most often missing: prompt_injection_guard (1)" in cov.detail
    assert dim.coverage["agents"] == 2 and dim.coverage["full_trifecta"] == 1
    assert dim.coverage["no_legs"] == 1 and dim.coverage["untested"] == 0


def test_agent_dimension_risks_are_exact_and_ranked() -> None:
    dim = agent_dimension([score_agent(RISKY), score_agent(CALM)])
    risks = {r.id: r for r in dim.risks}
    # rule coverage of agent-1 loses 25 agent points, weighted 5 of 6
    assert risks["agent:agent-1:rule_coverage"].points_lost == pytest.approx(25 * 5 / 6)
    assert "Enable prompt_injection_guard" in risks["agent:agent-1:rule_coverage"].action
    # registration: verified → approved gains 15 trust points = 3.75 agent points
    assert risks["agent:agent-1:registration"].points_lost == pytest.approx(3.75 * 5 / 6)
    # activity: F → 0 gives 70·99/100 instead of 70·99/106, scaled by 25/100
    act_gain = (70 * 99 / 100 - 70 * 99 / 106) * 0.25
    assert risks["agent:agent-1:activity"].points_lost == pytest.approx(act_gain * 5 / 6)
    assert risks["agent:agent-1:red_team"].points_lost == pytest.approx(5 * 5 / 6)
    assert risks["agent:agent-1:drift"].points_lost == pytest.approx(7 * 5 / 6)
    # the calm agent's only loss is the trust prior, which is not a fixable risk
    assert not any(r.objects == ("agent-2",) for r in dim.risks)
    gains = [r.points_lost for r in dim.risks]
    assert gains == sorted(gains, reverse=True)


def _fields(facts: AgentFacts) -> dict:
    return {name: getattr(facts, name) for name in facts.__dataclass_fields__}


def test_agent_risk_gain_matches_a_real_recompute() -> None:
    before = agent_dimension([score_agent(RISKY), score_agent(CALM)])
    risk = next(r for r in before.risks if r.id == "agent:agent-1:rule_coverage")
    rules = frozenset(score_agent(RISKY).coverage.recommended)
    fixed = AgentFacts(**{**_fields(RISKY), "rules": rules})
    after = agent_dimension([score_agent(fixed), score_agent(CALM)])
    assert after.value - before.value == pytest.approx(risk.points_lost)


def test_agent_dimension_without_agents_is_no_data() -> None:
    dim = agent_dimension([])
    assert dim.no_data and dim.score.status == "no_data" and dim.risks == ()


def test_untested_agent_risk_names_agentbench() -> None:
    dim = agent_dimension(
        [score_agent(AgentFacts("a9", name="x", rules=frozenset({"token_budget"})))]
    )
    rt = next(r for r in dim.risks if r.id == "agent:a9:red_team")
    assert rt.points_lost == pytest.approx(15.0)
    assert "AgentBench" in rt.action and "never been red-teamed" in rt.title


# ── MCP dimension ─────────────────────────────────────────────────────────


def server(sid: str, score: float, parts: tuple[float, float, float, float] | None = None):
    if parts is None:
        return McpServerScoreInput(sid, f"name-{sid}", score)
    names = ("integrity", "covert", "catalog_trust", "schema_stability")
    maxes = (35, 35, 15, 15)
    return McpServerScoreInput(
        sid,
        f"name-{sid}",
        score,
        tuple(Factor(n, p, m, "", (sid,)) for n, p, m in zip(names, parts, maxes, strict=True)),
    )


@pytest.mark.parametrize(("score", "w"), [(100, 1), (80, 1), (79.9, 2), (50, 2), (49.9, 3), (0, 3)])
def test_mcp_server_weight_bands(score: float, w: float) -> None:
    assert mcp_server_weight(score) == w


def test_mcp_dimension_hand_computed() -> None:
    dim = mcp_dimension(
        [server("srv-1", 62, (28, 15, 7, 12)), server("srv-2", 100, (35, 35, 15, 15))]
    )
    # weights 2 (62) and 1 (100): (2·62 + 100) / 3
    assert dim.value == pytest.approx(224 / 3)
    covert = dim.score.part("covert")
    assert covert.points == pytest.approx((2 * 15 + 35) / 3)
    assert covert.objects == ("srv-1",)
    risks = {r.id: r for r in dim.risks}
    # fixing covert: 62 + 20 = 82 → weight 1: (224 - 124 + 82) / 2 = 91
    assert risks["mcp:srv-1:covert"].points_lost == pytest.approx(91 - 224 / 3)
    # fixing integrity: 62 + 7 = 69, still weight 2: (224 - 124 + 138) / 3
    assert risks["mcp:srv-1:integrity"].points_lost == pytest.approx((238 - 224) / 3)
    assert dim.risks[0].id == "mcp:srv-1:covert"
    assert "hidden instructions" in dim.risks[0].action
    assert dim.coverage == {"servers": 2, "at_risk": 0}


def test_mcp_dimension_without_parts_and_empty() -> None:
    dim = mcp_dimension([server("a", 40), server("b", 90)])
    assert dim.value == pytest.approx((3 * 40 + 90) / 4)
    assert dim.score.part("score").max_points == 100
    # fixing a: 100, weight 1: (210 - 120 + 100) / 2 = 95
    assert dim.risks[0].points_lost == pytest.approx(95 - 210 / 4)
    assert dim.coverage["at_risk"] == 1
    assert mcp_dimension([]).no_data
    with pytest.raises(ValueError):
        McpServerScoreInput("x", "x", 101)


def test_mcp_adapter_reads_the_mcp_scorer_result() -> None:
    real = McpScore(
        70,
        {
            "integrity": ScorePart(28, 35, ["unchanged since the last snapshot"]),
            "covert": ScorePart(15, 35, ["COV-1 (high) at fetch"]),
            "catalog_trust": ScorePart(15, 15, []),
            "schema_stability": ScorePart(12, 15, ["no history yet"]),
        },
    )
    inp = McpServerScoreInput.from_mcp_score("srv-9", "fetch", real)
    assert inp.score == 70
    assert [p.name for p in inp.parts] == [
        "integrity",
        "covert",
        "catalog_trust",
        "schema_stability",
    ]
    assert inp.parts[1].points == 15 and inp.parts[1].max_points == 35
    assert inp.parts[1].detail == "COV-1 (high) at fetch"
    assert inp.parts[0].objects == ("srv-9",)


# ── Shadow AI dimension ───────────────────────────────────────────────────


def svc(sid: str, *, registered: bool = False, known: bool = True, pii: int = 0, events: int = 1):
    return ShadowServiceInput(sid, f"svc {sid}", registered, known, pii, events, 1)


def test_shadow_risk_levels() -> None:
    assert shadow_risk_level(svc("a", pii=2))[0] == "HIGH"
    assert shadow_risk_level(svc("b", known=False))[0] == "HIGH"
    assert shadow_risk_level(svc("c"))[0] == "MEDIUM"
    assert shadow_risk_level(svc("d", registered=True, pii=5)) == (
        "LOW",
        "registered and approved; PII seen in 5 event(s) that sent data",
    )


def test_shadow_registered_service_with_disallowed_pii_reads_registered() -> None:
    s = ShadowServiceInput(
        "s9",
        "Claude",
        True,
        True,
        pii_uploads=4,
        events=9,
        disallowed_pii=("CREDIT_CARD", "US_SSN"),
    )
    assert shadow_risk_level(s) == (
        "HIGH",
        "registered, but received PII categories its registration does not allow: "
        "CREDIT_CARD, US_SSN",
    )
    dim = shadow_dimension([s])
    assert dim.value == pytest.approx(5000 / 60)  # a HIGH service: P = 10
    (risk,) = dim.risks
    assert "unregistered" not in risk.title and "registered, but received" in risk.title
    assert risk.action == (
        "Stop sending CREDIT_CARD, US_SSN to Claude, or allow those categories in its registration"
    )
    # an unregistered service keeps its wording; the categories matter only once registered
    unreg = ShadowServiceInput("s8", "x", False, True, pii_uploads=1, disallowed_pii=("EMAIL",))
    assert shadow_risk_level(unreg) == (
        "HIGH",
        "unregistered, PII seen in 1 event(s) that sent data",
    )
    with pytest.raises(ValueError):
        ShadowServiceInput("s7", "x", True, True, disallowed_pii=("",))


def test_shadow_pii_reason_names_what_carried_it() -> None:
    def seen(pastes: int = 0, uploads: int = 0, submits: int = 0, total: int | None = None) -> str:
        s = ShadowServiceInput(
            "s", "S", False, True, pastes + uploads + submits if total is None else total,
            pii_in_pastes=pastes, pii_in_uploads=uploads, pii_in_submits=submits,
        )  # fmt: skip
        return shadow_risk_level(s)[1]

    assert seen(pastes=3) == "unregistered, PII seen in 3 paste(s)"
    assert seen(uploads=2) == "unregistered, PII seen in 2 upload(s)"
    assert seen(pastes=3, uploads=2) == "unregistered, PII seen in 3 paste(s) and 2 upload(s)"
    assert seen(pastes=1, uploads=1, submits=4) == (
        "unregistered, PII seen in 1 paste(s), 1 upload(s) and 4 submitted prompt(s)"
    )
    # a split that does not add up (events pruned before the split was counted): no type
    assert seen(pastes=1, total=3) == "unregistered, PII seen in 3 event(s) that sent data"
    with pytest.raises(ValueError):
        ShadowServiceInput("s", "S", False, True, 1, pii_in_pastes=-1)


def test_shadow_registration_pending_approval_wording() -> None:
    def pending(**kw: Any) -> ShadowServiceInput:
        return ShadowServiceInput(
            "p", "P", False, kw.pop("known", True), approval_pending=True, **kw
        )

    assert shadow_risk_level(pending()) == (
        "MEDIUM",
        "known AI service, registered but not approved",
    )
    assert shadow_risk_level(pending(pii_uploads=2)) == (
        "HIGH",
        "registered but not approved, PII seen in 2 event(s) that sent data",
    )
    assert shadow_risk_level(pending(known=False)) == (
        "HIGH",
        "unknown, unclassified service; registered but not approved",
    )


def test_shadow_dimension_hand_computed() -> None:
    services = [
        svc("s1", pii=3, events=40),
        svc("s2", known=False, events=5),
        svc("s3", events=100),
        svc("s4", registered=True, events=500),
    ]
    dim = shadow_dimension(services)
    # P = 10 + 10 + 3 + 0 = 23; 100 · 50 / 73
    assert dim.value == pytest.approx(5000 / 73)
    assert dim.value == pytest.approx(sum(p.points for p in dim.score.parts))
    lost = 100 - 5000 / 73
    assert dim.score.part("high").points == pytest.approx(-lost * 20 / 23)
    assert dim.score.part("medium").points == pytest.approx(-lost * 3 / 23)
    assert dim.score.part("low").points == 0
    assert dim.score.part("high").objects == ("s1", "s2")  # busiest first
    risks = {r.id: r for r in dim.risks}
    assert set(risks) == {"shadow:s1", "shadow:s2", "shadow:s3"}
    assert risks["shadow:s1"].points_lost == pytest.approx(5000 / 63 - 5000 / 73)
    assert risks["shadow:s3"].points_lost == pytest.approx(5000 / 70 - 5000 / 73)
    assert dim.risks[0].id == "shadow:s1"  # same gain as s2, more events
    assert "personal data" in risks["shadow:s1"].action
    assert dim.coverage == {
        "services": 4,
        "high": 2,
        "medium": 1,
        "low": 1,
        "events": 645,
        "pii_services": 1,
    }


def test_shadow_no_telemetry_vs_no_use() -> None:
    assert shadow_dimension(None).no_data
    quiet = shadow_dimension([])
    assert quiet.value == 100.0 and not quiet.risks
    only_registered = shadow_dimension([svc("r", registered=True)])
    assert only_registered.value == 100.0


def test_never_reported_agents_count_low_and_say_so() -> None:
    waiting = score_agent(AgentFacts("asset-9", name="waiting-bot", reported=False))
    dim = agent_dimension([score_agent(CALM), waiting])
    # both have no trifecta legs: weight 1 each
    assert dim.value == pytest.approx((CALM_SCORE + waiting.value) / 2)
    assert dim.coverage["never_reported"] == 1 and dim.coverage["agents"] == 2
    assert "1 registered but never reported" in dim.score.detail
    for name in ("rule_coverage", "trust", "drift"):
        assert "1 never reported" in dim.score.part(name).detail
    assert "never reported" not in dim.score.part("red_team").detail
    kinds = {r.id for r in dim.risks if r.objects == ("asset-9",)}
    # one fix for what telemetry would show, not a rule-coverage or drift risk
    assert kinds == {
        "agent:asset-9:never_reported",
        "agent:asset-9:registration",
        "agent:asset-9:red_team",
    }
    risk = next(r for r in dim.risks if r.id == "agent:asset-9:never_reported")
    assert risk.title == "Agent waiting-bot is registered but has never reported"
    assert risk.points_lost == pytest.approx((35 + 25 * 0.7 + 15) / 2)
    only = agent_dimension([waiting])
    assert only.value == pytest.approx(waiting.value) and not only.no_data


def test_an_agent_that_never_reported_has_unknown_legs_in_its_risk_titles() -> None:
    # Its card says trifecta 'unknown', never 'low'; its red-team risk said '0 trifecta leg(s)'
    waiting = score_agent(AgentFacts("asset-9", name="waiting-bot", reported=False))
    dim = agent_dimension([score_agent(CALM), waiting])
    risk = next(r for r in dim.risks if r.id == "agent:asset-9:red_team")
    assert risk.title == "Agent waiting-bot (trifecta legs unknown) has never been red-teamed"
