"""The demo fleet (seeded history) and the live demo agents (real SDK processes)."""

from __future__ import annotations

import time
from types import SimpleNamespace

from pydantic import SecretStr

from tests.conftest import Api, create_org
from threatvec.agents import demo
from threatvec.demo import agents_runtime
from threatvec.store.engine import session_scope


def test_seeded_fleet_has_baselines_drift_and_every_risk_level(client, session_factory):
    org = create_org(session_factory)
    with session_scope(session_factory) as session:
        demo.seed(session=session, org_id=org.id)
    api = Api(client, org)
    cards = {c["name"]: c for c in api.get("/agents").json()["items"]}
    assert set(cards) == {a.name for a in demo.DEMO_AGENTS}
    assert cards["research-crawler"]["trifecta_risk"] in ("high", "maximum")
    assert cards["finance-analyst"]["rule_coverage"] == 1.0
    assert cards["ops-runbook"]["source"] == "otlp"
    # New tools in the last two days move the drifting agents away from their baseline.
    assert cards["support-bot"]["drift"] > cards["finance-analyst"]["drift"]
    d = api.get(f"/agents/{cards['research-crawler']['id']}").json()
    new = [c for c in d["drift_detail"]["changes"] if c["kind"] == "new"]
    assert ("destinations", "pastebin.com") in {(c["facet"], c["item"]) for c in new}
    assert d["activity"]["injection"] > 0


def test_live_demo_agents_report_through_the_sdk_and_stop(live_server, session_factory):
    org = create_org(session_factory)
    port = int(live_server.url.rsplit(":", 1)[1])
    settings = SimpleNamespace(host="127.0.0.1", port=port, org_key=SecretStr(org.key))
    agents_runtime.start(None, settings)
    procs = list(agents_runtime._children)
    try:
        assert len(procs) == len(agents_runtime.AGENT_PROFILES)
        import httpx

        deadline = time.monotonic() + 30
        seen: dict[str, dict] = {}
        while time.monotonic() < deadline:
            items = httpx.get(
                f"{live_server.url}/api/v1/agents", headers=org.headers, timeout=5
            ).json()["items"]
            seen = {c["name"]: c for c in items}
            if set(seen) == set(agents_runtime.AGENT_PROFILES) and all(
                c["events_total"] >= 3 for c in seen.values()
            ):
                break
            time.sleep(0.3)
        assert set(seen) == set(agents_runtime.AGENT_PROFILES)
        assert all(c["registered"] and c["status"] == "active" for c in seen.values())
        detail = httpx.get(
            f"{live_server.url}/api/v1/agents/{seen['support-bot']['id']}",
            headers=org.headers,
            timeout=5,
        ).json()
        assert [m["name"] for m in detail["models"]] == ["gpt-4o-mini"]
        assert detail["declared"]["rules"] == sorted(
            agents_runtime.AGENT_PROFILES["support-bot"]["rules"]
        )
        # "Run AgentBench" works on the demo fleet: each agent answers probes
        # through the SDK, the careless one failing where the careful one holds.
        careless = _bench(live_server.url, org.headers, seen["research-crawler"]["id"])
        careful = _bench(live_server.url, org.headers, seen["finance-analyst"]["id"])
        assert careless["status"] == careful["status"] == "completed", (careless, careful)
        assert careless["summary"]["counts"]["FAIL"] > 0, careless["summary"]
        assert careful["summary"]["counts"]["FAIL"] == 0, careful["summary"]
        assert careful["summary"]["pass_rate"] > careless["summary"]["pass_rate"]
    finally:
        agents_runtime.stop()
    assert all(p.poll() is not None for p in procs), "every demo agent process has exited"
    assert agents_runtime._children == []


def _bench(base: str, headers: dict[str, str], agent_id: str) -> dict:
    import httpx

    from tests.redteam.agents.bench import run_quick

    with httpx.Client(base_url=base + "/api/v1", headers=headers, timeout=10) as c:
        return run_quick(c, agent_id)
