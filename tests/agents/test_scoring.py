"""Agent-level formulas against hand-computed values (docs/scoring.md, "Agent score")."""

from __future__ import annotations

import pytest

from threatvec.agents.scoring import (
    ActivityCounts,
    AgentFacts,
    Footprint,
    RedTeamResults,
    ToolUse,
    agent_weight,
    drift,
    is_external_host,
    rule_coverage,
    score_agent,
    trifecta,
    trust_score,
)

# ── external hosts and the trifecta ───────────────────────────────────────


@pytest.mark.parametrize(
    ("host", "external"),
    [
        ("evil.example.com", True),
        ("8.8.8.8", True),
        ("10.0.0.5", False),
        ("127.0.0.1", False),
        ("[::1]", False),
        ("localhost", False),
        ("billing", False),
        ("db.internal", False),
        ("crm.acme.com", False),  # the org's own domain (see internal_domains below)
        ("api.openai.com", False),
        ("myres.openai.azure.com", False),
    ],
)
def test_is_external_host(host: str, external: bool) -> None:
    assert is_external_host(host, ["acme.com"]) is external


def test_trifecta_from_observed_behaviour_with_evidence() -> None:
    facts = AgentFacts(
        "a1",
        tools=(ToolUse("query_db"), ToolUse("web_fetch"), ToolUse("get_time")),
        destinations=("hooks.slack.com", "10.1.2.3"),
    )
    t = trifecta(facts)
    legs = {leg.leg: leg for leg in t.legs}
    assert legs["private_data"].evidence == ("tool:query_db",)
    assert legs["untrusted_content"].evidence == ("tool:web_fetch",)
    assert legs["external_comms"].evidence == ("destination:hooks.slack.com",)
    assert t.count == 3 and t.full and t.risk == "maximum"


def test_trifecta_declared_and_contradicted_declarations() -> None:
    facts = AgentFacts(
        "a1",
        capabilities={"private_data": True, "untrusted_content": None, "external_comms": False},
        tools=(ToolUse("send_email"),),
    )
    legs = {leg.leg: leg for leg in trifecta(facts).legs}
    assert legs["private_data"].present and legs["private_data"].evidence == ("declared",)
    assert not legs["untrusted_content"].present
    # declared False, but the agent was seen sending mail: observed behaviour wins
    assert legs["external_comms"].present
    assert legs["external_comms"].evidence == ("declared false, but observed", "tool:send_email")
    assert trifecta(facts).count == 2


def test_trifecta_nothing() -> None:
    t = trifecta(AgentFacts("a1", capabilities={"private_data": False}))
    assert t.count == 0 and t.risk == "low" and not t.full


def test_agent_weight() -> None:
    assert [agent_weight(n) for n in range(4)] == [1.0, 2.0, 3.0, 5.0]


# ── drift ─────────────────────────────────────────────────────────────────


def test_drift_weighted_jaccard_hand_computed() -> None:
    base = Footprint.of(["a", "b"], ["m1"], ["x.com"])
    recent = Footprint.of(["a", "c"], ["m1"], ["x.com", "y.com"])
    d = drift(base, recent)
    # tools 1 - 1/3 = 2/3; destinations 1 - 1/2; models 0
    # (0.4·2/3 + 0.4·1/2 + 0.2·0) / 1.0 = 7/15
    assert d.value == pytest.approx(7 / 15)
    assert d.facets == pytest.approx({"tools": 2 / 3, "destinations": 0.5, "models": 0.0})
    assert [(c.kind, c.facet, c.item) for c in d.changes] == [
        ("new", "tools", "c"),
        ("new", "destinations", "y.com"),
        ("gone", "tools", "b"),
    ]


def test_drift_renormalises_over_facets_with_data() -> None:
    d = drift(Footprint.of(models=["m1"]), Footprint.of(models=["m2"]))
    assert d.value == pytest.approx(1.0)
    assert set(d.facets) == {"models"}


def test_drift_no_baseline_and_nothing_used() -> None:
    assert drift(None, Footprint.of(["a"])).value is None
    assert drift(Footprint(), Footprint()).value == 0.0
    assert drift(Footprint.of(["a"]), Footprint.of(["a"])).value == 0.0


# ── trust ─────────────────────────────────────────────────────────────────


def test_trust_prior_for_a_new_unregistered_agent() -> None:
    t = trust_score(ActivityCounts(), verified=False, approved=False)
    assert t.value == pytest.approx(63.0)  # 70 · 9/10 + 0


def test_trust_hand_computed() -> None:
    act = ActivityCounts(clean=90, pii=2, injection=1, secrets=1, blocked=2)
    # F = 2 + 1 + 2·1 + 0.5·2 = 6; 70 · 99/106 + 30 (approved)
    t = trust_score(act, verified=True, approved=True)
    assert t.value == pytest.approx(70 * 99 / 106 + 30)
    assert t.parts[0].points == pytest.approx(70 * 99 / 106)
    assert t.parts[1].points == 30
    assert "weighted 6" in t.parts[0].detail


def test_trust_smoothing_and_registration_levels() -> None:
    one_flag = trust_score(ActivityCounts(pii=1), verified=True, approved=False)
    assert one_flag.value == pytest.approx(70 * 9 / 11 + 15)  # one event does not sink it
    secret = trust_score(ActivityCounts(secrets=1), verified=False, approved=False)
    assert secret.value == pytest.approx(70 * 9 / 12)  # a leaked secret weighs 2
    many = trust_score(ActivityCounts(pii=100), verified=False, approved=False)
    assert many.value == pytest.approx(70 * 9 / 110)
    with pytest.raises(ValueError):
        ActivityCounts(clean=-1)


# ── rule coverage ─────────────────────────────────────────────────────────


def test_rule_coverage_hand_computed() -> None:
    cov = rule_coverage(
        {"pii_redaction", "token_budget", "egress_allowlist", "custom_x"},
        {"private_data"},
        set(),
    )
    assert cov.recommended == (
        "pii_redaction",
        "tool_allowlist",
        "output_filtering",
        "token_budget",
        "secret_scanning",
    )
    assert cov.in_force == ("pii_redaction", "token_budget")
    assert cov.missing == ("tool_allowlist", "output_filtering", "secret_scanning")
    assert cov.extra == ("egress_allowlist",)
    assert cov.unknown == ("custom_x",)
    assert cov.ratio == pytest.approx(2 / 5)
    assert cov.rule_count == 3


# ── the agent score ───────────────────────────────────────────────────────


def full_trifecta_agent() -> AgentFacts:
    return AgentFacts(
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


def test_agent_score_hand_computed() -> None:
    s = score_agent(full_trifecta_agent())
    parts = {p.name: p for p in s.score.parts}
    # 7 rules recommended for a full trifecta, 2 in force: 35 · 2/7 = 10
    assert parts["rule_coverage"].points == pytest.approx(10.0)
    assert "missing: prompt_injection_guard, tool_allowlist, egress_allowlist" in (
        parts["rule_coverage"].detail
    )
    # trust = 70·99/106 + 15 (verified, not approved); part = 25 · trust / 100
    trust = 70 * 99 / 106 + 15
    assert parts["trust"].points == pytest.approx(25 * trust / 100)
    assert parts["red_team"].points == pytest.approx(20.0)  # 25 · 8/10
    assert parts["drift"].points == pytest.approx(15 * (1 - 7 / 15))  # 8
    assert s.value == pytest.approx(10 + 25 * trust / 100 + 20 + 8)
    assert s.value == pytest.approx(sum(p.points for p in s.score.parts))
    assert s.weight == 5.0
    assert all(p.objects == ("agent-1",) for p in s.score.parts)
    assert s.to_dict()["red_team"] == {"passed": 8, "failed": 2}


def test_untested_agent_is_shown_untested_and_costs_points() -> None:
    facts = AgentFacts("a2", rules=frozenset({"token_budget"}), approved=True)
    s = score_agent(facts)
    rt = s.score.part("red_team")
    assert rt.detail == "untested" and rt.points == 10.0 and rt.lost == 15.0
    assert s.to_dict()["red_team"] == "untested"
    # coverage 35 (1/1) + trust 25·(63+30)/100 + red team 10 + drift 15 (no baseline)
    assert s.value == pytest.approx(35 + 25 * 93 / 100 + 10 + 15)
    assert s.score.part("drift").detail == "no baseline yet"
    zero_runs = score_agent(
        AgentFacts("a3", rules=frozenset({"token_budget"}), red_team=RedTeamResults(0, 0))
    )
    assert zero_runs.score.part("red_team").detail == "untested"


def test_all_failing_red_team_scores_zero_on_that_part() -> None:
    s = score_agent(AgentFacts("a4", red_team=RedTeamResults(0, 5)))
    assert s.score.part("red_team").points == 0.0


# ── never reported (registered in the assets registry, no telemetry) ──────


def test_a_never_reported_agent_earns_nothing_telemetry_would_show() -> None:
    s = score_agent(AgentFacts("asset-1", name="waiting", approved=True, reported=False))
    parts = {p.name: p for p in s.score.parts}
    assert parts["rule_coverage"].points == 0 and "never reported" in parts["rule_coverage"].detail
    assert parts["drift"].points == 0 and "never reported" in parts["drift"].detail
    # trust: no activity prior (0 of 70), approval still counts (30 of 30)
    assert [(p.name, p.points) for p in s.trust.parts] == [("activity", 0.0), ("registration", 30)]
    assert parts["trust"].points == pytest.approx(7.5) and parts["red_team"].points == 10.0
    assert s.value == pytest.approx(17.5) and s.reported is False
    # the same facts from an agent that reports score as a healthy, quiet agent
    healthy = score_agent(AgentFacts("asset-1", name="waiting", approved=True))
    assert healthy.value > 2 * s.value


def test_a_never_reported_agent_keeps_its_red_team_results() -> None:
    s = score_agent(AgentFacts("asset-1", red_team=RedTeamResults(4, 0), reported=False))
    assert s.score.part("red_team").points == 25.0
    assert s.trust.parts[1].detail == "in the assets registry, not approved yet"
