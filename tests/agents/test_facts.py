"""Scoring inputs from the stored rollups: windows, grouping, both query shapes, tenancy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import OrgHandle, create_org
from threatvec.agents import facts as facts_module
from threatvec.agents.facts import build_facts, build_scoring_facts, load_usage
from threatvec.agents.models import Agent, AgentActivity, AgentUsage
from threatvec.agents.scoring import ActivityCounts, Footprint, RedTeamResults, score_agent
from threatvec.assets.models import Asset
from threatvec.orgs import service as orgs
from threatvec.redteam.models import RedTeamResult, RedTeamRun

pytestmark = pytest.mark.db

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def _day(days_ago: int) -> date:
    return TODAY - timedelta(days=days_ago)


def _usage(org_id: str, agent_id: str, facet: str, item: str, days_ago: int, count: int) -> Any:
    return AgentUsage(
        org_id=org_id,
        agent_id=agent_id,
        facet=facet,
        item=item,
        day=_day(days_ago),
        count=count,
        last_seen=NOW - timedelta(days=days_ago, hours=1),
    )


def _activity(org_id: str, agent_id: str, days_ago: int, **counts: int) -> Any:
    return AgentActivity(org_id=org_id, agent_id=agent_id, day=_day(days_ago), **counts)


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> Iterator[tuple[Session, OrgHandle]]:
    """Two orgs; the first has three agents with usage in and out of every window."""
    org = create_org(session_factory)
    other = create_org(session_factory)
    with session_factory() as s:
        asset = Asset(org_id=org.id, kind="agent", name="a-asset", approved=True)
        s.add(asset)
        s.flush()
        a = Agent(
            org_id=org.id,
            name="alpha",
            registered=True,
            asset_id=asset.id,
            capabilities={"private_data": True, "external_comms": "yes"},  # non-bool dropped
            rules=["token_budget", 7],
            first_seen=NOW - timedelta(days=60),
        )
        b = Agent(org_id=org.id, name="beta", first_seen=NOW - timedelta(days=1))
        c = Agent(org_id=org.id, name="gamma", first_seen=NOW - timedelta(days=60))
        x = Agent(org_id=other.id, name="alpha", first_seen=NOW - timedelta(days=60))
        s.add_all([a, b, c, x])
        s.flush()
        s.add_all(
            [
                # alpha: crm_lookup in the baseline only, send_email recent only,
                # kb_search in both; one row too old and one in the future
                _usage(org.id, a.id, "tool", "crm_lookup", 10, 4),
                _usage(org.id, a.id, "tool", "crm_lookup", 20, 6),
                _usage(org.id, a.id, "tool", "send_email", 0, 2),
                _usage(org.id, a.id, "tool", "kb_search", 1, 1),
                _usage(org.id, a.id, "tool", "kb_search", 5, 3),
                _usage(org.id, a.id, "tool", "ancient_tool", 40, 9),
                _usage(org.id, a.id, "tool", "future_tool", -1, 9),
                _usage(org.id, a.id, "model", "gpt-4o", 3, 5),
                _usage(org.id, a.id, "destination", "Mail.Example.COM", 0, 1),
                _usage(org.id, a.id, "mcp_server", "github", 0, 1),
                _usage(org.id, a.id, "provider", "openai", 3, 5),
                # beta: recent use only, so no baseline yet
                _usage(org.id, b.id, "tool", "web_fetch", 0, 3),
                # the other org's agent uses a tool alpha must never see
                _usage(other.id, x.id, "tool", "run_shell", 0, 50),
                _activity(org.id, a.id, 0, events=12, clean=10, pii=1, secrets=1, errors=2),
                _activity(org.id, a.id, 6, events=5, clean=4, blocked=1),
                _activity(org.id, a.id, 7, events=100, clean=0, injection=100),  # too old
                _activity(other.id, x.id, 0, events=9, clean=0, pii=9),
            ]
        )
        s.commit()
        yield s, org


def _agents(s: Session, org: OrgHandle) -> list[Agent]:
    from sqlalchemy import select

    return list(s.scalars(select(Agent).where(Agent.org_id == org.id).order_by(Agent.name)))


def test_scoring_facts_fold_the_windows(seeded: tuple[Session, OrgHandle]) -> None:
    s, org = seeded
    alpha, beta, gamma = _agents(s, org)
    got = build_scoring_facts(s, org_id=org.id, agents=[alpha, beta, gamma], now=NOW)

    a = got[alpha.id]
    assert [t.name for t in a.tools] == ["crm_lookup", "kb_search", "send_email"]
    assert a.models == ("gpt-4o",)
    assert a.destinations == ("Mail.Example.COM",)
    assert a.mcp_servers == ("github",)
    assert a.capabilities == {"private_data": True}
    assert a.rules == frozenset({"token_budget"})
    assert a.verified and a.approved
    # recent = today and yesterday; baseline = the 30 days before
    assert a.recent == Footprint.of(["kb_search", "send_email"], [], ["mail.example.com"])
    assert a.baseline == Footprint.of(["crm_lookup", "kb_search"], ["gpt-4o"], [])
    # trust counts the last 7 days only (day 7 is out)
    assert a.activity == ActivityCounts(clean=14, pii=1, secrets=1, blocked=1)
    assert a.red_team is None

    b = got[beta.id]
    assert [t.name for t in b.tools] == ["web_fetch"]
    assert b.baseline is None and b.recent is None  # no baseline: drift not measurable
    assert not b.verified and not b.approved

    g = got[gamma.id]
    assert g.tools == () and g.activity == ActivityCounts() and g.baseline is None


def test_many_agents_read_by_org_give_the_same_facts(
    seeded: tuple[Session, OrgHandle], monkeypatch: pytest.MonkeyPatch
) -> None:
    s, org = seeded
    agents = _agents(s, org)
    by_ids = build_scoring_facts(s, org_id=org.id, agents=agents, now=NOW)
    # above FEW_AGENTS the queries read the org's rows and skip the agents not asked for
    monkeypatch.setattr(facts_module, "FEW_AGENTS", 0)
    by_org = build_scoring_facts(s, org_id=org.id, agents=agents, now=NOW)
    assert by_org == by_ids
    only_beta = build_scoring_facts(s, org_id=org.id, agents=agents[1:2], now=NOW)
    assert set(only_beta) == {agents[1].id}
    assert only_beta[agents[1].id] == by_ids[agents[1].id]


def test_build_facts_matches_scoring_facts_and_keeps_usage(
    seeded: tuple[Session, OrgHandle],
) -> None:
    s, org = seeded
    agents = _agents(s, org)
    full, usage = build_facts(s, org_id=org.id, agents=agents, now=NOW)
    assert full == build_scoring_facts(s, org_id=org.id, agents=agents, now=NOW)
    assert score_agent(full[agents[0].id]) == score_agent(
        build_scoring_facts(s, org_id=org.id, agents=agents[:1], now=NOW)[agents[0].id]
    )

    u = usage[agents[0].id]
    crm = next(it for it in u.items("tool") if it.item == "crm_lookup")
    assert (crm.count, crm.recent, crm.baseline) == (10, 0, 10)
    kb = next(it for it in u.items("tool") if it.item == "kb_search")
    assert (kb.count, kb.recent, kb.baseline) == (4, 1, 3)
    assert kb.last_seen == NOW - timedelta(days=1, hours=1)  # the latest of its days
    assert [it.item for it in u.items("tool")] == ["crm_lookup", "kb_search", "send_email"]
    assert u.errors == 2
    assert u.names("tool", window="recent") == {"kb_search", "send_email"}


def test_load_usage_of_no_agents_and_unknown_ids(seeded: tuple[Session, OrgHandle]) -> None:
    s, org = seeded
    assert load_usage(s, org_id=org.id, agent_ids=[], now=NOW) == {}
    ghost = load_usage(s, org_id=org.id, agent_ids=["0" * 32], now=NOW)["0" * 32]
    assert ghost.facets == {} and ghost.activity == ActivityCounts()
    assert build_scoring_facts(s, org_id=org.id, agents=[], now=NOW) == {}


def _destination_evidence(s: Session, org: OrgHandle, agent: Agent) -> list[str]:
    f = build_scoring_facts(s, org_id=org.id, agents=[agent], now=NOW)[agent.id]
    leg = next(x for x in score_agent(f).trifecta.legs if x.leg == "external_comms")
    return [e for e in leg.evidence if e.startswith("destination:")]


def test_internal_domains_setting_reaches_the_facts(seeded: tuple[Session, OrgHandle]) -> None:
    s, org = seeded
    alpha = _agents(s, org)[0]
    assert _destination_evidence(s, org, alpha) == ["destination:mail.example.com"]
    orgs.put_setting(
        session=s, org_id=org.id, name=facts_module.INTERNAL_DOMAINS_SETTING, value=["example.com"]
    )
    f = build_scoring_facts(s, org_id=org.id, agents=[alpha], now=NOW)[alpha.id]
    assert f.internal_domains == ("example.com",)
    # the org's own domain is not a way out of the organisation
    assert _destination_evidence(s, org, alpha) == []


def test_red_team_counts_by_agent_and_asset_in_both_query_shapes(
    seeded: tuple[Session, OrgHandle], monkeypatch: pytest.MonkeyPatch
) -> None:
    s, org = seeded
    alpha, _beta, gamma = _agents(s, org)
    run = RedTeamRun(
        org_id=org.id, agent_id=alpha.id, agent_name="alpha", mode="quick", status="completed"
    )
    s.add(run)
    s.flush()
    # two PASS recorded against the agent, one FAIL against its asset, an ERROR never counts
    for i, (target, verdict) in enumerate(
        [(alpha.id, "PASS"), (alpha.id, "PASS"), (alpha.asset_id, "FAIL"), (alpha.id, "ERROR")]
    ):
        s.add(
            RedTeamResult(
                org_id=org.id,
                run_id=run.id,
                agent_id=target,
                position=i,
                probe_id=f"p{i}",
                family="injection",
                category="prompt_injection",
                title="t",
                channel="direct",
                severity="high",
                verdict=verdict,
            )
        )
    s.flush()
    agents = _agents(s, org)
    for few in (500, 0):  # ids named in the query, then only the tested ids of the org
        monkeypatch.setattr(facts_module, "FEW_AGENTS", few)
        got = build_scoring_facts(s, org_id=org.id, agents=agents, now=NOW)
        assert got[alpha.id].red_team == RedTeamResults(passed=2, failed=1)
        assert got[gamma.id].red_team is None
