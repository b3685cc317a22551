"""Alert service rules that the API does not show directly: Shadow AI's alert action, guards."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.alerts.conftest import add_channel
from tests.conftest import create_org
from tests.shadow.helpers import event
from threatvec.alerts import flows, service
from threatvec.alerts.schemas import ChannelCreate
from threatvec.core.errors import InvalidInput
from threatvec.shadow import service as shadow
from threatvec.shadow.models import ShadowAlertIntent
from threatvec.store.engine import session_scope


def test_shadow_alert_action_makes_one_real_rule_that_fires(session_factory, box) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        add_channel(
            s, org.id, box, "slack", {"kind": "slack", "webhook_url": "https://hooks.slack.com/a/b"}
        )
        shadow.ingest_batch(
            session=s, org_id=org.id, payload={"events": [event(domain="claude.ai")]}
        )
        s.commit()
        svc = next(
            x
            for x in shadow.list_page(session=s, org_id=org.id, page=shadow.PageParams())[0]
            if x.domain == "claude.ai"
        )
        intent = shadow.add_alert_intent(session=s, org_id=org.id, service_id=svc.id, trigger="pii")
        again = shadow.add_alert_intent(session=s, org_id=org.id, service_id=svc.id, trigger="pii")
        assert intent.rule_id == again.rule_id
        [rule] = service.list_rules(session=s, org_id=org.id)
        assert rule.trigger == "pii_spike" and rule.condition["service_ids"] == [svc.id]
        assert rule.condition["threshold"] == 1 and len(rule.channel_ids) == 1
        s.commit()
        # PII to another service does not fire it; PII to this one does.
        shadow.ingest_batch(
            session=s, org_id=org.id, payload={"events": [event(domain="chatgpt.com")]}
        )
        assert flows.evaluate(session=s, org_id=org.id).alerts_created == 0
        shadow.ingest_batch(
            session=s, org_id=org.id, payload={"events": [event(domain="claude.ai")]}
        )
        res = flows.evaluate(session=s, org_id=org.id)
        assert (res.alerts_created, res.deliveries) == (1, 1)
        any_use = shadow.add_alert_intent(
            session=s, org_id=org.id, service_id=svc.id, trigger="any_use"
        )
        assert service.get_rule(session=s, org_id=org.id, rule_id=any_use.rule_id).condition[
            "domains"
        ] == ["claude.ai"]


def test_old_intents_are_adopted_once(session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        shadow.ingest_batch(
            session=s, org_id=org.id, payload={"events": [event(domain="claude.ai")]}
        )
        svc = shadow.list_page(session=s, org_id=org.id, page=shadow.PageParams())[0][0]
        # An intent stored the old way, before rules existed.
        s.add(ShadowAlertIntent(org_id=org.id, service_id=svc.id, trigger="pii"))
        s.flush()
        assert service.adopt_shadow_intents(session=s, org_id=org.id) == 1
        [rule] = service.list_rules(session=s, org_id=org.id)
        service.delete_rule(session=s, org_id=org.id, rule_id=rule.id)
        # A rule the user deleted is not brought back.
        assert service.adopt_shadow_intents(session=s, org_id=org.id) == 0
        assert service.list_rules(session=s, org_id=org.id) == []


def test_literal_private_destinations_are_refused_on_save(session_factory, box) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        for settings, field in (
            ({"kind": "slack", "webhook_url": "http://127.0.0.1:8080/x"}, "webhook_url"),
            ({"kind": "webhook", "url": "http://[::1]/x", "secret": "s" * 16}, "url"),
            (
                {
                    "kind": "pagerduty",
                    "routing_key": "k" * 16,
                    "base_url": "https://169.254.169.254",
                },
                "base_url",
            ),
            (
                {
                    "kind": "email",
                    "host": "localhost",
                    "sender": "a@example.com",
                    "recipients": ["b@example.com"],
                },
                "host",
            ),
        ):
            data = ChannelCreate.model_validate({"name": "x", "settings": settings})
            with pytest.raises(InvalidInput) as info:
                service.create_channel(
                    session=s, org_id=org.id, data=data, box=box, allow_private=False
                )
            assert info.value.errors[0].loc[-1] == field


def test_secret_bearing_urls_must_be_https_and_carry_no_credentials() -> None:
    """A Slack URL is itself the secret, a PagerDuty base receives the routing key."""
    bad = (
        ({"kind": "slack", "webhook_url": "http://hooks.slack.com/services/T0/B0/X"}, "https"),
        ({"kind": "pagerduty", "routing_key": "k" * 16, "base_url": "http://pd.example"}, "https"),
        ({"kind": "slack", "webhook_url": "https://u:p@hooks.slack.com/services/T0/B0/X"}, "user"),
        ({"kind": "webhook", "url": "https://u:p@hooks.example/x", "secret": "s" * 16}, "user"),
    )
    for settings, says in bad:
        with pytest.raises(ValidationError) as info:
            ChannelCreate.model_validate({"name": "x", "settings": settings})
        assert says in str(info.value)
    # https anywhere, and plain http to this machine (a local relay or a test receiver)
    for settings in (
        {"kind": "slack", "webhook_url": "https://hooks.slack.com/services/T0/B0/X"},
        {"kind": "slack", "webhook_url": "http://127.0.0.1:8080/hook"},
        {"kind": "pagerduty", "routing_key": "k" * 16, "base_url": "http://localhost:9000"},
        {"kind": "webhook", "url": "http://siem.internal/x", "secret": "s" * 16},
    ):
        ChannelCreate.model_validate({"name": "x", "settings": settings})


# ── an un-acknowledge racing a fold, on PostgreSQL ─────────────────────────


def _lock_waiters(engine) -> int:
    """Sessions of this test database waiting on a row lock of the alerts table."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return int(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query ILIKE '%alerts%'"
                )
            )
            or 0
        )


def _hold_until_the_other_waits(engine, session) -> None:
    """Commit only once the other thread is blocked on this transaction's row lock: what it
    read before that is what the old code wrote back over this commit."""
    import time

    deadline = time.monotonic() + 90
    while _lock_waiters(engine) == 0:
        assert time.monotonic() < deadline, "the other thread never waited on the alert's lock"
        time.sleep(0.05)
    session.commit()


def _acknowledged_alert(session_factory, org_id: str, server: str) -> str:
    from tests.alerts.conftest import add_rule
    from threatvec.mcp.flows import RUG_PULL_SIGNAL
    from threatvec.signals import service as signals

    with session_scope(session_factory) as s:
        rule_id = add_rule(s, org_id, {"trigger": "mcp_rug_pull", "servers": [server]})
    with session_scope(session_factory) as s:
        signals.publish(session=s, org_id=org_id, kind=RUG_PULL_SIGNAL, data={"server": server})
    with session_scope(session_factory) as s:
        assert flows.evaluate(session=s, org_id=org_id).alerts_created == 1
    with session_scope(session_factory) as s:
        [alert] = [a for a in service.list_recent_alerts(session=s, org_id=org_id)
                   if a.rule_id == rule_id]  # fmt: skip
        service.acknowledge(session=s, org_id=org_id, alert_id=alert.id, actor="ana")
        return alert.id


@pytest.mark.postgres
@pytest.mark.parametrize("first", ["fold", "unack"])
def test_an_unacknowledge_racing_a_fold_loses_neither_write(
    engine, session_factory, first: str
) -> None:
    """PagerDuty un-acknowledges an alert while an evaluation folds a new match into it.

    Both write the alert's details. Each round one side holds the row (its write flushed,
    not committed) until the other is blocked on it, then commits: the other must then
    build on what was committed, not on what it read before. Both orders, several rounds.
    """
    import threading

    from tests.conftest import backend
    from threatvec.mcp.flows import RUG_PULL_SIGNAL
    from threatvec.signals import service as signals

    if backend() != "postgres":
        pytest.skip("SQLite runs one writer at a time: the race is PostgreSQL's")
    org = create_org(session_factory)
    for n in range(3):
        server = f"race-{first}-{n}"
        alert_id = _acknowledged_alert(session_factory, org.id, server)
        with session_scope(session_factory) as s:
            signals.publish(session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": server})
        barrier = threading.Barrier(2, timeout=60)
        errors: list[BaseException] = []

        def fold() -> None:
            try:
                with session_factory() as s:
                    if first == "fold":
                        assert flows.evaluate(session=s, org_id=org.id).alerts_folded == 1
                        barrier.wait()
                        _hold_until_the_other_waits(engine, s)
                    else:
                        barrier.wait()
                        assert flows.evaluate(session=s, org_id=org.id).alerts_folded == 1
                        s.commit()
            except BaseException as exc:  # re-raised in the test's thread
                errors.append(exc)

        def unack() -> None:
            try:
                with session_factory() as s:
                    if first == "unack":
                        assert service.reopen(session=s, org_id=org.id, alert_id=alert_id,
                                              frm="acknowledged", actor="PagerDuty")  # fmt: skip
                        barrier.wait()
                        _hold_until_the_other_waits(engine, s)
                    else:
                        barrier.wait()
                        assert service.reopen(session=s, org_id=org.id, alert_id=alert_id,
                                              frm="acknowledged", actor="PagerDuty")  # fmt: skip
                        s.commit()
            except BaseException as exc:  # re-raised in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=fold), threading.Thread(target=unack)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
        assert not errors, errors
        with session_scope(session_factory) as s:
            alert = service.get_alert_or_raise(session=s, org_id=org.id, alert_id=alert_id)
            # The fold's match and the un-acknowledgement, both.
            assert (alert.status, alert.occurrences) == ("open", 2), n
            assert len(alert.details["events"]) == 2, (n, alert.details)
            assert alert.details["unacknowledged"]["by"] == "PagerDuty", (n, alert.details)
