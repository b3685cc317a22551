"""The Agent Fleet API over ingested data: cards, filters, sort, pages, detail, status, drift."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.conftest import Api, create_org
from tests.ingest.wire import batch, days_ago, heartbeat, llm, mcp, register, tool
from threatvec.core.clock import pinned, utcnow


def _send(api: Api, agent: str, events: list[dict], **kw) -> dict:
    r = api.post("/ingest", json=batch(agent, events, **kw))
    assert r.status_code == 200, r.text
    return r.json()


def _fleet(api: Api) -> None:
    # Full trifecta: declared private data, web content in, Slack out.
    inst = uuid.uuid4().hex
    _send(
        api,
        "trifecta-bot",
        [
            register(
                "trifecta-bot", inst, capabilities={"private_data": True}, rules=["pii_redaction"]
            ),
            tool("web_fetch", "https://news.example.com/a"),
            tool("post_slack_message", "https://hooks.slack.com/services/x"),
        ],
        instance_id=inst,
    )
    # One leg, all recommended rules in force.
    inst2 = uuid.uuid4().hex
    _send(
        api,
        "careful-bot",
        [
            register(
                "careful-bot",
                inst2,
                capabilities={"untrusted_content": True},
                rules=["prompt_injection_guard", "tool_allowlist", "token_budget"],
            ),
            llm("gpt-4o-mini"),
        ],
        instance_id=inst2,
    )
    # Seen through telemetry only, nothing declared.
    _send(api, "quiet-bot", [llm("claude-haiku", "anthropic")])


def test_cards_carry_the_posture_numbers(api):
    _fleet(api)
    items = {c["name"]: c for c in api.get("/agents").json()["items"]}
    assert set(items) == {"trifecta-bot", "careful-bot", "quiet-bot"}
    t = items["trifecta-bot"]
    assert t["trifecta_risk"] == "maximum"
    assert t["trifecta_legs"] == ["external_comms", "private_data", "untrusted_content"]
    assert t["rule_count"] == 1 and "egress_allowlist" in t["missing_rules"]
    assert 0 < t["rule_coverage"] < 0.5
    c = items["careful-bot"]
    assert c["trifecta_risk"] == "medium" and c["rule_coverage"] == 1.0 and c["missing_rules"] == []
    assert c["score"] > t["score"]
    q = items["quiet-bot"]
    assert q["registered"] is False and q["trifecta_risk"] == "low"
    # Registration is worth trust points: registered agents score more on trust.
    assert c["trust_score"] > q["trust_score"]


def test_filters_sort_and_pages(api):
    _fleet(api)
    names = lambda r: [c["name"] for c in r.json()["items"]]  # noqa: E731
    assert names(api.get("/agents", params={"risk": "maximum"})) == ["trifecta-bot"]
    assert names(api.get("/agents", params={"q": "care"})) == ["careful-bot"]
    assert names(api.get("/agents", params={"sort": "-risk"}))[0] == "trifecta-bot"
    by_score = api.get("/agents").json()["items"]
    assert [c["score"] for c in by_score] == sorted(c["score"] for c in by_score)
    assert names(api.get("/agents", params={"sort": "name"})) == [
        "careful-bot",
        "quiet-bot",
        "trifecta-bot",
    ]
    assert names(api.get("/agents", params={"approved": "true"})) == []
    # Keyset pages over computed numbers: every agent exactly once.
    seen, cursor = [], None
    while True:
        params = {"limit": 1, "sort": "-trust_score"}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/agents", params=params).json()
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == ["careful-bot", "quiet-bot", "trifecta-bot"]
    assert api.get("/agents", params={"sort": "colour"}).status_code == 422
    assert api.get("/agents", params={"cursor": "!!bad!!"}).status_code == 422


def test_detail_explains_every_number_with_evidence(api):
    _fleet(api)
    card = api.get("/agents", params={"q": "trifecta"}).json()["items"][0]
    d = api.get(f"/agents/{card['id']}").json()
    legs = {leg["leg"]: leg for leg in d["trifecta"]["legs"]}
    assert legs["private_data"]["evidence"] == ["declared"]
    assert legs["untrusted_content"]["evidence"] == ["tool:web_fetch"]
    assert "destination:hooks.slack.com" in legs["external_comms"]["evidence"]
    assert {t["name"] for t in d["tools"]} == {"web_fetch", "post_slack_message"}
    dest = {x["name"]: x for x in d["destinations"]}
    assert dest["hooks.slack.com"]["external"] is True
    assert {m["id"] for m in d["rules"]["missing_named"]} == set(d["rules"]["missing"])
    assert set(d["explanation"]) >= {
        "score",
        "trust_score",
        "rule_count",
        "rule_coverage",
        "trifecta_risk",
        "drift",
        "status",
    }
    assert sum(p["points"] for p in d["score_parts"]) == pytest_approx(d["score"])
    assert len(d["recent_events"]) == 3
    assert d["drift_detail"]["value"] is None and "no baseline" in d["explanation"]["drift"]


def pytest_approx(x):
    import pytest

    return pytest.approx(x, abs=0.15)


def test_drift_compares_recent_use_with_the_agents_own_baseline(api):
    old = [
        tool("crm_lookup", at=days_ago(10)),
        tool("send_email", "smtp.example.org", at=days_ago(9)),
        llm("gpt-4o", at=days_ago(8)),
    ]
    recent = [
        tool("crm_lookup"),
        tool("shell_exec"),
        tool("upload_file", "files.evil.example"),
        llm("gpt-4o"),
    ]
    _send(api, "drifter", old + recent)
    card = api.get("/agents").json()["items"][0]
    assert 0 < card["drift"] < 1
    d = api.get(f"/agents/{card['id']}").json()
    changes = d["drift_detail"]["changes"]
    kinds = [c["kind"] for c in changes]
    assert kinds == sorted(kinds, key=lambda k: k != "new"), "new items come first"
    new = {(c["facet"], c["item"]) for c in changes if c["kind"] == "new"}
    assert ("tools", "shell_exec") in new and ("destinations", "files.evil.example") in new
    gone = {(c["facet"], c["item"]) for c in changes if c["kind"] == "gone"}
    assert ("tools", "send_email") in gone
    assert d["drift_detail"]["facets"]["models"] == 0.0


def test_status_follows_heartbeat_age(api):
    inst = uuid.uuid4().hex
    _send(
        api,
        "beating",
        [register("beating", inst, interval=10.0), heartbeat(inst, 10.0)],
        instance_id=inst,
    )
    card = lambda: api.get("/agents").json()["items"][0]  # noqa: E731
    assert card()["status"] == "active"
    with pinned(utcnow() + timedelta(seconds=45)):
        assert card()["status"] == "stale"
        assert api.get("/agents", params={"status": "stale"}).json()["items"]
    with pinned(utcnow() + timedelta(seconds=200)):
        assert card()["status"] == "offline"


def test_mcp_servers_count_as_used_and_recommend_pinning(api):
    _send(api, "mcp-user", [mcp("mcp-server-git", "git_log"), mcp("mcp-server-git")])
    card = api.get("/agents").json()["items"][0]
    d = api.get(f"/agents/{card['id']}").json()
    assert d["mcp_servers"][0]["name"] == "mcp-server-git" and d["mcp_servers"][0]["count"] == 2
    assert "mcp_tool_pinning" in d["rules"]["missing"]


def test_other_orgs_agents_are_not_found(api, client, session_factory):
    _send(api, "private-agent", [tool("t")])
    agent_id = api.get("/agents").json()["items"][0]["id"]
    other = Api(client, create_org(session_factory))
    assert other.get(f"/agents/{agent_id}").status_code == 404
    assert other.get("/agents").json()["items"] == []
    assert api.get("/agents/" + "0" * 32).status_code == 404
