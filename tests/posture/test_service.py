"""The posture service on a real database: snapshots, reuse after a change, weights, history,
trend, brief (with a real local OpenAI-compatible server), retention, debounced recompute."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import create_org
from tests.core.llm_server import FakeLlmServer
from threatvec.agents.models import Agent
from threatvec.core.errors import InvalidInput
from threatvec.core.llm import LlmClient
from threatvec.posture import recompute as debounce
from threatvec.posture import service
from threatvec.posture.agent_provider import AgentProvider
from threatvec.posture.builtin import LazyProvider, register_builtin
from threatvec.posture.dimensions import DimensionScore
from threatvec.posture.factors import Factor, Risk, Score
from threatvec.posture.models import PostureSnapshot, PostureWeightChange
from threatvec.posture.providers import ProviderRegistry
from threatvec.store.engine import session_scope

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Counting:
    """A provider with a fixed value that counts its calls (and can offer incremental)."""

    def __init__(self, name: str, value: float | None, *, risk_points: float = 0.0) -> None:
        self.name, self.value, self.calls, self.incremental = name, value, 0, []
        self.risk_points = risk_points

    def compute(self, *, session: Any, org_id: str, now: datetime) -> DimensionScore:
        self.calls += 1
        if self.value is None:
            return DimensionScore(self.name, Score.missing("nothing"))
        risks = ()
        if self.risk_points:
            risks = (Risk(f"{self.name}:x", self.name, "t", "fix x", self.risk_points, ("obj-1",)),)
        return DimensionScore(
            self.name, Score.from_parts([Factor("all", self.value, 100.0, "d", ("obj-1",))]), risks
        )


def registry_of(*providers: Counting) -> ProviderRegistry:
    reg = ProviderRegistry()
    for p in providers:
        reg.register(p)
    return reg


def add_agent(session, org_id: str, name: str, *, legs: bool = False, rules=("token_budget",)):
    caps = {"private_data": True, "untrusted_content": True, "external_comms": True} if legs else {}
    agent = Agent(
        org_id=org_id,
        name=name,
        capabilities=caps,
        rules=list(rules),
        first_seen=NOW - timedelta(days=3),
        last_seen=NOW,
        events_total=0,
    )
    session.add(agent)
    session.flush()
    return agent


def test_dump_and_load_round_trip_is_exact() -> None:
    dims = [
        DimensionScore(
            "agent",
            Score.from_parts([Factor("a", 12.345678, 35.0, "det", ("x", "y"))], "why"),
            (Risk("agent:x:a", "agent", "title", "act", 3.14159, ("x",), "d"),),
            {"agents": 2},
        ),
        DimensionScore("mcp", Score.missing("none")),
    ]
    from threatvec.posture.composite import compute_posture

    p = compute_posture(dims, {"agent": 40.0, "mcp": 35.0, "shadow": 25.0})
    back = service.load_posture(service.dump_posture(p))
    assert back.value == p.value == pytest.approx(12.345678)
    assert back.dimension("agent").risks[0].points_lost == 3.14159
    assert back.dimension("mcp").no_data and back.dimension("shadow").no_data
    assert back.to_dict() == p.to_dict()


def test_recompute_with_real_agents_hand_computed(session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        add_agent(s, org.id, "calm")  # 35 + 25·0.63 + 10 + 15 = 75.75, weight 1
        add_agent(s, org.id, "risky", legs=True, rules=())  # 0 + 15.75 + 10 + 15 = 40.75, weight 5
    reg = ProviderRegistry()
    reg.register(LazyProvider("agent", (("threatvec.posture.agent_provider", "AgentProvider"),)))
    reg.register(Counting("mcp", None))
    with session_scope(session_factory) as s:
        snap = service.recompute(session=s, org_id=org.id, now=NOW, providers=reg)
        # (75.75 + 5·40.75) / 6 = 46.583…; MCP has no data, so the composite is the agents alone
        assert snap.values["agent"] == pytest.approx(279.5 / 6)
        assert snap.values["mcp"] is None and snap.values["shadow"] is None
        assert snap.composite == pytest.approx(279.5 / 6)
        posture = service.load_posture(snap.data)
        agent = posture.dimension("agent")
        assert agent.coverage["agents"] == 2 and agent.coverage["full_trifecta"] == 1
        assert agent.risks[0].id.endswith(":rule_coverage")
        # 7 missing rules cost the risky agent 35 points: 5/6 of them in dimension points
        assert agent.risks[0].points_lost == pytest.approx(35 * 5 / 6)


def test_agent_provider_incremental_equals_full(session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        agents = [add_agent(s, org.id, f"a{i}", legs=i % 2 == 0, rules=()) for i in range(6)]
    provider = AgentProvider()
    with session_scope(session_factory) as s:
        before = provider.compute(session=s, org_id=org.id, now=NOW)
        changed = s.get(Agent, agents[0].id)
        changed.rules = ["prompt_injection_guard", "pii_redaction", "tool_allowlist"]
        s.add(
            Agent(
                org_id=org.id,
                name="late",
                capabilities={},
                rules=["token_budget"],
                first_seen=NOW,
                last_seen=NOW,
                events_total=0,
            )
        )
        s.flush()
        late = s.scalar(select(Agent.id).where(Agent.org_id == org.id, Agent.name == "late"))
        inc = provider.compute_incremental(
            session=s, org_id=org.id, now=NOW, changed=frozenset({agents[0].id, late})
        )
        full = AgentProvider().compute(session=s, org_id=org.id, now=NOW)
    assert inc.value != before.value
    assert inc.value == pytest.approx(full.value)
    assert inc.coverage == full.coverage and inc.coverage["agents"] == 7
    assert [r.id for r in inc.risks] == [r.id for r in full.risks]


def test_incremental_recompute_reuses_untouched_dimensions(session_factory) -> None:
    org = create_org(session_factory)
    a, m, sh = Counting("agent", 50.0), Counting("mcp", 80.0), Counting("shadow", None)
    reg = registry_of(a, m, sh)
    with session_scope(session_factory) as s:
        first = service.recompute(session=s, org_id=org.id, now=NOW, providers=reg)
        assert (a.calls, m.calls, sh.calls) == (1, 1, 1)
        # 40·50 + 35·80 over 75 (shadow has no data): 64.0
        assert first.composite == pytest.approx(64.0)
        m.value = 20.0
        second = service.recompute(
            session=s,
            org_id=org.id,
            now=NOW + timedelta(minutes=5),
            providers=reg,
            changed={"mcp": None},
        )
        assert (a.calls, m.calls, sh.calls) == (1, 2, 1)
        assert second.composite == pytest.approx((40 * 50 + 35 * 20) / 75)
        # a previous snapshot more than an hour old is not reused: everything is recomputed
        service.recompute(
            session=s,
            org_id=org.id,
            now=NOW + timedelta(hours=2),
            providers=reg,
            changed={"mcp": None},
        )
        assert (a.calls, m.calls, sh.calls) == (2, 3, 2)


def test_weights_validated_recorded_and_applied(session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        assert service.get_weights(session=s, org_id=org.id) == {
            "agent": 40.0,
            "mcp": 35.0,
            "shadow": 25.0,
        }
        with pytest.raises(InvalidInput) as err:
            service.put_weights(
                session=s, org_id=org.id, weights={"agent": 60, "mcp": -5, "shadow": 45}, by="t"
            )
        assert [e.loc for e in err.value.errors] == [("weights", "mcp")]
        with pytest.raises(InvalidInput, match="sum to 100"):
            service.put_weights(
                session=s, org_id=org.id, weights={"agent": 60, "mcp": 5, "shadow": 45}, by="t"
            )
        assert (
            s.scalar(select(PostureWeightChange).where(PostureWeightChange.org_id == org.id))
            is None
        )
        new, snap = service.put_weights(
            session=s,
            org_id=org.id,
            weights={"agent": 70, "mcp": 30, "shadow": 0},
            by="key:alice",
            note="agents first",
            now=NOW,
        )
        assert new == {"agent": 70.0, "mcp": 30.0, "shadow": 0.0}
        assert snap.trigger == "weights" and snap.weights == new
        change = service.weight_changes(session=s, org_id=org.id)[0]
        assert (change.changed_by, change.note) == ("key:alice", "agents first")
        assert change.changed_at == NOW
        assert change.previous == {"agent": 40.0, "mcp": 35.0, "shadow": 25.0}
        assert service.get_weights(session=s, org_id=org.id) == new


def test_history_trend_and_validation(session_factory) -> None:
    org = create_org(session_factory)
    a = Counting("agent", 40.0)
    reg = registry_of(a)
    with session_scope(session_factory) as s:
        for days_ago, value in ((8, 40.0), (3, 55.0), (1.5, 60.0), (0, 70.0)):
            a.value = value
            service.recompute(
                session=s, org_id=org.id, now=NOW - timedelta(days=days_ago), providers=reg
            )
        tr, _ = service.trend_for(session=s, org_id=org.id, current=70.0, now=NOW)
        # against 1.5 days ago (latest ≥ 24 h old) and 8 days ago (latest ≥ 7 d old)
        assert tr.change_24h == pytest.approx(10.0) and tr.change_7d == pytest.approx(30.0)
        start, end, rows = service.history(session=s, org_id=org.id, now=NOW)
        assert end == NOW and start == NOW - timedelta(days=7)
        assert [r.composite for r in rows] == [55.0, 60.0, 70.0]
        _, _, rows = service.history(
            session=s, org_id=org.id, start=NOW - timedelta(days=10), end=NOW, limit=2
        )
        # more snapshots than the limit: the last of each half of the range, oldest first
        assert [r.composite for r in rows] == [40.0, 70.0]
        with pytest.raises(InvalidInput, match="before"):
            service.history(session=s, org_id=org.id, start=NOW, end=NOW - timedelta(days=1))
        with pytest.raises(InvalidInput, match="400 days"):
            service.history(session=s, org_id=org.id, start=NOW - timedelta(days=500), end=NOW)


def test_current_recomputes_only_when_stale_or_pending(session_factory) -> None:
    org = create_org(session_factory)
    a = Counting("agent", 40.0)
    reg = registry_of(a)
    with session_scope(session_factory) as s:
        snap = service.recompute(session=s, org_id=org.id, now=NOW, providers=reg)
        cur = service.current(session=s, org_id=org.id, now=NOW + timedelta(minutes=10))
        assert cur.snapshot.id == snap.id  # fresh: no recompute
        cur = service.current(session=s, org_id=org.id, now=NOW + timedelta(hours=2))
        assert cur.snapshot.id != snap.id and cur.snapshot.trigger == "read"


def _seed_two_dims(session_factory, org_id: str) -> None:
    with session_scope(session_factory) as s:
        add_agent(s, org_id, "risky", legs=True, rules=())


def test_brief_deterministic_then_llm_checked(session_factory) -> None:
    org = create_org(session_factory)
    _seed_two_dims(session_factory, org.id)
    with session_scope(session_factory) as s:
        _, det = service.brief(session=s, org_id=org.id, now=NOW)
        assert det.source == "deterministic" and det.llm_rejected is None
        facts = det.facts
        assert facts["score"] == 40.8 and "40.8/100" in det.text
        action = facts["action"]
        honest = (
            f"Posture stands at {facts['score']} out of 100. The first fix: "
            f"{action['text']} on {action['objects'][0]}, worth {action['gain']} points."
        )
        invented = f"Posture stands at {facts['score']}; agent-99 is leaking 12.7 records."
        with FakeLlmServer(("reply", json.dumps({"brief": honest}))) as srv:
            llm = LlmClient(base_url=srv.base_url, model="fake", retries=0)
            _, b = service.brief(session=s, org_id=org.id, now=NOW + timedelta(seconds=1), llm=llm)
            assert b.source == "llm" and b.text == honest
            assert srv.requests and srv.requests[0]["path"] == "/v1/chat/completions"
        with FakeLlmServer(("reply", json.dumps({"brief": invented}))) as srv:
            llm = LlmClient(base_url=srv.base_url, model="fake", retries=0)
            _, b = service.brief(session=s, org_id=org.id, now=NOW + timedelta(seconds=2), llm=llm)
            assert b.source == "deterministic" and b.text == det.text
            assert b.llm_rejected == "number '99' is not in the facts"


def test_prune_keeps_recent_and_one_per_hour(session_factory) -> None:
    org = create_org(session_factory)
    reg = registry_of(Counting("agent", 50.0))
    with session_scope(session_factory) as s:
        for minutes in (0, 10, 20, 70):  # three in one hour, one in the next, 5 days ago
            service.recompute(
                session=s,
                org_id=org.id,
                providers=reg,
                now=NOW - timedelta(days=5) + timedelta(minutes=minutes),
            )
        for minutes in (0, 5):  # recent: all kept
            service.recompute(
                session=s, org_id=org.id, now=NOW - timedelta(minutes=minutes), providers=reg
            )
        service.recompute(session=s, org_id=org.id, now=NOW - timedelta(days=401), providers=reg)
        assert service.prune(session=s, org_id=org.id, now=NOW) == 3
        left = s.scalars(
            select(PostureSnapshot.computed_at)
            .where(PostureSnapshot.org_id == org.id)
            .order_by(PostureSnapshot.computed_at)
        ).all()
        base = NOW - timedelta(days=5)
        assert left == [
            base + timedelta(minutes=20),
            base + timedelta(minutes=70),
            NOW - timedelta(minutes=5),
            NOW,
        ]


def test_changes_of_maps_tables_and_signals() -> None:
    from threatvec.assets.models import Asset
    from threatvec.signals.models import Signal

    objs = [
        Agent(id="ag1", org_id="o1", name="x"),
        Signal(org_id="o1", kind="agent.events", data={"agent_id": "ag2"}),
        Signal(org_id="o2", kind="mcp.scan", data={}),
        Signal(org_id="o2", kind="posture.updated", data={}),
        Asset(org_id="o3", kind="agent", name="n"),
        PostureSnapshot(org_id="o4"),
    ]
    assert debounce.changes_of(objs) == {
        "o1": {"agent": {"ag1", "ag2"}},
        "o2": {"mcp": None},
        "o3": {"agent": None, "mcp": None, "shadow": None},
    }


def test_recomputer_debounces_many_changes_into_one(session_factory) -> None:
    org = create_org(session_factory)
    rec = debounce.Recomputer(session_factory, quiet_s=0.3, max_wait_s=5.0)
    for i in range(20):
        rec.mark(org.id, {"agent": {f"agent-{i}"}})
    assert rec.pending(org.id) == {"agent": frozenset(f"agent-{i}" for i in range(20))}
    rec.start()
    try:
        deadline = time.monotonic() + 5
        while rec.runs == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.4)  # nothing else is waiting: no second run
    finally:
        rec.stop()
    assert rec.runs == 1 and rec.pending(org.id) is None
    with session_scope(session_factory) as s:
        snaps = s.scalars(select(PostureSnapshot).where(PostureSnapshot.org_id == org.id)).all()
    assert [x.trigger for x in snaps] == ["change"]


def test_commit_hooks_mark_the_engines_recomputer(session_factory, client) -> None:
    # `client` started the app, whose lifespan attached a recomputer to this engine
    rec = debounce.recomputer_for(session_factory.kw["bind"])
    assert rec is not None
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        agent = add_agent(s, org.id, "hooked")
    pending = rec.pending(org.id) or rec.take(org.id)
    assert pending is not None and agent.id in (pending.get("agent") or ())
    rec.take(org.id)
    s2 = session_factory()
    try:
        add_agent(s2, org.id, "rolled-back")
        s2.rollback()
    finally:
        s2.close()
    assert rec.pending(org.id) is None  # a rolled-back change marks nothing


def test_builtin_lazy_provider_missing_module_is_no_data() -> None:
    reg = ProviderRegistry()
    reg.register(LazyProvider("agent", (("threatvec.nonexistent.posture", "X"),)))
    dim = reg.get("agent").compute(session=None, org_id="o", now=NOW)  # type: ignore[arg-type]
    assert dim.no_data and "not installed" in dim.score.detail
    register_builtin(reg)  # idempotent: keeps the one already there, adds the rest
    assert reg.names() == ("agent", "mcp", "shadow")
    assert isinstance(reg.get("agent"), LazyProvider)


def test_agent_dimension_reads_every_agent_first_seen_by_now(session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        add_agent(s, org.id, "old")
        s.add(
            Agent(
                org_id=org.id,
                name="future",
                capabilities={},
                rules=[],
                first_seen=NOW + timedelta(days=1),
                last_seen=NOW,
                events_total=0,
            )
        )
    with session_scope(session_factory) as s:
        dim = AgentProvider().compute(session=s, org_id=org.id, now=NOW)
    assert dim.coverage["agents"] == 1
    assert dim.value == pytest.approx(75.75)


def test_history_spans_its_range_when_it_holds_more_snapshots_than_the_limit(
    session_factory,
) -> None:
    """Every change recomputes (debounced to seconds) and all snapshots are kept for 2
    days, so a busy org stores hundreds an hour. History returned the newest `limit`:
    the Overview's "Posture over 7 days" (limit 500) showed the last hour or so."""
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        older = [NOW - timedelta(days=6, hours=-14 * i) for i in range(10)]  # 6 d .. 15 h ago
        busy = [NOW - timedelta(seconds=6 * i) for i in range(600)]  # the last hour
        for i, at in enumerate(sorted(older + busy)):
            s.add(PostureSnapshot(org_id=org.id, computed_at=at, composite=float(i % 100)))
        s.flush()
        _, _, rows = service.history(session=s, org_id=org.id, now=NOW, limit=500)
    assert len(rows) <= 500
    times = [r.computed_at for r in rows]
    assert times == sorted(times)
    assert times[0] == NOW - timedelta(days=6)  # the range's oldest snapshot is shown
    assert times[-1] == NOW  # and its newest
    assert sum(t < NOW - timedelta(hours=1) for t in times) == 10  # every older one kept
