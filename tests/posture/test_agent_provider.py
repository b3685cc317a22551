"""The Agent dimension provider: full compute on the real store, and reuse of unchanged scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.conftest import create_org
from threatvec.agents import scoring
from threatvec.agents.models import Agent, AgentUsage
from threatvec.posture.agent_provider import AgentProvider
from threatvec.posture.dimensions import agent_dimension
from threatvec.store.engine import session_scope

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _seed(session_factory: Any, org_id: str) -> None:
    with session_scope(session_factory) as s:
        for i, rules in enumerate([["token_budget"], [], ["pii_redaction", "token_budget"]]):
            agent = Agent(
                org_id=org_id,
                name=f"a{i}",
                capabilities={"private_data": True} if i else {},
                rules=rules,
                first_seen=NOW - timedelta(days=10),
                last_seen=NOW,
            )
            s.add(agent)
            s.flush()
            s.add(
                AgentUsage(
                    org_id=org_id,
                    agent_id=agent.id,
                    facet="tool",
                    item="send_email",
                    day=NOW.date() - timedelta(days=5),
                    count=3,
                    last_seen=NOW,
                )
            )
        # created after NOW and never active before it: not part of the posture at NOW
        s.add(Agent(org_id=org_id, name="later", first_seen=NOW + timedelta(days=1), last_seen=NOW))


def test_full_compute_equals_the_pure_dimension(session_factory: Any) -> None:
    from threatvec.agents import service as agents

    org = create_org(session_factory)
    _seed(session_factory, org.id)
    with session_scope(session_factory) as s:
        dim = AgentProvider().compute(session=s, org_id=org.id, now=NOW)
        everyone = agents.fleet_scores(session=s, org_id=org.id, now=NOW)
    want = agent_dimension([a for a in everyone if a.name != "later"])
    assert dim.coverage["agents"] == 3
    assert dim.value == want.value and dim.score.parts == want.score.parts
    assert [r.id for r in dim.risks] == [r.id for r in want.risks]


def test_unchanged_agents_keep_their_score_changed_ones_are_rescored(
    session_factory: Any, monkeypatch: Any
) -> None:
    org = create_org(session_factory)
    _seed(session_factory, org.id)
    provider = AgentProvider()
    with session_scope(session_factory) as s:
        first = provider.compute(session=s, org_id=org.id, now=NOW)

    calls: list[str] = []
    real = scoring.score_agent

    def counting(facts: Any) -> Any:
        calls.append(facts.name)
        return real(facts)

    monkeypatch.setattr("threatvec.posture.agent_provider.score_agent", counting)
    with session_scope(session_factory) as s:
        again = provider.compute(session=s, org_id=org.id, now=NOW)
    assert calls == [] and again == first  # same facts: nothing re-scored, same dimension

    with session_scope(session_factory) as s:
        a1 = s.scalar(select(Agent).where(Agent.org_id == org.id, Agent.name == "a1"))
        assert a1 is not None
        a1.rules = ["token_budget", "pii_redaction", "egress_allowlist"]
    with session_scope(session_factory) as s:
        changed = provider.compute(session=s, org_id=org.id, now=NOW)
        assert calls == ["a1"]
        fresh = AgentProvider().compute(session=s, org_id=org.id, now=NOW)
    assert changed == fresh and changed.value != first.value


def test_a_never_reported_agent_is_scored_then_replaced_when_it_reports(
    session_factory: Any,
) -> None:
    from threatvec.agents.service import ensure_agent
    from threatvec.assets.models import Asset

    org = create_org(session_factory)
    _seed(session_factory, org.id)
    with session_scope(session_factory) as s:
        asset = Asset(org_id=org.id, kind="agent", name="expected", created_at=NOW - timedelta(1))
        s.add(asset)
        s.flush()
        asset_id = asset.id
    provider = AgentProvider()
    with session_scope(session_factory) as s:
        before = provider.compute(session=s, org_id=org.id, now=NOW)
    assert before.coverage["agents"] == 4 and before.coverage["never_reported"] == 1
    assert f"agent:{asset_id}:never_reported" in {r.id for r in before.risks}

    with session_scope(session_factory) as s:
        agent, created = ensure_agent(
            session=s, org_id=org.id, name="expected", source="sdk", now=NOW - timedelta(hours=1)
        )
        assert created and agent.asset_id == asset_id
        inc = provider.compute_incremental(
            session=s, org_id=org.id, now=NOW, changed=frozenset({agent.id})
        )
        full = AgentProvider().compute(session=s, org_id=org.id, now=NOW)
    # one agent, not a placeholder plus the agent
    assert inc.coverage == full.coverage
    assert inc.coverage["agents"] == 4 and inc.coverage["never_reported"] == 0
    assert inc.value == full.value and [r.id for r in inc.risks] == [r.id for r in full.risks]
