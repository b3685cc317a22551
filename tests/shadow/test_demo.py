"""The demo data: a realistic mix that shows every verdict."""

from __future__ import annotations

from tests.conftest import Api, create_org
from threatvec.shadow import demo
from threatvec.store.engine import session_scope


def test_demo_mix(client, session_factory) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as session:
        from threatvec.assets import demo as assets_demo

        assets_demo.seed(session=session, org_id=org.id)
        demo.seed(session=session, org_id=org.id)
    items = Api(client, org).get("/shadow/services", params={"limit": 100}).json()["items"]
    by_domain = {s["domain"]: s for s in items}
    assert {s["risk"] for s in items} == {"HIGH", "MEDIUM", "LOW"}
    assert by_domain["chatgpt.com"]["risk"] == "LOW"
    assert by_domain["claude.ai"]["risk"] == "HIGH" and by_domain["claude.ai"]["marker"] == "!"
    assert by_domain["askmydocs-bot.ai"]["known"] is False
    assert "does not allow" in by_domain["copilot.github.com"]["risk_reasons"][0]
    assert by_domain["copilot.cloud.microsoft"]["source"] == "m365"
    assert sum(s["events"] for s in items) > 1000
    assert max(s["users"] for s in items) <= len(demo.USERS)
