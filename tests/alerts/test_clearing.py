"""Auto-resolve: an alert whose condition no longer holds resolves itself, through the same
lifecycle a person's Resolve takes, so the PagerDuty incident closes.

The server is the real one over HTTP on 127.0.0.1; PagerDuty is a local server speaking the
Events API v2 that keeps each incident's state by dedup_key (tests/alerts/receivers.py).
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.alerts.conftest import TEST_SECRET_KEY
from tests.alerts.receivers import HttpReceiver, http_receiver
from tests.conftest import OrgHandle, create_org
from tests.shadow.helpers import visit
from threatvec.alerts import flows
from threatvec.core.crypto import SecretBox
from threatvec.mcp import service as mcp
from threatvec.mcp.demo import CHANGING_SPEC, changing_snapshot, scan_report
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope
from threatvec.vulns import demo as vulns_demo

BOX = SecretBox(TEST_SECRET_KEY)


@pytest.fixture
def http(live_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url + "/api/v1", timeout=30) as c:
        yield c


def _as(org: OrgHandle) -> dict[str, str]:
    return org.headers


def _ok(r: httpx.Response, code: int = 200) -> Any:
    assert r.status_code == code, r.text
    return r.json() if r.content else None


def _pd_channel(http: httpx.Client, org: OrgHandle, rx: HttpReceiver) -> str:
    key = "R" + uuid.uuid4().hex[:31]
    body = {"name": "pd", "settings": {"kind": "pagerduty", "routing_key": key, "base_url": rx.url}}
    return str(_ok(http.post("/alerts/channels", json=body, headers=_as(org)), 201)["id"])


def _rule(http: httpx.Client, org: OrgHandle, condition: dict[str, Any], **fields: Any) -> Any:
    body = {"name": f"rule {condition['trigger']}", "condition": condition, **fields}
    return _ok(http.post("/alerts/rules", json=body, headers=_as(org)), 201)


def _evaluate(http: httpx.Client, org: OrgHandle) -> dict[str, Any]:
    return dict(_ok(http.post("/alerts/evaluate", headers=_as(org))))


def _alerts(http: httpx.Client, org: OrgHandle) -> list[dict[str, Any]]:
    return list(_ok(http.get("/alerts", headers=_as(org)))["items"])


def _deliver(session_factory: Any, org: OrgHandle) -> flows.DeliveryStats:
    # What the alerts.deliver job does every 30 s.
    with session_scope(session_factory) as s:
        return flows.deliver_due(session=s, org_id=org.id, box=BOX, allow_private=True)


def _pd_events(rx: HttpReceiver) -> list[dict[str, Any]]:
    return [r.json() for r in rx.requests if r.path == "/v2/enqueue"]


def _visit(http: httpx.Client, org: OrgHandle, domain: str) -> str:
    """The extension reports a first visit; the Shadow AI service's id."""
    _ok(http.post("/shadow/events", json={"events": [visit(domain)]}, headers=_as(org)))
    services = _ok(http.get("/shadow/services", params={"q": domain}, headers=_as(org)))
    [svc] = [s for s in services["items"] if s["domain"] == domain]
    return str(svc["id"])


def test_registering_the_service_resolves_the_alert_and_closes_the_pagerduty_incident(
    http, session_factory
) -> None:
    org, other = create_org(session_factory), create_org(session_factory)
    domain = f"tool-{uuid.uuid4().hex[:8]}.example"
    with http_receiver() as pd:
        rule = _rule(
            http, org, {"trigger": "new_shadow_asset"}, channel_ids=[_pd_channel(http, org, pd)]
        )
        assert rule["auto_resolve"] is True  # the default for a kind that can clear
        _rule(
            http, other, {"trigger": "new_shadow_asset"}, channel_ids=[_pd_channel(http, other, pd)]
        )
        service_id = _visit(http, org, domain)
        _visit(http, other, domain)  # the same tool, unregistered in the other org
        assert _evaluate(http, org)["alerts_created"] == 1
        assert _evaluate(http, other)["alerts_created"] == 1
        assert _deliver(session_factory, org).sent == 1
        assert _deliver(session_factory, other).sent == 1
        [alert] = _alerts(http, org)
        [trigger] = [e for e in _pd_events(pd) if e["dedup_key"] == f"threatvec-{alert['id']}"]
        assert trigger["event_action"] == "trigger"

        # Nothing changed yet: evaluation leaves the alert open.
        assert _evaluate(http, org)["auto_resolved"] == 0
        _ok(http.post(f"/shadow/services/{service_id}/register", json={}, headers=_as(org)))
        result = _evaluate(http, org)
        assert result["auto_resolved"] == 1

        got = _ok(http.get(f"/alerts/{alert['id']}", headers=_as(org)))
        assert (got["status"], got["resolved_by"]) == ("resolved", "system")
        assert got["resolution"].startswith("condition cleared: ")
        assert domain in got["resolution"] and got["resolved_at"]
        assert _deliver(session_factory, org).sent == 1
        resolves = [e for e in _pd_events(pd) if e["event_action"] == "resolve"]
        assert resolves == [
            {"routing_key": trigger["routing_key"], "event_action": "resolve",
             "dedup_key": trigger["dedup_key"]}
        ]  # fmt: skip
        assert pd.incidents[trigger["dedup_key"]] == "resolved"

        # Evaluated again (the condition still clear): nothing more is sent.
        assert _evaluate(http, org)["auto_resolved"] == 0
        assert _deliver(session_factory, org).sent == 0
        rows = _ok(http.get(f"/alerts/{alert['id']}/deliveries", headers=_as(org)))["items"]
        assert [(d["action"], d["status"]) for d in rows] == [
            ("trigger", "sent"),
            ("resolve", "sent"),
        ]

        # The other org's alert about the same domain is untouched: its service is unregistered.
        assert _evaluate(http, other)["auto_resolved"] == 0
        [theirs] = _alerts(http, other)
        assert (theirs["status"], theirs["resolved_by"], theirs["resolution"]) == (
            "open",
            None,
            None,
        )
        assert pd.incidents[f"threatvec-{theirs['id']}"] == "triggered"


def _posture(session_factory: Any, org: OrgHandle, value: float, previous: float) -> None:
    # The payload posture/service.py publishes with every snapshot.
    with session_scope(session_factory) as s:
        signals.publish(
            session=s,
            org_id=org.id,
            kind="posture.updated",
            data={"snapshot_id": uuid.uuid4().hex, "value": value, "previous": previous,
                  "trigger": "test"},
        )  # fmt: skip


def test_a_score_that_recovers_resolves_once_and_a_flap_back_is_a_new_incident(
    http, session_factory
) -> None:
    org = create_org(session_factory)
    with http_receiver() as pd:
        cid = _pd_channel(http, org, pd)
        _rule(http, org, {"trigger": "score_drop", "points": 10}, channel_ids=[cid])
        _posture(session_factory, org, 65.0, 80.0)  # fell 15: fires
        assert _evaluate(http, org)["alerts_created"] == 1
        _posture(session_factory, org, 66.0, 65.0)  # still 14 below where it fell from
        assert _evaluate(http, org)["auto_resolved"] == 0
        _deliver(session_factory, org)
        _posture(session_factory, org, 75.0, 66.0)  # within 10 of 80 again: cleared
        assert _evaluate(http, org)["auto_resolved"] == 1
        [first] = _alerts(http, org)
        assert first["resolved_by"] == "system" and "75" in first["resolution"]
        _deliver(session_factory, org)

        _posture(session_factory, org, 60.0, 75.0)  # flaps back down: a new alert
        result = _evaluate(http, org)
        assert (result["alerts_created"], result["auto_resolved"]) == (1, 0)
        _deliver(session_factory, org)
        _posture(session_factory, org, 79.0, 60.0)
        assert _evaluate(http, org)["auto_resolved"] == 1
        assert _evaluate(http, org)["auto_resolved"] == 0
        _deliver(session_factory, org)
        assert _deliver(session_factory, org).sent == 0

    second, first = _alerts(http, org)
    assert first["status"] == second["status"] == "resolved"
    by_key: dict[str, list[str]] = {}
    for e in _pd_events(pd):
        by_key.setdefault(e["dedup_key"], []).append(e["event_action"])
    assert by_key == {
        f"threatvec-{first['id']}": ["trigger", "resolve"],
        f"threatvec-{second['id']}": ["trigger", "resolve"],
    }
    assert set(pd.incidents.values()) == {"resolved"}


def test_a_person_and_the_auto_resolve_never_both_send_a_resolve(http, session_factory) -> None:
    org = create_org(session_factory)
    with http_receiver() as pd:
        cid = _pd_channel(http, org, pd)
        _rule(http, org, {"trigger": "score_drop", "points": 10}, channel_ids=[cid])
        _posture(session_factory, org, 60.0, 80.0)
        _evaluate(http, org)
        _deliver(session_factory, org)
        [alert] = _alerts(http, org)
        # Acknowledged by the on-call engineer, then resolved by a person before evaluation
        # saw the recovery: the evaluation finds it resolved and leaves it alone.
        _ok(http.post(f"/alerts/{alert['id']}/ack", headers=_as(org)))
        _ok(http.post(f"/alerts/{alert['id']}/resolve", headers=_as(org)))
        _posture(session_factory, org, 80.0, 60.0)
        assert _evaluate(http, org)["auto_resolved"] == 0
        got = _ok(http.get(f"/alerts/{alert['id']}", headers=_as(org)))
        assert got["resolved_by"] != "system" and got["resolution"] is None

        # The other way round: auto-resolved first (from acknowledged), then a person's click.
        _posture(session_factory, org, 60.0, 80.0)
        _evaluate(http, org)
        _deliver(session_factory, org)
        newer = next(a for a in _alerts(http, org) if a["status"] != "resolved")
        _ok(http.post(f"/alerts/{newer['id']}/ack", headers=_as(org)))
        _deliver(session_factory, org)
        _posture(session_factory, org, 80.0, 60.0)
        assert _evaluate(http, org)["auto_resolved"] == 1
        again = _ok(http.post(f"/alerts/{newer['id']}/resolve", headers=_as(org)))
        assert (again["status"], again["resolved_by"]) == ("resolved", "system")
        _deliver(session_factory, org)

    resolves = [e["dedup_key"] for e in _pd_events(pd) if e["event_action"] == "resolve"]
    assert sorted(resolves) == sorted([f"threatvec-{alert['id']}", f"threatvec-{newer['id']}"])


def test_auto_resolve_is_a_validated_per_rule_setting(http, session_factory) -> None:
    org = create_org(session_factory)
    for trigger, default in [("score_drop", True), ("new_critical_cve", True),
                             ("mcp_rug_pull", True), ("new_shadow_asset", True),
                             ("pii_spike", False), ("red_team_bypass", False)]:  # fmt: skip
        cond: dict[str, Any] = {"trigger": trigger}
        cond.update({"score_drop": {"points": 5}, "pii_spike": {"threshold": 3}}.get(trigger, {}))
        assert _rule(http, org, cond)["auto_resolve"] is default, trigger
    # A one-off event has nothing that clears: asking for it is a 422 naming the field.
    body = {"name": "pii", "condition": {"trigger": "pii_spike", "threshold": 3},
            "auto_resolve": True}  # fmt: skip
    r = http.post("/alerts/rules", json=body, headers=_as(org))
    assert r.status_code == 422, r.text
    [err] = r.json()["errors"]
    assert err["loc"] == ["body", "auto_resolve"] and "pii_spike" in err["msg"]
    pii = _rule(http, org, {"trigger": "pii_spike", "threshold": 3})
    r = http.patch(f"/alerts/rules/{pii['id']}", json={"auto_resolve": True}, headers=_as(org))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "auto_resolve"]
    # Changing the condition to a kind that cannot clear turns it off with it.
    drop = _rule(http, org, {"trigger": "score_drop", "points": 5})
    to_bypass = {"condition": {"trigger": "red_team_bypass"}}
    r = http.patch(f"/alerts/rules/{drop['id']}", json=to_bypass, headers=_as(org))
    assert _ok(r)["auto_resolve"] is False


def test_a_rule_with_auto_resolve_off_leaves_the_alert_for_a_person(http, session_factory) -> None:
    org = create_org(session_factory)
    _rule(http, org, {"trigger": "score_drop", "points": 10}, auto_resolve=False)
    _posture(session_factory, org, 60.0, 80.0)
    _evaluate(http, org)
    _posture(session_factory, org, 85.0, 60.0)
    assert _evaluate(http, org)["auto_resolved"] == 0
    [alert] = _alerts(http, org)
    assert alert["status"] == "open"


def test_a_cve_marked_fixed_resolves_its_alert(http, session_factory) -> None:
    org = create_org(session_factory)
    _rule(http, org, {"trigger": "new_critical_cve"}, cooldown_minutes=0)
    with session_scope(session_factory) as s:
        vulns_demo.seed(session=s, org_id=org.id)  # ingests CVEs against a demo stack
    _evaluate(http, org)
    alerts = _alerts(http, org)
    assert len(alerts) >= 2
    target = alerts[0]
    cve_id = target["details"]["events"][0]["cve_id"]
    _ok(http.patch(f"/patches/{cve_id}/status", json={"status": "investigating"},
                   headers=_as(org)))  # fmt: skip
    assert _evaluate(http, org)["auto_resolved"] == 0  # being looked at is not fixed
    _ok(http.patch(f"/patches/{cve_id}/status", json={"status": "fixed"}, headers=_as(org)))
    assert _evaluate(http, org)["auto_resolved"] == 1
    by_id = {a["id"]: a for a in _alerts(http, org)}
    assert by_id[target["id"]]["status"] == "resolved"
    assert by_id[target["id"]]["resolution"] == f"condition cleared: {cve_id} is fixed"
    assert all(a["status"] == "open" for i, a in by_id.items() if i != target["id"])


def test_re_approving_a_rug_pulled_mcp_server_resolves_its_alert(http, session_factory) -> None:
    org = create_org(session_factory)
    _rule(http, org, {"trigger": "mcp_rug_pull"})
    with session_scope(session_factory) as s:
        ingested = mcp.ingest_report(
            session=s, org_id=org.id, report=scan_report([(CHANGING_SPEC, changing_snapshot(1))])
        )
        server_id = ingested.accepted[0].server_id
        mcp.approve(session=s, org_id=org.id, server_id=server_id, by="test")
    with session_scope(session_factory) as s:  # the tools change under the pin
        mcp.ingest_report(
            session=s, org_id=org.id, report=scan_report([(CHANGING_SPEC, changing_snapshot(2))])
        )
    assert _evaluate(http, org)["alerts_created"] == 1
    assert _evaluate(http, org)["auto_resolved"] == 0
    with session_scope(session_factory) as s:  # reviewed and approved as it now is
        mcp.approve(session=s, org_id=org.id, server_id=server_id, by="test")
    assert _evaluate(http, org)["auto_resolved"] == 1
    [alert] = _alerts(http, org)
    assert alert["status"] == "resolved" and "re-approved" in alert["resolution"]


def test_an_auto_resolve_that_loses_the_race_to_a_person_sends_nothing(
    http, session_factory
) -> None:
    from threatvec.alerts import service
    from threatvec.alerts.models import Alert, AlertDelivery

    org = create_org(session_factory)
    with http_receiver() as pd:
        _rule(http, org, {"trigger": "score_drop", "points": 10},
              channel_ids=[_pd_channel(http, org, pd)])  # fmt: skip
        _posture(session_factory, org, 60.0, 80.0)
        _evaluate(http, org)
        _deliver(session_factory, org)
        [listed] = _alerts(http, org)
        with session_scope(session_factory) as s:
            # Evaluation has read the alert as open; a person resolves it meanwhile.
            stale = s.get(Alert, listed["id"])
            assert stale is not None and stale.status == "open"
            _ok(http.post(f"/alerts/{listed['id']}/resolve", headers=_as(org)))
            assert not service.auto_resolve(session=s, alert=stale, reason="condition cleared: x")
            assert stale.resolved_by != "system" and stale.resolution is None
            rows = s.query(AlertDelivery).filter_by(alert_id=listed["id"], action="resolve").all()
            assert len(rows) == 1
        assert _deliver(session_factory, org).sent == 1
        assert [e["event_action"] for e in _pd_events(pd)] == ["trigger", "resolve"]


def test_an_alert_that_folded_more_matches_than_it_shows_resolves_when_every_one_clears(
    http, session_factory
) -> None:
    from sqlalchemy import select

    from threatvec.alerts.models import Alert, AlertSubject
    from threatvec.alerts.notifiers.message import AlertMessage

    org = create_org(session_factory)
    _rule(http, org, {"trigger": "new_shadow_asset"})  # cooldown 60 min: the storm folds
    tag = uuid.uuid4().hex[:8]
    ids = [_visit(http, org, f"tool{i}-{tag}.example") for i in range(25)]
    result = _evaluate(http, org)
    assert (result["alerts_created"], result["alerts_folded"]) == (1, 24)
    [alert] = _alerts(http, org)
    assert alert["occurrences"] == 25 and len(alert["details"]["events"]) == 20  # readable
    # Every one is kept (as rows); the JSON shows the first 20 and the total.
    assert alert["details"]["subjects"] == ids[:20] and alert["details"]["subjects_total"] == 25
    with session_scope(session_factory) as s:  # what a channel is sent: a count, not 25 ids
        row = s.get(Alert, alert["id"])
        assert row is not None
        kept = s.scalars(select(AlertSubject.subject_id).where(AlertSubject.alert_id == row.id))
        assert sorted(kept) == sorted(ids)
        sent = AlertMessage.from_alert(row).as_json()["details"]
    assert sent["subjects_total"] == 25 and "subjects" not in sent and len(sent["events"]) == 20

    for sid in ids[:-1]:  # the one left is past the first 20 the alert shows
        _ok(http.post(f"/shadow/services/{sid}/register", json={}, headers=_as(org)))
    assert _evaluate(http, org)["auto_resolved"] == 0
    assert _alerts(http, org)[0]["status"] == "open"
    _ok(http.post(f"/shadow/services/{ids[-1]}/register", json={}, headers=_as(org)))
    assert _evaluate(http, org)["auto_resolved"] == 1
    [done] = _alerts(http, org)
    assert (done["status"], done["resolved_by"]) == ("resolved", "system")
    assert done["resolution"].startswith("condition cleared: all 25 services are registered")


def _holding_alerts(session_factory: Any, org: OrgHandle, n: int) -> None:
    """n open alerts per clearable trigger, each still holding (nothing to resolve)."""
    from datetime import UTC, datetime

    from threatvec.mcp.models import McpServer
    from threatvec.shadow.models import ShadowService

    now = datetime.now(UTC)
    with session_scope(session_factory) as s:
        for i in range(n):
            svc = ShadowService(
                org_id=org.id,
                domain=f"s{i}-{uuid.uuid4().hex[:6]}.example",
                name=f"s{i}",
                first_seen=now,
                last_seen=now,
            )
            srv = McpServer(
                org_id=org.id,
                identity_key=uuid.uuid4().hex,
                name=f"m{i}",
                transport="stdio",
                approved=True,
                approved_hash="a",
                current_hash="b",
            )
            s.add_all([svc, srv])
            s.flush()
            signals.publish(
                session=s,
                org_id=org.id,
                kind="shadow.new_service",
                data={"service_id": svc.id, "domain": svc.domain, "risk": "HIGH"},
            )
            signals.publish(
                session=s,
                org_id=org.id,
                kind="mcp.rug_pull",
                data={"server_id": srv.id, "server": srv.name, "severity": "high"},
            )
            signals.publish(
                session=s,
                org_id=org.id,
                kind="posture.updated",
                data={"value": 50.0, "previous": 80.0},
            )


def _inside(function: str) -> bool:
    """Whether a caller up this thread's stack is a function of that name."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == function:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def test_the_auto_resolve_check_reads_once_per_trigger_not_once_per_alert(
    http, session_factory
) -> None:
    from sqlalchemy import event

    counts: list[int] = []
    engine = session_factory.kw["bind"]
    for n in (3, 12):
        org = create_org(session_factory)
        for cond in ({"trigger": "new_shadow_asset"}, {"trigger": "mcp_rug_pull"},
                     {"trigger": "score_drop", "points": 10}):  # fmt: skip
            _rule(http, org, cond, cooldown_minutes=0)  # every match its own alert
        _holding_alerts(session_factory, org, n)
        assert _evaluate(http, org)["alerts_created"] == 3 * n
        seen: list[str] = []
        me = threading.get_ident()

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            # This thread's only: the live server's scheduled jobs share the engine. The
            # stream bound (settled_through) reads the whole signal table, not this org's
            # alerts: it takes one or two statements as other orgs' signals arrive, so it
            # is left out of the count.
            if threading.get_ident() == me and not _inside("settled_through"):
                seen.append(statement)

        if n == 12:  # another org's fresh signal: the stream bound reads more, the count not
            other = create_org(session_factory)
            with session_scope(session_factory) as s:
                signals.publish(session=s, org_id=other.id, kind="posture.updated",
                                data={"value": 50.0, "previous": 80.0})  # fmt: skip
        event.listen(engine, "before_cursor_execute", count)
        try:
            with session_scope(session_factory) as s:
                result = flows.evaluate(session=s, org_id=org.id)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert result.auto_resolved == 0 and result.alerts_created == 0
        counts.append(len(seen))
    assert counts[0] == counts[1], counts  # 9 or 36 open alerts: the same statements


def test_an_alert_stored_before_subjects_were_kept_says_it_must_be_resolved_by_hand() -> None:
    from types import SimpleNamespace

    from threatvec.alerts import clearing

    ev = [{"service_id": f"s{i}", "domain": f"d{i}.example"} for i in range(20)]
    old = SimpleNamespace(trigger="new_shadow_asset", details={"events": ev}, occurrences=25)
    note = clearing.manual_only(old)
    assert note is not None and "folded 25 matches" in note and "Resolve it by hand" in note
    kept = {"events": ev, "subjects": ["s0"], "subjects_total": 25}
    assert clearing.manual_only(SimpleNamespace(**{**vars(old), "details": kept})) is None
    score = SimpleNamespace(trigger="score_drop", details={"events": ev}, occurrences=25)
    assert clearing.manual_only(score) is None
