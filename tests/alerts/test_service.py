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
