"""Sources (secret shown once), the event feed with its filters and pages, and the stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.enforcement.helpers import add_agent, event, make_source, post_signed


def test_source_lifecycle_and_the_secret_is_shown_once(api, org, session_factory):
    created = make_source(api, name="Prod gateway", kind="gateway")
    assert created["secret"].startswith("tves_") and len(created["secret"]) > 40
    assert created["secret_hint"] == created["secret"][:9]
    assert created["webhook_path"] == "/api/v1/enforcement/webhook"
    listed = api.get("/enforcement/sources").json()
    assert [s["id"] for s in listed["items"]] == [created["id"]]
    for body in (listed, api.get(f"/enforcement/sources/{created['id']}").json()):
        assert created["secret"] not in str(body) and "secret_enc" not in str(body)
    renamed = api.patch(f"/enforcement/sources/{created['id']}", json={"name": "Edge gateway"})
    assert renamed.json()["name"] == "Edge gateway"
    assert api.get("/enforcement/sources", params={"enabled": "false"}).json()["items"] == []
    assert (
        api.post("/enforcement/sources", json={"name": "x", "kind": "firewall"}).status_code == 422
    )
    assert api.post("/enforcement/sources", json={"name": "  "}).status_code == 422
    assert api.post("/enforcement/sources", json={"name": "x", "secret": "mine"}).status_code == 422
    assert api.delete(f"/enforcement/sources/{created['id']}").status_code == 204
    assert api.get(f"/enforcement/sources/{created['id']}").status_code == 404


def test_events_filters_and_pages(api, client, org, session_factory):
    agent_id = add_agent(session_factory, org.id, "billing-bot", [("send_email", None)])
    source = make_source(api)
    now = datetime.now(UTC)
    evs = [
        event(time=(now - timedelta(hours=i)).isoformat(), action=a, category=c, agent=g)
        for i, (a, c, g) in enumerate(
            [
                ("blocked", "tool_policy", "billing-bot"),
                ("redacted", "sensitive_data", "billing-bot"),
                ("allowed", "tool_policy", "other-bot"),
                ("flagged", "prompt_injection", "billing-bot"),
                ("blocked", "jailbreak", "other-bot"),
            ]
        )
    ]
    evs.append(event(time=(now - timedelta(days=3)).isoformat(), action="blocked"))
    assert post_signed(client, source, *evs).status_code == 200
    items = api.get("/enforcement/events").json()["items"]
    assert [e["event_id"] for e in items] == [e["event_id"] for e in evs]  # newest first
    blocked = api.get("/enforcement/events", params={"action": "blocked"}).json()["items"]
    assert {e["event_id"] for e in blocked} == {
        evs[0]["event_id"],
        evs[4]["event_id"],
        evs[5]["event_id"],
    }
    by_name = api.get("/enforcement/events", params={"agent": "billing-bot"}).json()["items"]
    by_id = api.get("/enforcement/events", params={"agent": agent_id}).json()["items"]
    assert by_name == by_id and len(by_id) == 4
    cat = api.get("/enforcement/events", params={"category": "jailbreak"}).json()["items"]
    assert [e["event_id"] for e in cat] == [evs[4]["event_id"]]
    since = (now - timedelta(hours=2, minutes=30)).isoformat()
    recent = api.get("/enforcement/events", params={"since": since}).json()["items"]
    assert len(recent) == 3
    assert (
        api.get("/enforcement/events", params={"since": "2026-01-01T00:00:00"}).status_code == 422
    )
    assert api.get("/enforcement/events", params={"action": "nope"}).status_code == 422
    first = api.get("/enforcement/events", params={"limit": 4}).json()
    rest = api.get(
        "/enforcement/events", params={"limit": 4, "cursor": first["next_cursor"]}
    ).json()
    assert [e["event_id"] for e in first["items"] + rest["items"]] == [e["event_id"] for e in evs]
    assert rest["next_cursor"] is None


def test_stats_count_24h_and_7d(api, client, org):
    source = make_source(api)
    now = datetime.now(UTC)
    post_signed(
        client,
        source,
        event(action="blocked", agent="a1"),
        event(action="blocked", agent="a1", time=(now - timedelta(days=2)).isoformat()),
        event(action="allowed", category="other", agent="a2"),
        event(
            action="redacted", category="sensitive_data", time=(now - timedelta(days=9)).isoformat()
        ),
    )
    stats = api.get("/enforcement/stats").json()
    actions = {c["key"]: (c["last_24h"], c["last_7d"]) for c in stats["by_action"]}
    assert actions == {"blocked": (1, 2), "allowed": (1, 1), "redacted": (0, 0), "flagged": (0, 0)}
    cats = {c["key"]: c["last_7d"] for c in stats["by_category"]}
    assert cats["tool_policy"] == 2 and cats["other"] == 1 and cats["sensitive_data"] == 0
    assert {c["key"]: c["last_7d"] for c in stats["by_agent"]} == {"a1": 2, "a2": 1}
    assert stats["total_24h"] == 2 and stats["total_7d"] == 3


def test_a_since_without_a_timezone_is_refused_on_both_event_feeds(api):
    for path in ("/enforcement/events", "/enforcement/security-events"):
        r = api.get(path, params={"since": "2026-11-01T10:00:00"})
        assert r.status_code == 422, (path, r.text)
        assert "since needs a timezone" in r.text and "since" in r.text
        ok = api.get(path, params={"since": "2026-11-01T10:00:00Z"})
        assert ok.status_code == 200, (path, ok.text)
