"""Raw event retention on the real database: each raw table's rows older than the kept
window go, rows inside it stay, aggregates stay, one org's prune never touches another's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import Api, create_org
from tests.deletes import deletes
from threatvec.agents.models import Agent, AgentActivity, AgentEvent, AgentUsage
from threatvec.alerts.models import AlertChannel, AlertInboundEvent
from threatvec.core.clock import utcnow
from threatvec.enforcement.models import EnforcementEvent, EnforcementSource, SnapperSecurityEvent
from threatvec.integrations.models import Integration, IntegrationRun
from threatvec.retention import service
from threatvec.shadow import service as shadow
from threatvec.shadow.models import ShadowDaily, ShadowEvent, ShadowService
from threatvec.shadow.schemas import ShadowEventIn
from threatvec.store.engine import session_scope

pytestmark = pytest.mark.db

DAY = timedelta(days=1)
TABLES = (
    "agent_events",
    "shadow_events",
    "enforcement_events",
    "snapper_security_events",
    "alert_inbound_events",
    "integration_runs",
)
# Ages in days: two past the 400 kept, two inside (one a day short of the cutoff).
OLD, KEPT = (700, 401), (399, 3)


@dataclass
class Seeded:
    """One org's raw rows by table: the ids that must go and the ids that must stay."""

    org_id: str
    old: dict[str, set[Any]] = field(default_factory=lambda: {t: set() for t in TABLES})
    kept: dict[str, set[Any]] = field(default_factory=lambda: {t: set() for t in TABLES})


def _uid() -> str:
    return uuid.uuid4().hex


def _rows_at(s: Session, org_id: str, parents: dict[str, Any], at: datetime) -> dict[str, Any]:
    """One row of every raw table for the org at one time; the new ids by table."""
    rows = {
        "agent_events": AgentEvent(
            org_id=org_id,
            event_id=_uid(),
            agent_id=parents["agent"],
            type="tool.call",
            ts=at,
            received_at=at,
        ),
        "shadow_events": ShadowEvent(
            org_id=org_id,
            event_id=str(uuid.uuid4()),
            service_id=parents["service"],
            domain="chat.example.com",
            event_type="visit",
            occurred_at=at,
            received_at=at,
        ),
        "enforcement_events": EnforcementEvent(
            org_id=org_id,
            source_id=parents["source"],
            event_id=_uid(),
            ts=at,
            received_at=at,
            action="blocked",
            category="tool",
            agent="a1",
        ),
        "snapper_security_events": SnapperSecurityEvent(
            org_id=org_id,
            source_id=parents["source"],
            event_id=_uid(),
            event="threat_detected",
            ts=at,
            received_at=at,
            agent="a1",
        ),
        "alert_inbound_events": AlertInboundEvent(
            org_id=org_id,
            channel_id=parents["channel"],
            event_id=_uid(),
            event_type="incident.acknowledged",
            outcome="applied",
            received_at=at,
        ),
        "integration_runs": IntegrationRun(
            org_id=org_id,
            integration_id=parents["integration"],
            kind="okta",
            status="ok",
            started_at=at,
            finished_at=at + timedelta(seconds=5),
        ),
    }
    s.add_all(rows.values())
    s.flush()
    return {name: row.id for name, row in rows.items()}


def _seed(factory: sessionmaker[Session], org_id: str, now: datetime) -> Seeded:
    seeded = Seeded(org_id)
    with session_scope(factory) as s:
        agents = [Agent(org_id=org_id, name=f"agent-{i}") for i in range(2)]
        svc = ShadowService(
            org_id=org_id, domain="chat.example.com", name="Chat", first_seen=now, last_seen=now
        )
        source = EnforcementSource(org_id=org_id, name="snapper", kind="snapper", secret_enc="x")
        channel = AlertChannel(org_id=org_id, name="pd", kind="pagerduty")
        integration = Integration(org_id=org_id, kind="okta", name="okta")
        s.add_all([*agents, svc, source, channel, integration])
        s.flush()
        for agent in agents:  # two groups of the per-agent index
            parents = {
                "agent": agent.id,
                "service": svc.id,
                "source": source.id,
                "channel": channel.id,
                "integration": integration.id,
            }
            for ages, into in ((OLD, seeded.old), (KEPT, seeded.kept)):
                for age in ages:
                    for name, row_id in _rows_at(s, org_id, parents, now - age * DAY).items():
                        into[name].add(row_id)
        # A sync still running (a stuck one) writes its counts at its end: never deleted.
        stuck = IntegrationRun(
            org_id=org_id,
            integration_id=integration.id,
            kind="okta",
            status="running",
            started_at=now - 600 * DAY,
        )
        # The aggregates of the old days stay: scores, trends and evidence read them.
        old_day = (now - 700 * DAY).date()
        s.add_all(
            [
                stuck,
                AgentActivity(org_id=org_id, agent_id=agents[0].id, day=old_day, events=4),
                AgentUsage(
                    org_id=org_id,
                    agent_id=agents[0].id,
                    facet="tool",
                    item="search",
                    day=old_day,
                    count=4,
                ),
                ShadowDaily(org_id=org_id, service_id=svc.id, day=old_day, events=4),
            ]
        )
        s.flush()
        seeded.kept["integration_runs"].add(stuck.id)
    return seeded


MODELS: dict[str, Any] = {
    "agent_events": AgentEvent,
    "shadow_events": ShadowEvent,
    "enforcement_events": EnforcementEvent,
    "snapper_security_events": SnapperSecurityEvent,
    "alert_inbound_events": AlertInboundEvent,
    "integration_runs": IntegrationRun,
}


def _remaining(factory: sessionmaker[Session], org_id: str) -> dict[str, set[Any]]:
    with factory() as s:
        return {
            name: set(s.scalars(select(model.id).where(model.org_id == org_id)))
            for name, model in MODELS.items()
        }


def _aggregates(factory: sessionmaker[Session], org_id: str) -> tuple[int, int, int]:
    with factory() as s:
        return tuple(  # type: ignore[return-value]
            int(s.scalar(select(func.count()).where(model.org_id == org_id)) or 0)
            for model in (AgentActivity, AgentUsage, ShadowDaily)
        )


def test_old_rows_of_every_raw_table_go_in_small_batches_and_the_window_stays(
    session_factory,
) -> None:
    now = utcnow()
    org = create_org(session_factory)
    seeded = _seed(session_factory, org.id, now)
    aggregates = _aggregates(session_factory, org.id)
    assert aggregates == (1, 1, 1)

    with session_factory() as s, deletes(s) as batches:
        counts = service.prune_events(
            session=s, org_id=org.id, keep_days=400, batch_size=3, now=now
        )

    assert _remaining(session_factory, org.id) == seeded.kept
    assert counts == {name: len(seeded.old[name]) for name in TABLES}
    assert all(counts.values())
    # Each DELETE is committed before the next, and none removes more than a batch.
    per_transaction = "".join("c" if n == 0 else "d" for n in batches)
    assert "dd" not in per_transaction and max(batches) <= 3, batches
    assert sum(batches) == sum(counts.values())
    assert _aggregates(session_factory, org.id) == aggregates

    with session_factory() as s:
        again = service.prune_events(session=s, org_id=org.id, keep_days=400, now=now)
    assert again == dict.fromkeys(TABLES, 0)
    assert _remaining(session_factory, org.id) == seeded.kept


def test_an_orgs_prune_never_touches_another_orgs_rows(session_factory) -> None:
    now = utcnow()
    org, other = create_org(session_factory), create_org(session_factory)
    mine = _seed(session_factory, org.id, now)
    theirs = _seed(session_factory, other.id, now)
    before = _remaining(session_factory, other.id)

    with session_factory() as s:
        service.prune_events(session=s, org_id=org.id, keep_days=400, now=now)

    assert _remaining(session_factory, org.id) == mine.kept
    assert _remaining(session_factory, other.id) == before
    everything = {name: theirs.old[name] | theirs.kept[name] for name in TABLES}
    assert before == everything


def test_a_shorter_window_keeps_only_the_rows_inside_it(session_factory) -> None:
    now = utcnow()
    org = create_org(session_factory)
    seeded = _seed(session_factory, org.id, now)
    with session_factory() as s:
        counts = service.prune_events(session=s, org_id=org.id, keep_days=30, now=now)
    remaining = _remaining(session_factory, org.id)
    # Only the 3-day-old rows (and the running sync) are left of the four ages.
    assert all(len(remaining[t]) == 2 for t in TABLES if t != "integration_runs")
    assert len(remaining["integration_runs"]) == 3
    assert counts["agent_events"] == len(seeded.old["agent_events"]) + 2


def test_keep_days_below_one_deletes_nothing(session_factory) -> None:
    org = create_org(session_factory)
    seeded = _seed(session_factory, org.id, utcnow())
    with session_factory() as s, pytest.raises(ValueError, match="keep_days"):
        service.prune_events(session=s, org_id=org.id, keep_days=0)
    everything = {name: seeded.old[name] | seeded.kept[name] for name in TABLES}
    assert _remaining(session_factory, org.id) == everything


def _events(api: Api, path: str, **params: Any) -> Any:
    r = api.get(path, params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_what_the_api_reads_inside_the_window_is_the_same_after_a_prune(
    client, session_factory
) -> None:
    now = utcnow()
    org = create_org(session_factory)
    _seed(session_factory, org.id, now)
    api = Api(client, org)
    since = (now - 399 * DAY - timedelta(hours=1)).isoformat()
    window = {
        p: _events(api, p, since=since)
        for p in ("/enforcement/events", "/enforcement/security-events")
    }
    assert [len(v) for v in window.values()] == [4, 4]
    stats = api.get("/enforcement/stats")
    assert stats.status_code == 200, stats.text
    assert len(_events(api, "/enforcement/events")) == 8

    with session_factory() as s:
        service.prune_events(session=s, org_id=org.id, keep_days=400, now=now)

    assert {p: _events(api, p, since=since) for p in window} == window
    after = api.get("/enforcement/stats").json()
    assert {**after, "generated_at": None} == {**stats.json(), "generated_at": None}
    # All-time lists now end at the cutoff: exactly the rows inside the window.
    assert _events(api, "/enforcement/events") == window["/enforcement/events"]


def test_history_imported_recently_stays_until_as_long_after_its_receipt(
    session_factory,
) -> None:
    """An audit-log import of old events: pruned at once, a re-import would count them again
    in the service counters the posture reads (their event ids would be gone)."""
    now = utcnow()
    org = create_org(session_factory)
    ev = ShadowEventIn.model_validate(
        {
            "event_id": str(uuid.uuid4()),
            "domain": "copilot.example.com",
            "event_type": "submit",
            "occurred_at": now - 500 * DAY,
        },
        context={"historical": True},
    )

    def record() -> tuple[int, int]:
        with session_scope(session_factory) as s:
            r = shadow.record_events(session=s, org_id=org.id, events=[ev], source="m365")
            return r.accepted, r.duplicates

    def counted() -> int:
        with session_factory() as s:
            return int(
                s.scalar(select(ShadowService.events).where(ShadowService.org_id == org.id)) or 0
            )

    assert record() == (1, 0) and counted() == 1
    with session_factory() as s:
        counts = service.prune_events(session=s, org_id=org.id, keep_days=400)
    assert counts["shadow_events"] == 0
    assert record() == (0, 1) and counted() == 1  # a re-import counts nothing twice
    # As long after its receipt as the window: then it goes.
    with session_factory() as s:
        later = service.prune_events(session=s, org_id=org.id, keep_days=400, now=now + 401 * DAY)
    assert later["shadow_events"] == 1 and counted() == 1


def test_rows_kept_for_a_late_arrival_never_stop_the_batches_behind_them(
    session_factory,
) -> None:
    """Many rows at one instant, those that arrived late kept among them: small batches
    pass over the kept ones and still reach every row that goes."""
    now = utcnow()
    org = create_org(session_factory)
    at = now - 700 * DAY
    with session_scope(session_factory) as s:
        svc = ShadowService(
            org_id=org.id, domain="chat.example.com", name="Chat", first_seen=at, last_seen=now
        )
        s.add(svc)
        s.flush()
        rows = [
            ShadowEvent(
                org_id=org.id,
                event_id=str(uuid.uuid4()),
                service_id=svc.id,
                domain="chat.example.com",
                event_type="visit",
                occurred_at=at,
                # kept, gone, kept, gone, ...: every batch of 2 holds a kept row
                received_at=now - DAY if i % 2 == 0 else at,
            )
            for i in range(9)
        ]
        s.add_all(rows)
        s.flush()
        kept = {r.id for i, r in enumerate(rows) if i % 2 == 0}
    with session_factory() as s:
        counts = service.prune_events(
            session=s, org_id=org.id, keep_days=400, batch_size=2, now=now
        )
    assert counts["shadow_events"] == 4
    assert _remaining(session_factory, org.id)["shadow_events"] == kept
