"""The demo: rules for every trigger, a disabled channel pointing nowhere, alerts from demo data."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import create_org
from threatvec.alerts import demo, service
from threatvec.alerts.models import AlertDelivery
from threatvec.alerts.schemas import TRIGGERS
from threatvec.shadow import demo as shadow_demo
from threatvec.store.engine import session_scope


def test_demo_has_rules_a_disabled_channel_and_alerts(session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        shadow_demo.seed(session=s, org_id=org.id)
        demo.seed(session=s, org_id=org.id)
        rules = service.list_rules(session=s, org_id=org.id)
        # the demo rules plus the one Shadow AI's demo asks for through its alert action
        assert {r.trigger for r in rules} == set(TRIGGERS)
        [channel] = service.list_channels(session=s, org_id=org.id)
        assert not channel.enabled and channel.config["url"].endswith(".invalid/threatvec")
        alerts = service.list_recent_alerts(session=s, org_id=org.id)
        assert {a.trigger for a in alerts} >= {"new_shadow_asset", "pii_spike"}
        # nothing is queued for the disabled channel
        assert not s.scalars(select(AlertDelivery).where(AlertDelivery.org_id == org.id)).all()
