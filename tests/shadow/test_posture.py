"""The Shadow AI dimension provider: no telemetry → no data; services → the posture formula."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import create_org
from tests.shadow.helpers import event, visit
from threatvec.core.clock import utcnow
from threatvec.posture.providers import DimensionProvider
from threatvec.shadow.posture import ShadowProvider
from threatvec.store.engine import session_scope


def test_provider_protocol_and_no_data(session_factory) -> None:
    provider = ShadowProvider()
    assert isinstance(provider, DimensionProvider) and provider.name == "shadow"
    org = create_org(session_factory)
    with session_scope(session_factory) as session:
        dim = provider.compute(session=session, org_id=org.id, now=utcnow())
    assert dim.name == "shadow" and dim.score.value is None
    assert "no shadow AI telemetry" in dim.score.detail


def test_scores_services_in_the_window(client, session_factory) -> None:
    from tests.conftest import Api

    org = create_org(session_factory)
    api = Api(client, org)
    api.post(
        "/shadow/events",
        json={
            "events": [
                visit("gemini.google.com"),  # MEDIUM
                event(domain="claude.ai"),  # HIGH (PII)
                event(domain="odd-llm.ai", unknown_service=True),  # HIGH (unknown)
            ]
        },
    )
    provider = ShadowProvider()
    with session_scope(session_factory) as session:
        dim = provider.compute(session=session, org_id=org.id, now=utcnow())
    # P = 10 + 10 + 3 = 23 → 100·50/73
    assert round(dim.score.value, 2) == round(100 * 50 / 73, 2)
    assert dim.coverage["services"] == 3 and dim.coverage["high"] == 2
    assert dim.coverage["pii_services"] == 2
    titles = " ".join(r.title for r in dim.risks)
    assert "Claude" in titles and "odd-llm.ai" in titles
    assert any("Stop personal data going to Claude" in r.action for r in dim.risks)

    # registering claude.ai with EMAIL allowed makes it LOW in the posture too
    claude = next(
        s for s in api.get("/shadow/services").json()["items"] if s["domain"] == "claude.ai"
    )
    api.post(f"/shadow/services/{claude['id']}/register", json={"allowed_pii": ["EMAIL"]})
    with session_scope(session_factory) as session:
        dim = provider.compute(session=session, org_id=org.id, now=utcnow())
    assert dim.coverage["low"] == 1 and dim.coverage["high"] == 1

    # outside the 30-day window nothing is in recent use, but telemetry exists
    with session_scope(session_factory) as session:
        later = provider.compute(session=session, org_id=org.id, now=utcnow() + timedelta(days=40))
    assert later.score.value == 100.0 and later.coverage["services"] == 0
