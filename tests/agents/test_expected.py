"""Agents registered in the assets registry before any telemetry: in the fleet as never reported."""

from __future__ import annotations

import uuid

from tests.conftest import Api, create_org
from tests.ingest.wire import batch, llm, register, tool


def _register(api: Api, name: str, **kw: object) -> dict:
    r = api.post("/assets", json={"kind": "agent", "name": name, **kw})
    assert r.status_code == 201, r.text
    return r.json()


def _send(api: Api, agent: str, events: list[dict], **kw: object) -> None:
    r = api.post("/ingest", json=batch(agent, events, **kw))
    assert r.status_code == 200, r.text


def _cards(api: Api, **params: object) -> list[dict]:
    r = api.get("/agents", params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_a_registered_agent_is_in_the_fleet_before_it_reports(api: Api) -> None:
    asset = _register(api, "expected-bot", approved=True)
    # other kinds of asset are not agents
    server = api.post("/assets", json={"kind": "mcp_server", "name": "git-server"}).json()
    api.post("/assets", json={"kind": "ai_service", "name": "ChatGPT"})
    assert api.get(f"/agents/{server['id']}").status_code == 404
    [card] = _cards(api)
    assert card["id"] == asset["id"] and card["asset_id"] == asset["id"]
    assert card["name"] == "expected-bot" and card["status"] == "never_reported"
    # registered in the assets registry, not through the SDK, and nothing reported yet
    assert card["approved"] is True and card["registered"] is False and card["reported"] is False
    assert card["source"] is None and card["first_seen"] is None and card["last_seen"] is None
    assert card["events_total"] == 0
    # No telemetry is no evidence of health: only registration and the untested red-team
    # default earn points (25·30/100 + 10).
    assert card["score"] == 17.5
    # its legs are unknown, not absent: no risk level until it reports
    assert card["rule_count"] == 0 and card["trifecta_risk"] is None
    assert card["trifecta_legs"] == []


def test_detail_of_a_never_reported_agent_explains_why_it_is_empty(api: Api) -> None:
    asset = _register(api, "detail-bot")
    r = api.get(f"/agents/{asset['id']}")
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["status"] == "never_reported" and d["recent_events"] == [] and d["instances"] == []
    assert d["tools"] == [] and d["declared"]["rules"] == []
    parts = {p["name"]: p for p in d["score_parts"]}
    assert (
        parts["rule_coverage"]["points"] == 0
        and "never reported" in parts["rule_coverage"]["detail"]
    )
    assert parts["drift"]["points"] == 0 and "never reported" in parts["drift"]["detail"]
    assert parts["trust"]["points"] == 0  # unapproved: not even registration points
    assert "registered in the assets registry" in d["explanation"]["status"]
    assert "never reported" in d["explanation"]["score"]
    assert d["trifecta_risk"] is None and d["trifecta"]["risk"] is None
    assert [leg["present"] for leg in d["trifecta"]["legs"]] == [None, None, None]
    assert "legs unknown" in d["explanation"]["trifecta_risk"]
    assert d["registered"] is False and d["reported"] is False
    assert set(d["explanation"]) >= {"score", "trust_score", "rule_coverage", "drift", "status"}


def test_filters_sort_and_pages_count_never_reported_agents(api: Api) -> None:
    _register(api, "zz-waiting", approved=True)
    _register(api, "aa-waiting")
    _send(api, "mm-live", [llm("gpt-4o-mini")])
    names = lambda items: [c["name"] for c in items]  # noqa: E731

    assert sorted(names(_cards(api))) == ["aa-waiting", "mm-live", "zz-waiting"]
    assert sorted(names(_cards(api, status="never_reported"))) == ["aa-waiting", "zz-waiting"]
    assert names(_cards(api, status="active")) == ["mm-live"]
    assert names(_cards(api, approved="true")) == ["zz-waiting"]
    assert names(_cards(api, q="aa-")) == ["aa-waiting"]
    assert names(_cards(api, risk="low")) == ["mm-live"]  # an unknown risk is not a low one
    assert names(_cards(api, sort="-risk"))[0] == "mm-live"  # an unknown risk sorts last
    assert names(_cards(api, source="sdk")) == ["mm-live"]  # no telemetry, no source
    assert names(_cards(api, sort="name")) == ["aa-waiting", "mm-live", "zz-waiting"]
    assert names(_cards(api, sort="status"))[0] == "mm-live"  # never reported sorts last
    assert names(_cards(api, sort="-last_seen"))[0] == "mm-live"
    by_score = _cards(api)
    assert [c["score"] for c in by_score] == sorted(c["score"] for c in by_score)
    for sort in ("score", "-last_seen", "status", "-trust_score"):
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, object] = {"limit": 1, "sort": sort}
            if cursor:
                params["cursor"] = cursor
            page = api.get("/agents", params=params).json()
            seen += names(page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == ["aa-waiting", "mm-live", "zz-waiting"], sort


def test_first_report_turns_the_placeholder_into_the_same_agent(api: Api) -> None:
    asset = _register(api, "late-bot", approved=True)
    inst = uuid.uuid4().hex
    _send(
        api,
        "late-bot",
        [register("late-bot", inst, rules=["token_budget"]), tool("web_fetch", "https://x.org/")],
        instance_id=inst,
    )
    [card] = _cards(api)
    assert card["name"] == "late-bot" and card["asset_id"] == asset["id"]
    assert card["status"] == "active" and card["source"] == "sdk" and card["events_total"] == 2
    assert card["registered"] is True and card["reported"] is True
    assert card["trifecta_risk"] == "high"  # known now: web_fetch, to an outside host
    assert card["approved"] is True  # approval still comes from the registered asset
    assert _cards(api, status="never_reported") == []
    # The placeholder's id (the asset id) now leads to the agent that reported.
    d = api.get(f"/agents/{asset['id']}").json()
    assert d["id"] == card["id"] and d["status"] == "active" and len(d["recent_events"]) == 2
    assets = [a for a in api.get("/assets", params={"kind": "agent"}).json()["items"]]
    assert [a["id"] for a in assets] == [asset["id"]]  # linked, not discovered again


def test_an_agent_kept_after_its_asset_was_deleted_is_not_duplicated(api: Api) -> None:
    _send(api, "phoenix", [llm("gpt-4o-mini")])
    [first] = api.get("/assets", params={"kind": "agent"}).json()["items"]
    assert api.delete(f"/assets/{first['id']}").status_code == 204
    again = _register(api, "phoenix")
    [card] = _cards(api)
    assert card["status"] == "active" and card["events_total"] == 1
    # ingest links agents to assets by name, so the new asset's id means this agent
    assert api.get(f"/agents/{again['id']}").json()["id"] == card["id"]


def test_other_orgs_never_see_a_registered_agent(api: Api, client, session_factory) -> None:
    asset = _register(api, "private-expected")
    other = Api(client, create_org(session_factory))
    assert other.get("/agents").json()["items"] == []
    assert other.get("/agents", params={"status": "never_reported"}).json()["items"] == []
    assert other.get(f"/agents/{asset['id']}").status_code == 404
    # the same name in the other org is that org's own placeholder
    mine = _register(other, "private-expected")
    [card] = other.get("/agents").json()["items"]
    assert card["id"] == mine["id"] != asset["id"]
