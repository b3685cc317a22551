"""The posture API over the real app: posture, recompute, history, brief (with a real local
OpenAI-compatible server), score weights with their audit trail, and advice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import create_org
from tests.core.llm_server import FakeLlmServer
from threatvec.agents.models import Agent
from threatvec.core.clock import utcnow
from threatvec.store.engine import session_scope


def add_agents(session_factory, org_id: str) -> None:
    now = utcnow()
    with session_scope(session_factory) as s:
        s.add_all(
            [
                # 35 + 25·0.63 + 10 (untested) + 15 (no baseline) = 75.75, no legs: weight 1
                Agent(
                    org_id=org_id,
                    name="calm",
                    capabilities={},
                    rules=["token_budget"],
                    first_seen=now - timedelta(days=2),
                    last_seen=now,
                    events_total=0,
                ),
                # all three legs declared, no rules: 0 + 15.75 + 10 + 15 = 40.75, weight 5
                Agent(
                    org_id=org_id,
                    name="risky",
                    capabilities={
                        "private_data": True,
                        "untrusted_content": True,
                        "external_comms": True,
                    },
                    rules=[],
                    first_seen=now - timedelta(days=2),
                    last_seen=now,
                    events_total=0,
                ),
            ]
        )


def seed_mcp(session_factory, org_id: str) -> None:
    from threatvec.mcp import demo

    with session_scope(session_factory) as s:
        demo.seed(session=s, org_id=org_id)


def test_posture_explains_every_number(api, session_factory) -> None:
    add_agents(session_factory, api.org.id)
    body = api.post("/posture/recompute").json()
    assert body["trigger"] == "api"
    dims = {d["name"]: d for d in body["dimensions"]}
    assert dims["agent"]["value"] == 46.6  # (75.75 + 5·40.75) / 6 = 46.58
    assert dims["agent"]["status"] == "ok" and dims["agent"]["coverage"]["agents"] == 2
    assert [p["name"] for p in dims["agent"]["parts"]] == [
        "rule_coverage",
        "trust",
        "red_team",
        "drift",
    ]
    assert sum(p["points"] for p in dims["agent"]["parts"]) == pytest.approx(46.6, abs=0.2)
    assert dims["agent"]["top_factor"]["name"] == "rule_coverage"
    assert dims["mcp"]["status"] == "no_data" and dims["mcp"]["value"] is None
    assert dims["shadow"]["status"] == "no_data"
    # MCP and shadow have no data: left out, the agents carry the whole composite
    assert body["value"] == 46.6 and body["effective_weights"]["agent"] == 1.0
    assert body["coverage"]["dimensions_without_data"] == ["mcp", "shadow"]
    assert body["weights"] == {"agent": 40.0, "mcp": 35.0, "shadow": 25.0}
    assert body["change_24h"] is None and body["change_7d"] is None
    top = body["top_risks"][0]
    assert top["risk"]["id"].endswith(":rule_coverage") and top["gain"] == 29.2  # 35·5/6
    assert top["after"] == pytest.approx(top["before"] + top["gain"], abs=0.11)
    # a read with nothing changed returns the same snapshot
    assert api.get("/posture").json()["snapshot_id"] == body["snapshot_id"]


def test_no_data_anywhere_is_no_data_not_zero(api) -> None:
    body = api.get("/posture").json()
    assert body["value"] is None and body["status"] == "no_data"
    assert all(d["status"] == "no_data" for d in body["dimensions"])
    assert body["top_risks"] == []
    brief = api.get("/posture/brief").json()
    assert brief["source"] == "deterministic" and brief["text"].startswith("No posture score yet")


def test_weight_change_changes_the_composite_and_is_recorded(api, session_factory) -> None:
    add_agents(session_factory, api.org.id)
    seed_mcp(session_factory, api.org.id)
    body = api.get("/posture").json()
    dims = {d["name"]: d["value"] for d in body["dimensions"]}
    agent, mcp = dims["agent"], dims["mcp"]
    assert agent is not None and mcp is not None and agent != mcp
    assert body["value"] == pytest.approx((40 * agent + 35 * mcp) / 75, abs=0.11)

    r = api.put(
        "/settings/score-weights",
        json={"weights": {"agent": 100, "mcp": 0, "shadow": 0}, "note": "agents only"},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["weights"] == {"agent": 100.0, "mcp": 0.0, "shadow": 0.0}
    assert out["value"] == pytest.approx(agent, abs=0.05) and not out["is_default"]
    change = out["changes"][0]
    assert change["changed_by"] == f"key:{api.org.name}" and change["note"] == "agents only"
    assert change["previous"] == {"agent": 40.0, "mcp": 35.0, "shadow": 25.0}
    assert api.get("/posture").json()["value"] == pytest.approx(agent, abs=0.05)

    api.put("/settings/score-weights", json={"weights": {"agent": 0, "mcp": 100, "shadow": 0}})
    assert api.get("/posture").json()["value"] == pytest.approx(mcp, abs=0.05)
    got = api.get("/settings/score-weights").json()
    assert [c["weights"]["mcp"] for c in got["changes"]] == [100.0, 0.0]  # newest first


@pytest.mark.parametrize(
    ("weights", "loc"),
    [
        ({"agent": 50, "mcp": -10, "shadow": 60}, ["weights", "mcp"]),
        ({"agent": 50, "mcp": 30, "shadow": 30}, ["weights"]),
        ({"agent": 50, "mcp": 50}, ["weights", "shadow"]),
        ({"agent": 50, "mcp": 30, "shadow": 20, "vibes": 0}, ["weights", "vibes"]),
        ({"agent": "50", "mcp": 30, "shadow": 20}, ["weights", "agent"]),
        ({"agent": True, "mcp": 30, "shadow": 69}, ["weights", "agent"]),
    ],
)
def test_invalid_weights_are_refused_with_their_location(api, weights, loc) -> None:
    r = api.put("/settings/score-weights", json={"weights": weights})
    assert r.status_code == 422
    assert loc in [e["loc"] for e in r.json()["errors"]]
    got = api.get("/settings/score-weights").json()
    assert got["is_default"] and got["changes"] == []


def test_advice_is_never_applied(api, session_factory) -> None:
    add_agents(session_factory, api.org.id)
    advice = api.get("/settings/score-weights/advice").json()
    assert advice["applied"] is False and sum(advice["suggested"].values()) == 100
    # 2 agents, one with the full trifecta (risk share 0.5: +15); no MCP or shadow: 0 each
    assert advice["suggested"] == {"agent": 100.0, "mcp": 0.0, "shadow": 0.0}
    assert advice["differs_from_current"] and advice["profile"]["agents"] == 2
    assert any("+15" in r for r in advice["reasons"])
    assert api.get("/settings/score-weights").json()["weights"] == advice["current"]


def test_history_range_and_validation(api, session_factory) -> None:
    add_agents(session_factory, api.org.id)
    first = api.post("/posture/recompute").json()
    second = api.post("/posture/recompute").json()
    items = api.get("/posture/history").json()["items"]
    assert [i["snapshot_id"] for i in items] == [first["snapshot_id"], second["snapshot_id"]]
    assert items[0]["values"]["agent"] == 46.6 and items[0]["value"] == 46.6
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    r = api.get("/posture/history", params={"from": future, "to": later})
    assert r.status_code == 200 and r.json()["items"] == []
    assert api.get("/posture/history", params={"from": "2026-01-01T00:00:00"}).status_code == 422
    r = api.get(
        "/posture/history", params={"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
    )
    assert r.status_code == 422 and "before" in r.json()["detail"]
    assert api.get("/posture/history", params={"from": "yesterday"}).status_code == 422


def test_brief_is_deterministic_and_cites_the_numbers(api, session_factory) -> None:
    add_agents(session_factory, api.org.id)
    b = api.get("/posture/brief").json()
    assert b["source"] == "deterministic"
    assert "46.6/100" in b["text"] and "Recommended action: Enable" in b["text"]
    assert b["facts"]["top_risks"][0]["gain"] == 29.2


def test_brief_worded_by_a_configured_llm_and_checked(fresh_app) -> None:
    script = [
        ("reply", '{"brief": "Posture is 46.6 out of 100; fix the risky agent first."}'),
        ("reply", '{"brief": "Posture is 46.6; 913 agents leak 58.3 records."}'),
    ]
    with FakeLlmServer(*script) as llm:
        app = fresh_app(llm_base_url=llm.base_url, llm_model="fake-model")
        factory = app.state.session_factory
        org = create_org(factory)
        add_agents(factory, org.id)
        with TestClient(app) as c:
            r = c.get("/api/v1/posture/brief", headers=org.headers)
            assert r.status_code == 200
            b = r.json()
            assert b["source"] == "llm" and b["text"].startswith("Posture is 46.6 out of 100")
            sent = llm.requests[0]["body"]
            assert sent["model"] == "fake-model"
            assert '"score": 46.6' in sent["messages"][1]["content"]
            # a new snapshot → a new brief; the model now invents numbers and is overruled
            c.post("/api/v1/posture/recompute", headers=org.headers)
            b = c.get("/api/v1/posture/brief", headers=org.headers).json()
            assert b["source"] == "deterministic" and b["llm_rejected"].startswith("number")
            assert "46.6/100" in b["text"]


def test_a_registered_agent_that_never_reported_lowers_and_explains_the_agent_score(
    api, session_factory
) -> None:
    add_agents(session_factory, api.org.id)
    baseline = api.post("/posture/recompute").json()
    r = api.post("/assets", json={"kind": "agent", "name": "pre-registered", "approved": True})
    assert r.status_code == 201, r.text
    body = api.post("/posture/recompute").json()
    agent = {d["name"]: d for d in body["dimensions"]}["agent"]
    assert agent["coverage"]["agents"] == 3 and agent["coverage"]["never_reported"] == 1
    # 25·0.3 + 10 = 17.5 at weight 1: (75.75 + 5·40.75 + 17.5) / 7 = 42.43, down from 46.6
    assert agent["value"] == pytest.approx(42.4, abs=0.06)
    assert baseline["value"] == 46.6
    assert "1 registered but never reported" in agent["detail"]
    parts = {p["name"]: p for p in agent["parts"]}
    assert "1 never reported" in parts["rule_coverage"]["detail"]
    risk = next(x for x in agent["risks"] if x["id"].endswith(":never_reported"))
    assert risk["objects"] == [r.json()["id"]] and "never reported" in risk["title"]


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        # the default `from` (7 days before `to`) would fall before year 1
        ({"to": "0001-01-01T00:00:00Z"}, ["query", "to"]),
        # in UTC this is 31 Dec of year 0
        ({"from": "0001-01-01T00:00:00+01:00", "to": "0001-01-02T00:00:00Z"}, ["query", "from"]),
        # in UTC this is year 10000
        ({"to": "9999-12-31T23:59:59-01:00"}, ["query", "to"]),
        # a naive `to` is named as `to`, not as `from`
        ({"to": "2026-01-01T00:00:00"}, ["query", "to"]),
    ],
)
def test_history_out_of_range_timestamps_are_a_422_naming_the_parameter(
    api, params: dict[str, str], loc: list[str]
) -> None:
    r = api.get("/posture/history", params=params)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == loc
