"""The engine end to end on a real database: real signals from real domain services → alerts →
real local receivers; cooldown, cursor, retries and the email digest."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.alerts.conftest import WEBHOOK_SECRET, add_channel, add_rule
from tests.alerts.receivers import http_receiver, smtp_sink
from tests.conftest import create_org
from tests.shadow.helpers import event, visit
from threatvec.alerts import flows
from threatvec.alerts.models import Alert, AlertChannel, AlertDelivery
from threatvec.core.clock import utcnow
from threatvec.mcp.flows import RUG_PULL_SIGNAL
from threatvec.shadow import service as shadow
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope


def _ingest(session, org_id: str, *events) -> None:
    res = shadow.ingest_batch(session=session, org_id=org_id, payload={"events": list(events)})
    assert res.accepted == len(events), res


def _deliveries(session, org_id: str) -> list[AlertDelivery]:
    return list(
        session.scalars(
            select(AlertDelivery)
            .where(AlertDelivery.org_id == org_id)
            .order_by(AlertDelivery.created_at)
            .execution_options(populate_existing=True)
        )
    )


def _alerts(session, org_id: str) -> list[Alert]:
    return list(
        session.scalars(
            select(Alert)
            .where(Alert.org_id == org_id)
            .order_by(Alert.fired_at, Alert.id)
            .execution_options(populate_existing=True)
        )
    )


def test_shadow_ingest_fires_new_shadow_asset_to_slack(session_factory, box) -> None:
    org = create_org(session_factory)
    with http_receiver() as slack, session_scope(session_factory) as s:
        cid = add_channel(
            s,
            org.id,
            box,
            "slack",
            {"kind": "slack", "webhook_url": slack.url + "/slack/T0/B0/abcd1234"},
        )
        add_rule(s, org.id, {"trigger": "new_shadow_asset"}, channel_ids=[cid], severity="medium")
        s.commit()
        _ingest(s, org.id, visit("never-seen-ai-tool.example"))
        s.commit()
        result = flows.evaluate(session=s, org_id=org.id)
        s.commit()
        assert (result.alerts_created, result.deliveries) == (1, 1)
        stats = flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True)
        assert stats.sent == 1
        [req] = slack.requests
        body = req.json()
        assert req.path == "/slack/T0/B0/abcd1234"
        assert "never-seen-ai-tool.example" in body["text"]
        assert body["blocks"][0]["type"] == "header"
        assert "MEDIUM" in body["blocks"][0]["text"]["text"]
        [d] = _deliveries(s, org.id)
        assert (d.status, d.attempts, d.last_status_code) == ("sent", 1, 200)


def test_a_storm_inside_the_cooldown_is_one_alert_and_one_notification(
    session_factory, box
) -> None:
    org = create_org(session_factory)
    with http_receiver() as slack, session_scope(session_factory) as s:
        cid = add_channel(
            s, org.id, box, "slack", {"kind": "slack", "webhook_url": slack.url + "/slack/x"}
        )
        add_rule(
            s,
            org.id,
            {"trigger": "pii_spike", "threshold": 3, "window_minutes": 60},
            channel_ids=[cid],
            cooldown_minutes=60,
        )
        s.commit()
        # Two detections: below the threshold; nothing fires.
        _ingest(
            s, org.id, event(domain="claude.ai", pii_categories=["EMAIL"], pii_counts={"EMAIL": 1})
        )
        _ingest(
            s, org.id, event(domain="claude.ai", pii_categories=["EMAIL"], pii_counts={"EMAIL": 1})
        )
        assert flows.evaluate(session=s, org_id=org.id).alerts_created == 0
        s.commit()
        # Then a storm of ten: the first crossing fires, the rest fold into it.
        for _ in range(10):
            _ingest(
                s,
                org.id,
                event(domain="claude.ai", pii_categories=["US_SSN"], pii_counts={"US_SSN": 1}),
            )
        res = flows.evaluate(session=s, org_id=org.id)
        s.commit()
        assert (res.alerts_created, res.alerts_folded, res.deliveries) == (1, 9, 1)
        [alert] = _alerts(s, org.id)
        assert alert.occurrences == 10 and alert.trigger == "pii_spike"
        assert "claude.ai" in alert.title and "US_SSN" in alert.summary
        flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True)
        assert len(slack.requests) == 1
        # Resolved: the next match opens a new alert even inside the cooldown.
        alert.status = "resolved"
        s.commit()
        _ingest(
            s, org.id, event(domain="claude.ai", pii_categories=["EMAIL"], pii_counts={"EMAIL": 1})
        )
        assert flows.evaluate(session=s, org_id=org.id).alerts_created == 1


def test_zero_cooldown_fires_every_match(session_factory, box) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        add_rule(s, org.id, {"trigger": "mcp_rug_pull"}, cooldown_minutes=0)
        s.commit()
        for i in range(3):
            signals.publish(
                session=s,
                org_id=org.id,
                kind=RUG_PULL_SIGNAL,
                data={"server_id": "srv1", "server": "notes", "changes": i + 1},
            )
        assert flows.evaluate(session=s, org_id=org.id).alerts_created == 3


def test_cursor_survives_restart_and_a_racing_evaluator_writes_nothing(
    session_factory, box, monkeypatch
) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        add_rule(s, org.id, {"trigger": "mcp_rug_pull"}, cooldown_minutes=0)
        s.commit()
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "a"})
    with session_scope(session_factory) as s:
        first = flows.evaluate(session=s, org_id=org.id)
        assert first.alerts_created == 1
    stale = first.cursor - 1
    with session_scope(session_factory) as s:  # "restart": a new session from the committed cursor
        assert flows.evaluate(session=s, org_id=org.id).alerts_created == 0
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "b"})
    # A second replica that read the cursor before the first one moved it loses the
    # compare-and-set and writes no alert.
    monkeypatch.setattr(flows, "_cursor", lambda session, org_id: stale)
    with session_scope(session_factory) as s:
        raced = flows.evaluate(session=s, org_id=org.id)
        assert raced.skipped and raced.alerts_created == 0
    monkeypatch.undo()
    with session_scope(session_factory) as s:
        assert flows.evaluate(session=s, org_id=org.id).alerts_created == 1
        titles = sorted(a.title for a in _alerts(s, org.id))
        assert len(titles) == 2 and "a changed" in titles[0] and "b changed" in titles[1]


def test_a_rule_ignores_signals_from_before_it_existed(session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "old"})
        s.flush()
    with session_scope(session_factory) as s:
        add_rule(s, org.id, {"trigger": "mcp_rug_pull"})
        assert flows.evaluate(session=s, org_id=org.id).alerts_created == 0


def test_retry_after_500_then_sent_and_errors_hold_no_secret(session_factory, box) -> None:
    org = create_org(session_factory)
    secret_path = "/slack/T0/B0/" + uuid.uuid4().hex
    with http_receiver() as slack, session_scope(session_factory) as s:
        slack.script = [500]
        cid = add_channel(
            s, org.id, box, "slack", {"kind": "slack", "webhook_url": slack.url + secret_path}
        )
        add_rule(s, org.id, {"trigger": "mcp_rug_pull"}, channel_ids=[cid])
        s.commit()
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "notes"})
        flows.evaluate(session=s, org_id=org.id)
        s.commit()
        now = utcnow()
        stats = flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True, now=now)
        assert (stats.sent, stats.retrying) == (0, 1)
        [d] = _deliveries(s, org.id)
        assert d.status == "pending" and d.attempts == 1 and d.last_status_code == 500
        assert d.last_error.startswith("HTTP 500") and secret_path not in d.last_error
        # Backoff: not due yet a moment later, due after ~30 s (±20 %).
        wait = d.next_attempt_at - now
        assert timedelta(seconds=23) <= wait <= timedelta(seconds=37)
        assert (
            flows.deliver_due(
                session=s,
                org_id=org.id,
                box=box,
                allow_private=True,
                now=now + timedelta(seconds=5),
            ).sent
            == 0
        )
        stats = flows.deliver_due(
            session=s, org_id=org.id, box=box, allow_private=True, now=now + timedelta(seconds=40)
        )
        assert stats.sent == 1
        [d] = _deliveries(s, org.id)
        assert (d.status, d.attempts, d.last_error) == ("sent", 2, None)
        assert len(slack.requests) == 2


def test_429_waits_as_long_as_retry_after_asks(session_factory, box) -> None:
    org = create_org(session_factory)
    with http_receiver() as slack, session_scope(session_factory) as s:
        slack.script = [(429, {"Retry-After": "600"}, "rate_limited")]
        cid = add_channel(
            s, org.id, box, "slack", {"kind": "slack", "webhook_url": slack.url + "/slack/x"}
        )
        add_rule(s, org.id, {"trigger": "mcp_rug_pull"}, channel_ids=[cid])
        s.commit()
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "notes"})
        flows.evaluate(session=s, org_id=org.id)
        s.commit()
        now = utcnow()
        stats = flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True, now=now)
        assert stats.retrying == 1
        [d] = _deliveries(s, org.id)
        # Our own backoff would try again in ~30 s; the receiver asked for 10 minutes.
        wait = d.next_attempt_at - now
        assert timedelta(seconds=600) <= wait <= timedelta(seconds=600 * 1.2 + 1)
        later = now + timedelta(seconds=300)
        assert flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True,
                                 now=later).sent == 0  # fmt: skip
        assert len(slack.requests) == 1


def test_permanent_4xx_and_exhausted_retries_fail(session_factory, box) -> None:
    org = create_org(session_factory)
    with http_receiver() as rx, session_scope(session_factory) as s:
        rx.script = [404] + [503] * flows.MAX_ATTEMPTS
        gone = add_channel(
            s, org.id, box, "gone", {"kind": "slack", "webhook_url": rx.url + "/slack/gone"}
        )
        flaky = add_channel(
            s, org.id, box, "flaky", {"kind": "slack", "webhook_url": rx.url + "/slack/flaky"}
        )
        add_rule(s, org.id, {"trigger": "mcp_rug_pull", "servers": ["x"]}, channel_ids=[gone])
        s.commit()
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "x"})
        flows.evaluate(session=s, org_id=org.id)
        s.commit()
        assert flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True).failed == 1
        [d] = _deliveries(s, org.id)
        assert (d.status, d.attempts) == ("failed", 1)
        # A channel that keeps answering 503 is given up after MAX_ATTEMPTS.
        add_rule(s, org.id, {"trigger": "mcp_rug_pull", "servers": ["y"]}, channel_ids=[flaky])
        s.commit()
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "y"})
        flows.evaluate(session=s, org_id=org.id)
        s.commit()
        t = utcnow()
        for _ in range(flows.MAX_ATTEMPTS):
            flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True, now=t)
            t += timedelta(hours=2)
        d = _deliveries(s, org.id)[-1]
        assert (d.status, d.attempts) == ("failed", flows.MAX_ATTEMPTS)
        assert d.last_error.startswith("HTTP 503")


def test_critical_cve_from_vulns_ingest_pages_pagerduty(session_factory, box) -> None:
    from threatvec.vulns import demo as vulns_demo

    org = create_org(session_factory)
    key = "R0UT1NGKEY" + uuid.uuid4().hex[:22]
    with http_receiver() as pd, session_scope(session_factory) as s:
        cid = add_channel(
            s, org.id, box, "pd", {"kind": "pagerduty", "routing_key": key, "base_url": pd.url}
        )
        add_rule(
            s,
            org.id,
            {"trigger": "new_critical_cve"},
            channel_ids=[cid],
            severity="critical",
            cooldown_minutes=0,
        )
        s.commit()
        vulns_demo.seed(session=s, org_id=org.id)  # ingests CVEs against a demo stack
        s.commit()
        res = flows.evaluate(session=s, org_id=org.id)
        s.commit()
        assert res.alerts_created >= 2
        flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True)
        assert len(pd.requests) == res.alerts_created
        req = pd.requests[0]
        assert req.path == "/v2/enqueue"
        ev = req.json()
        assert ev["routing_key"] == key and ev["event_action"] == "trigger"
        assert ev["dedup_key"].startswith("threatvec-")
        assert ev["payload"]["source"] == "threatvec" and ev["payload"]["severity"] == "critical"
        assert ev["payload"]["summary"].startswith("Critical CVE affecting")
        assert "CVE-" in ev["payload"]["custom_details"]["summary"]
        assert {d.status for d in _deliveries(s, org.id)} == {"sent"}


def test_red_team_bypass_goes_to_the_signed_soar_webhook(session_factory, box) -> None:
    org = create_org(session_factory)
    with http_receiver(webhook_secret=WEBHOOK_SECRET) as soar, session_scope(session_factory) as s:
        soar.script = [502]
        cid = add_channel(
            s,
            org.id,
            box,
            "soar",
            {"kind": "webhook", "url": soar.url + "/soar", "secret": WEBHOOK_SECRET},
        )
        add_rule(
            s, org.id, {"trigger": "red_team_bypass", "min_severity": "high"}, channel_ids=[cid]
        )
        s.commit()
        # The payload redteam/flows.py publishes for a failed probe.
        bypass = {
            "run_id": "run1",
            "agent_id": "ag1",
            "agent": "support-bot",
            "probe_id": "exfil-email",
            "title": "Exfiltration by email",
            "severity": "critical",
            "atlas": ["AML.T0057"],
            "owasp": ["LLM02"],
            "critical": True,
            "confirmed": True,
            "signal": "tool_call",
            "detail": "send_email to attacker@example.com",
        }
        signals.publish(session=s, org_id=org.id, kind="redteam.bypass", data=bypass)
        signals.publish(
            session=s, org_id=org.id, kind="redteam.bypass", data={**bypass, "severity": "low"}
        )
        res = flows.evaluate(session=s, org_id=org.id)
        s.commit()
        assert (res.matched, res.alerts_created) == (1, 1)
        now = utcnow()
        flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True, now=now)
        flows.deliver_due(
            session=s, org_id=org.id, box=box, allow_private=True, now=now + timedelta(minutes=5)
        )
        assert len(soar.requests) == 2 and soar.signature_failures == 0
        first, second = soar.requests
        # Same delivery id on the retry, so a receiver can de-duplicate.
        assert first.headers["x-threatvec-delivery"] == second.headers["x-threatvec-delivery"]
        body = second.json()
        assert body["type"] == "alert.fired"
        assert (
            body["alert"]["trigger"] == "red_team_bypass"
            and "support-bot" in body["alert"]["title"]
        )


def test_score_drop_against_previous_and_hours_ago(session_factory) -> None:
    from threatvec.posture.models import PostureSnapshot

    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        s.add(
            PostureSnapshot(
                org_id=org.id, computed_at=utcnow() - timedelta(hours=30), composite=80.0
            )
        )
        add_rule(s, org.id, {"trigger": "score_drop", "points": 5})
        add_rule(
            s, org.id, {"trigger": "score_drop", "points": 9, "compare": "hours_ago", "hours": 24}
        )
        s.commit()
        # The payload posture/service.py publishes on every recompute.
        signals.publish(
            session=s,
            org_id=org.id,
            kind="posture.updated",
            data={"snapshot_id": "s1", "value": 71.0, "previous": 74.0, "trigger": "api"},
        )
        res = flows.evaluate(session=s, org_id=org.id)
        assert (res.matched, res.alerts_created) == (1, 1)  # only the 24 h rule: 80 → 71
        [a] = _alerts(s, org.id)
        assert "9 points" in a.title and "24 h ago" in a.summary


def _email(smtp: Any, **fields: Any) -> dict[str, Any]:
    """An email channel's config pointing at the local SMTP sink (no STARTTLS)."""
    return {"kind": "email", "host": smtp.host, "port": smtp.port, "starttls": False, **fields}


def test_email_digest_batches_alerts_into_one_escaped_mail(session_factory, box) -> None:
    org = create_org(session_factory)
    with smtp_sink() as smtp, session_scope(session_factory) as s:
        cid = add_channel(
            s,
            org.id,
            box,
            "mail",
            _email(
                smtp,
                sender="threatvec@example.com",
                recipients=["soc@example.com", "ciso@example.com"],
                digest_minutes=60,
            ),
        )
        add_rule(s, org.id, {"trigger": "mcp_rug_pull"}, channel_ids=[cid], cooldown_minutes=0)
        s.commit()
        for name in ("notes", "<script>alert(1)</script>", "files"):
            signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": name})
        assert flows.evaluate(session=s, org_id=org.id).deliveries == 3
        s.commit()
        now = utcnow()
        stats = flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True, now=now)
        assert (stats.digests, stats.sent) == (1, 3)
        [mail] = smtp.messages
        assert mail["to"] == ["<soc@example.com>", "<ciso@example.com>"]
        msg = message_from_bytes(mail["data"])
        assert msg["Subject"] == "ThreatVec: 3 alerts"
        html = (
            next(p for p in msg.walk() if p.get_content_type() == "text/html")
            .get_payload(decode=True)
            .decode()
        )
        assert "&lt;script&gt;" in html and "<script>" not in html
        assert html.count("<tr>") == 4  # header + 3 alerts
        # The next alert waits for the next digest period.
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "late"})
        flows.evaluate(session=s, org_id=org.id, now=now + timedelta(minutes=1))
        s.commit()
        assert (
            flows.deliver_due(
                session=s,
                org_id=org.id,
                box=box,
                allow_private=True,
                now=now + timedelta(minutes=2),
            ).sent
            == 0
        )
        assert (
            flows.deliver_due(
                session=s,
                org_id=org.id,
                box=box,
                allow_private=True,
                now=now + timedelta(minutes=61),
            ).digests
            == 1
        )
        assert len(smtp.messages) == 2 and b"late" in smtp.messages[1]["data"]


def test_smtp_temporary_failure_is_retried(session_factory, box) -> None:
    org = create_org(session_factory)
    with smtp_sink() as smtp, session_scope(session_factory) as s:
        smtp.reject_data_with = [451]
        cid = add_channel(
            s,
            org.id,
            box,
            "mail",
            _email(smtp, sender="tv@example.com", recipients=["soc@example.com"]),
        )
        add_rule(s, org.id, {"trigger": "mcp_rug_pull"}, channel_ids=[cid])
        s.commit()
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "a"})
        flows.evaluate(session=s, org_id=org.id)
        s.commit()
        now = utcnow()
        assert (
            flows.deliver_due(
                session=s, org_id=org.id, box=box, allow_private=True, now=now
            ).retrying
            == 1
        )
        [d] = _deliveries(s, org.id)
        assert d.last_status_code == 451 and d.last_error.startswith("SMTP 451")
        assert (
            flows.deliver_due(
                session=s,
                org_id=org.id,
                box=box,
                allow_private=True,
                now=now + timedelta(minutes=2),
            ).sent
            == 1
        )
        assert len(smtp.messages) == 1


def test_disabled_channel_gets_no_delivery_and_private_targets_are_guarded(
    session_factory, box
) -> None:
    org = create_org(session_factory)
    with http_receiver() as rx, session_scope(session_factory) as s:
        cid = add_channel(
            s, org.id, box, "slack", {"kind": "slack", "webhook_url": rx.url + "/slack/a"}
        )
        add_rule(s, org.id, {"trigger": "mcp_rug_pull"}, channel_ids=[cid], cooldown_minutes=0)
        s.commit()
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "a"})
        flows.evaluate(session=s, org_id=org.id)
        s.commit()
        # Without allow_private the SSRF guard refuses 127.0.0.1 at send time: failed, not retried.
        assert flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=False).failed == 1
        [d] = _deliveries(s, org.id)
        assert d.last_error.startswith("destination refused") and not rx.requests
        s.get(AlertChannel, cid).enabled = False
        s.commit()
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "b"})
        assert flows.evaluate(session=s, org_id=org.id).deliveries == 0


@pytest.mark.parametrize("attempt,low,high", [(1, 24, 36), (3, 96, 144), (20, 2880, 4320)])
def test_backoff_doubles_with_jitter_and_a_cap(attempt: int, low: float, high: float) -> None:
    values = [flows.backoff_s(attempt) for _ in range(50)]
    assert all(low <= v <= high for v in values)
    assert len(set(values)) > 1


def test_evaluation_cost_is_bounded_by_new_signals(session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        add_rule(s, org.id, {"trigger": "mcp_rug_pull"})
        s.commit()
        for _ in range(1200):
            signals.publish(session=s, org_id=org.id, kind="agent.events", data={})
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "z"})
        res = flows.evaluate(session=s, org_id=org.id)
        # Only watched kinds are read; the cursor lands on the last one.
        assert res.signals == 1 and res.alerts_created == 1
        assert res.cursor == signals.latest_id(session=s, org_id=org.id)
        n = s.scalar(select(func.count()).select_from(Alert).where(Alert.org_id == org.id))
        assert n == 1


def test_a_login_the_smtp_server_does_not_offer_fails_once_and_says_why(
    session_factory, box
) -> None:
    # A user name configured, STARTTLS off, a server that offers AUTH only
    # over TLS: retrying can never work, so the delivery fails at once.
    org = create_org(session_factory)
    with smtp_sink() as smtp, session_scope(session_factory) as s:
        cfg = _email(
            smtp,
            sender="tv@example.com",
            recipients=["soc@example.com"],
            username="relay-user",
            password="relay-password-123",
        )
        cid = add_channel(s, org.id, box, "mail", cfg)
        add_rule(s, org.id, {"trigger": "mcp_rug_pull"}, channel_ids=[cid])
        s.commit()
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "a"})
        flows.evaluate(session=s, org_id=org.id)
        s.commit()
        result = flows.deliver_due(
            session=s, org_id=org.id, box=box, allow_private=True, now=utcnow()
        )
        [d] = _deliveries(s, org.id)
        assert result.retrying == 0 and d.status == "failed", (result, d.status)
        assert "offers no login" in d.last_error and "starttls" in d.last_error
        assert "relay-password-123" not in d.last_error
        assert smtp.messages == []


def test_a_digest_sent_again_after_a_lost_reply_keeps_its_message_id(session_factory, box) -> None:
    # Email has no delivery id header: when the server's 250 is lost, the retry mails the
    # digest again. The same Message-ID lets mail servers and clients drop the copy;
    # a new random one per attempt made two distinct mails. A different set of alerts
    # is a different mail, with its own id.
    org = create_org(session_factory)
    with smtp_sink() as smtp, session_scope(session_factory) as s:
        smtp.lose_reply_to_data = 1
        cfg = _email(smtp, sender="tv@example.com", recipients=["soc@example.com"])
        cid = add_channel(s, org.id, box, "mail", cfg)
        add_rule(s, org.id, {"trigger": "mcp_rug_pull"}, channel_ids=[cid], cooldown_minutes=0)
        s.commit()
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "a"})
        flows.evaluate(session=s, org_id=org.id)
        s.commit()
        now = utcnow()
        first = flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True, now=now)
        assert first.retrying == 1
        later = now + timedelta(hours=2)
        again = flows.deliver_due(session=s, org_id=org.id, box=box, allow_private=True, now=later)
        assert again.sent == 1
        signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "b"})
        flows.evaluate(session=s, org_id=org.id, now=later)
        s.commit()
        flows.deliver_due(
            session=s, org_id=org.id, box=box, allow_private=True, now=later + timedelta(hours=2)
        )
        ids = [message_from_bytes(m["data"])["Message-ID"] for m in smtp.messages]
    assert len(ids) == 3 and ids[0] == ids[1] and ids[2] != ids[0]
    assert ids[0].endswith("@example.com>")
