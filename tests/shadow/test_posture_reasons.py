"""The Shadow AI posture provider: what a registration allows reaches the reason text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import Api, create_org, dashboard_login
from tests.shadow.helpers import event, visit
from threatvec.core.clock import utcnow
from threatvec.posture.builtin import BUILTIN_PROVIDERS, LazyProvider
from threatvec.posture.dimensions import DimensionScore
from threatvec.posture.providers import DimensionProvider
from threatvec.shadow.posture import ShadowProvider
from threatvec.shadow.service import posture_inputs as shadow_inputs
from threatvec.store.engine import session_scope


def _compute(session_factory: Any, org_id: str, **kw: Any) -> DimensionScore:
    with session_scope(session_factory) as session:
        return ShadowProvider().compute(session=session, org_id=org_id, now=utcnow(), **kw)


def _service_id(api: Api, domain: str) -> str:
    items = api.get("/shadow/services").json()["items"]
    return next(s["id"] for s in items if s["domain"] == domain)


def test_is_the_builtin_shadow_provider(session_factory: Any) -> None:
    lazy = LazyProvider("shadow", BUILTIN_PROVIDERS["shadow"])
    assert lazy.source == "threatvec.shadow.posture.ShadowProvider"
    assert isinstance(ShadowProvider(), DimensionProvider)
    org = create_org(session_factory)
    dim = _compute(session_factory, org.id)
    assert dim.no_data and "no shadow AI telemetry" in dim.score.detail


def test_registered_service_with_disallowed_pii_says_so(client: Any, session_factory: Any) -> None:
    api = Api(client, create_org(session_factory))
    r = api.post(
        "/shadow/events",
        json={
            "events": [
                event(
                    domain="claude.ai",
                    pii_categories=["EMAIL", "US_SSN"],
                    pii_counts={"EMAIL": 1, "US_SSN": 1},
                ),
                visit("gemini.google.com"),
            ]
        },
    )
    assert r.status_code == 200, r.text
    claude = _service_id(api, "claude.ai")

    before = {r.objects[0]: r for r in _compute(session_factory, api.org.id).risks}
    assert before[claude].detail == "unregistered, PII seen in 1 paste(s)"

    # registered and approved, but only EMAIL is allowed: US_SSN is still a HIGH risk
    r = api.post(f"/shadow/services/{claude}/register", json={"allowed_pii": ["EMAIL"]})
    assert r.status_code < 300, r.text
    dim = _compute(session_factory, api.org.id)
    risk = next(r for r in dim.risks if r.objects == (claude,))
    want = "registered, but received PII categories its registration does not allow: US_SSN"
    assert risk.detail == want
    assert "unregistered" not in risk.title and want in risk.title
    assert risk.action.startswith("Stop sending US_SSN to Claude")
    assert dim.coverage["high"] == 1 and dim.coverage["medium"] == 1
    assert dim.value == 100 * 50 / (50 + 10 + 3)

    # allowing both categories makes it LOW: no risk, no penalty
    api.post(f"/shadow/services/{claude}/register", json={"allowed_pii": ["EMAIL", "US_SSN"]})
    dim = _compute(session_factory, api.org.id)
    assert claude not in {r.objects[0] for r in dim.risks}
    assert dim.coverage["low"] == 1 and dim.value == 100 * 50 / 53


def test_registration_waiting_for_approval_is_worded_as_such(
    client: Any, session_factory: Any
) -> None:
    api = Api(client, create_org(session_factory))
    api.post("/shadow/events", json={"events": [event(domain="claude.ai")]})
    claude = _service_id(api, "claude.ai")
    r = api.post(f"/shadow/services/{claude}/register", json={"allowed_pii": [], "approved": False})
    assert r.status_code < 300, r.text
    with session_scope(session_factory) as session:
        (one,) = shadow_inputs(session=session, org_id=api.org.id, now=utcnow()) or []
    assert not one.registered and one.approval_pending
    risk = _compute(session_factory, api.org.id).risks[0]
    assert risk.detail == "registered but not approved, PII seen in 1 paste(s)"
    # services outside the window are not in recent use
    with session_scope(session_factory) as session:
        later = shadow_inputs(session=session, org_id=api.org.id, now=utcnow() + timedelta(days=40))
    assert later == []


def test_pii_wording_says_pasted_uploaded_or_both_in_the_api_and_the_dashboard(
    client: Any, session_factory: Any
) -> None:
    api = Api(client, create_org(session_factory))
    pii = {"pii_categories": ["EMAIL"], "pii_counts": {"EMAIL": 1}}
    events = [
        event(domain="claude.ai", event_type="paste", **pii),
        event(domain="claude.ai", event_type="paste", **pii),
        event(domain="chatgpt.com", event_type="upload", signals={"files": 1}, **pii),
        event(domain="perplexity.ai", event_type="paste", **pii),
        event(domain="perplexity.ai", event_type="upload", signals={"files": 1}, **pii),
    ]
    assert api.post("/shadow/events", json={"events": events}).status_code == 200
    ids = {d: _service_id(api, d) for d in ("claude.ai", "chatgpt.com", "perplexity.ai")}
    want = {
        "claude.ai": "unregistered, PII seen in 2 paste(s)",
        "chatgpt.com": "unregistered, PII seen in 1 upload(s)",
        "perplexity.ai": "unregistered, PII seen in 1 paste(s) and 1 upload(s)",
    }
    dim = _compute(session_factory, api.org.id)
    assert {r.objects[0]: r.detail for r in dim.risks} == {ids[d]: w for d, w in want.items()}
    for r in dim.risks:  # no "uploads" for what was pasted, in the fix either
        assert r.action.startswith("Stop personal data going to "), r.action

    # The API's explanation and the dashboard's top risks carry the same words.
    assert api.post("/posture/recompute").status_code < 300
    posture = api.get("/posture").json()
    explained = {r["risk"]["objects"][0]: r["risk"]["detail"] for r in posture["top_risks"]}
    assert {d: explained[ids[d]] for d in want} == want
    dashboard_login(client, api.org.key)
    page = client.get("/").text
    for text in want.values():
        assert text in page
    assert "PII seen in 2 upload(s)" not in page
