"""The Shadow AI API end to end over the real app and database."""

from __future__ import annotations

import json
import uuid

from tests.shadow.helpers import event, visit


def _services(api, **params) -> list[dict]:
    r = api.get("/shadow/services", params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_batch_keeps_good_events_and_explains_bad_ones(api) -> None:
    good = event()
    bad_domain = event(domain="https://chatgpt.com/c/123")
    bad_category = event(pii_categories=["EMAIL", "SALARY"], pii_counts={"EMAIL": 1, "SALARY": 1})
    r = api.post("/shadow/events", json={"events": [good, bad_domain, bad_category, "nope"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["received"], body["accepted"], body["duplicates"]) == (4, 1, 0)
    rejected = {x["index"]: x for x in body["rejected"]}
    assert set(rejected) == {1, 2, 3}
    assert rejected[1]["event_id"] == bad_domain["event_id"]
    assert rejected[1]["errors"][0]["loc"] == ["domain"]
    assert "bare host name" in rejected[1]["errors"][0]["msg"]
    assert any(e["loc"][0] == "pii_categories" for e in rejected[2]["errors"])
    # errors never echo the rejected value back
    assert "/c/123" not in r.text and "SALARY" not in json.dumps(body["rejected"][0])


def test_idempotent_by_event_id_per_org(api, client, session_factory) -> None:
    from tests.conftest import Api, create_org

    e = event(domain="claude.ai")
    first = api.post("/shadow/events", json={"events": [e, e]}).json()
    assert (first["accepted"], first["duplicates"]) == (1, 1)
    again = api.post("/shadow/events", json={"events": [e]}).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    [svc] = _services(api, q="claude")
    assert svc["events"] == 1 and svc["pastes"] == 1
    # the same event id in another org is that org's own event
    other = Api(client, create_org(session_factory))
    assert other.post("/shadow/events", json={"events": [e]}).json()["accepted"] == 1


def test_size_limits_and_envelope(api) -> None:
    too_many = {"events": [visit("chatgpt.com") for _ in range(501)]}
    assert api.post("/shadow/events", json=too_many).status_code == 413
    big = b'{"events": [' + b" " * (1024 * 1024 + 10) + b"]}"
    r = api.post("/shadow/events", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert (
        api.post(
            "/shadow/events", content=b"{not json", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert api.post("/shadow/events", json={"events": [], "extra": 1}).status_code == 422
    assert api.post("/shadow/events", json=[event()]).status_code == 422
    r = api.post("/shadow/events", json={"events": []})
    assert r.status_code == 200 and r.json()["accepted"] == 0


def test_services_counters_users_and_pii(api) -> None:
    user_a, user_b = "a" * 64, "b" * 64
    events = [
        visit("www.perplexity.ai", user_hash=user_a),
        visit("perplexity.ai", user_hash=user_b),
        event(
            domain="perplexity.ai",
            event_type="upload",
            user_hash=user_a,
            pii_categories=["CREDIT_CARD", "EMAIL"],
            pii_counts={"CREDIT_CARD": 3, "EMAIL": 1},
            signals={"files": 2, "skipped_files": 0},
        ),
        event(
            domain="perplexity.ai",
            event_type="submit",
            pii_categories=[],
            pii_counts={},
            user_hash=user_a,
            signals={},
        ),
    ]
    assert api.post("/shadow/events", json={"events": events}).json()["accepted"] == 4
    [svc] = _services(api, q="perplexity")
    assert svc["domain"] == "perplexity.ai" and svc["name"] == "Perplexity"
    assert (svc["events"], svc["visits"], svc["uploads"], svc["submits"]) == (4, 2, 1, 1)
    assert svc["users"] == 2 and svc["pii_uploads"] == 1
    assert svc["pii_counts"] == {"CREDIT_CARD": 1, "EMAIL": 1}
    assert svc["risk"] == "HIGH" and svc["marker"] == "!"
    detail = api.get(f"/shadow/services/{svc['id']}").json()
    assert detail["pii_occurrences"] == {"CREDIT_CARD": 3, "EMAIL": 1}
    assert sum(p["events"] for p in detail["trend"]) == 4
    assert detail["trend"][-1]["pii_events"] == 1
    assert detail["browsers"] == {"chromium/156": 4}


def test_risk_levels_and_register_action(api) -> None:
    api.post(
        "/shadow/events",
        json={
            "events": [
                visit("gemini.google.com"),
                event(
                    domain="mystery-chat.ai",
                    unknown_service=True,
                    signals={
                        "host_terms": ["ai", "chat", "mystery"],
                        "large_input": True,
                        "score": 4,
                    },
                ),
                event(domain="claude.ai", pii_categories=["EMAIL"], pii_counts={"EMAIL": 1}),
            ]
        },
    )
    by_domain = {s["domain"]: s for s in _services(api)}
    assert by_domain["gemini.google.com"]["risk"] == "MEDIUM"
    assert by_domain["mystery-chat.ai"]["risk"] == "HIGH"
    assert "unknown, unclassified AI service" in by_domain["mystery-chat.ai"]["risk_reasons"]
    assert by_domain["claude.ai"]["risk"] == "HIGH"

    # registering an unknown/MEDIUM service without PII makes it LOW
    r = api.post(
        f"/shadow/services/{by_domain['gemini.google.com']['id']}/register",
        json={"owner": "it@example.com"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["risk"], r.json()["marker"], r.json()["registered"]) == ("LOW", "", True)
    asset = api.get(f"/assets/{r.json()['asset_id']}").json()
    assert asset["kind"] == "ai_service" and asset["approved"] is True
    assert asset["metadata"]["domains"] == ["gemini.google.com"]

    # PII sent to a registered service keeps it HIGH unless the registration allows it
    claude_id = by_domain["claude.ai"]["id"]
    r = api.post(f"/shadow/services/{claude_id}/register", json={})
    assert r.json()["risk"] == "HIGH"
    assert "does not allow" in r.json()["risk_reasons"][0]
    r = api.post(f"/shadow/services/{claude_id}/register", json={"allowed_pii": ["EMAIL"]})
    assert r.json()["risk"] == "LOW"
    # a registration revoked through the assets API is reflected in the list
    api.patch(f"/assets/{r.json()['asset_id']}", json={"approved": False})
    claude = next(s for s in _services(api) if s["id"] == claude_id)
    assert claude["risk"] == "HIGH" and claude["approved"] is False

    assert api.post(f"/shadow/services/{uuid.uuid4().hex}/register", json={}).status_code == 404


def test_alert_intent_action(api) -> None:
    api.post("/shadow/events", json={"events": [event(domain="poe.com")]})
    [svc] = _services(api, q="poe.com")
    r = api.post(f"/shadow/services/{svc['id']}/alerts", json={"trigger": "pii"})
    assert r.status_code == 201 and r.json()["service_id"] == svc["id"]
    again = api.post(f"/shadow/services/{svc['id']}/alerts", json={"trigger": "pii"})
    assert again.json()["id"] == r.json()["id"]
    assert [a["trigger"] for a in api.get("/shadow/alerts").json()["items"]] == ["pii"]
    assert _services(api, q="poe.com")[0]["alert_triggers"] == ["pii"]
    bad = api.post(f"/shadow/services/{svc['id']}/alerts", json={"trigger": "email-the-ceo"})
    assert bad.status_code == 422


def test_filter_sort_paginate(api) -> None:
    domains = ["chatgpt.com", "claude.ai", "gemini.google.com", "perplexity.ai", "poe.com"]
    batch = []
    for i, d in enumerate(domains):
        batch += [visit(d) for _ in range(i + 1)]
    api.post("/shadow/events", json={"events": batch})
    by_events = _services(api, sort="-events")
    assert [s["domain"] for s in by_events] == list(reversed(domains))
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "sort": "domain"} | ({"cursor": cursor} if cursor else {})
        page = api.get("/shadow/services", params=params).json()
        seen += [s["domain"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(domains)
    assert {s["risk"] for s in _services(api, risk="MEDIUM")} == {"MEDIUM"}
    assert _services(api, registered="true") == []
    assert len(_services(api, pii="false")) == 5
    assert api.get("/shadow/services", params={"sort": "secret"}).status_code == 422


def test_catalog_builtin_org_entries_and_csv(api, client, session_factory) -> None:
    from tests.conftest import Api, create_org

    catalog = api.get("/shadow/catalog").json()
    assert catalog["count"] >= 300 and catalog["count"] == len(catalog["services"])
    entry = next(s for s in catalog["services"] if s["domain"] == "chatgpt.com")
    assert entry == {
        "domain": "chatgpt.com",
        "service": "ChatGPT",
        "vendor": "OpenAI",
        "category": "chat",
        "kind": "consumer",
        "origin": "builtin",
    }

    # an unknown service becomes known once the org classifies it
    api.post(
        "/shadow/events",
        json={"events": [event(domain="chat.internal-llm.example.com", unknown_service=True)]},
    )
    assert _services(api, known="false")[0]["risk"] == "HIGH"
    r = api.post(
        "/shadow/catalog",
        json={
            "domain": "internal-llm.example.com",
            "service": "Internal LLM",
            "vendor": "Example",
            "category": "chat",
            "kind": "enterprise",
        },
    )
    assert r.status_code == 201 and r.json()["origin"] == "org"
    [svc] = _services(api, q="internal-llm")
    assert svc["known"] is True and svc["name"] == "Internal LLM"
    assert "unknown, unclassified AI service" not in svc["risk_reasons"]

    csv_text = (
        "domain,service,vendor,category,consumer_or_enterprise\n"
        "llm.example.org,Example LLM,Example,chat,enterprise\n"
        "chatgpt.com,ChatGPT (corp),OpenAI,chat,enterprise\n"
    )
    r = api.post("/shadow/catalog/import", json={"csv": csv_text})
    assert r.json() == {"added": 2, "updated": 0}
    mine = {s["domain"]: s for s in api.get("/shadow/catalog").json()["services"]}
    assert (
        mine["chatgpt.com"]["service"] == "ChatGPT (corp)"
        and mine["chatgpt.com"]["origin"] == "org"
    )
    bad = api.post("/shadow/catalog/import", json={"csv": "domain,service\nhttp://x.com/a,X\n"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "csv", 2]
    assert (
        api.post("/shadow/catalog", json={"domain": "a.com/x", "service": "x"}).status_code == 422
    )

    # org additions stay with the org
    other = Api(client, create_org(session_factory))
    theirs = {s["domain"]: s for s in other.get("/shadow/catalog").json()["services"]}
    assert "llm.example.org" not in theirs and theirs["chatgpt.com"]["service"] == "ChatGPT"


def test_extension_origin_cors_preflight(client) -> None:
    origin = "chrome-extension://" + "a" * 32
    r = client.options(
        "/api/v1/shadow/events",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-org-key",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == origin


def test_needs_the_org_key(client) -> None:
    r = client.post(
        "/api/v1/shadow/events", json={"events": [event()]}, headers={"X-Org-Key": "tvk_wrong"}
    )
    assert r.status_code == 401


def test_event_batches_are_rate_limited_per_org(fresh_app) -> None:
    from fastapi.testclient import TestClient

    from tests.conftest import create_org
    from threatvec.ingest.ratelimit import IngestRateLimiter

    app = fresh_app(shadow_events_rate_per_minute=6, ingest_rate_per_minute=6)
    assert app.state.settings.shadow_events_rate_per_minute == 6
    now = [1000.0]
    with TestClient(app) as c:
        factory = app.state.session_factory
        first, second = create_org(factory), create_org(factory)
        # The configured rate with a clock the test moves: 6/min is a bucket of one.
        app.state.shadow_events_limiter = IngestRateLimiter(6, clock=lambda: now[0])

        def post(org, e) -> object:
            return c.post("/api/v1/shadow/events", json={"events": [e]}, headers=org.headers)

        assert post(first, visit("chatgpt.com")).status_code == 200
        held = visit("claude.ai")
        r = post(first, held)
        assert r.status_code == 429
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["Retry-After"] == "10"  # one token every 10 s at 6/min
        assert r.json()["status"] == 429 and "retry in 10 s" in r.json()["detail"]
        # another org has its own bucket; the SDK's ingest bucket is separate too
        assert post(second, visit("claude.ai")).status_code == 200
        sdk = c.post("/api/v1/ingest", json={"events": []}, headers=first.headers)
        assert sdk.status_code != 429
        # the refused batch was not stored; after Retry-After the same batch goes in
        listed = c.get("/api/v1/shadow/services", headers=first.headers).json()["items"]
        assert [s["domain"] for s in listed] == ["chatgpt.com"]
        now[0] += 10
        r = post(first, held)
        assert r.status_code == 200 and r.json()["accepted"] == 1


def test_rate_limiter_is_built_from_settings(fresh_app) -> None:
    from fastapi.testclient import TestClient

    app = fresh_app(shadow_events_rate_per_minute=6)
    with TestClient(app) as c:
        headers = {}  # keyless default org (loopback, no key configured)
        codes = [
            c.post("/api/v1/shadow/events", json={"events": []}, headers=headers).status_code
            for _ in range(3)
        ]
    assert codes == [200, 429, 429]
    assert app.state.shadow_events_limiter.capacity == 1.0


def test_an_asset_registered_by_name_approves_the_service(api) -> None:
    # Settings -> Assets registers an AI service by name only: a domain
    # ("gemini.google.com") or a catalogued service's name ("Midjourney").
    api.post(
        "/shadow/events",
        json={"events": [visit("gemini.google.com"), visit("www.midjourney.com")]},
    )
    before = {s["domain"]: s for s in _services(api)}
    assert before["gemini.google.com"]["risk"] == "MEDIUM"
    assert before["midjourney.com"]["marker"] == "!"
    for name in ("gemini.google.com", "Midjourney"):
        r = api.post("/assets", json={"kind": "ai_service", "name": name, "approved": True})
        assert r.status_code == 201, r.text
    after = {s["domain"]: s for s in _services(api)}
    for domain in ("gemini.google.com", "midjourney.com"):
        assert (after[domain]["risk"], after[domain]["marker"]) == ("LOW", ""), after[domain]
        assert after[domain]["registered"] is True
    # A name that is neither a domain nor a catalogued service registers nothing.
    api.post("/assets", json={"kind": "ai_service", "name": "Some Chat Thing", "approved": True})
    api.post("/shadow/events", json={"events": [visit("claude.ai")]})
    claude = next(s for s in _services(api) if s["domain"] == "claude.ai")
    assert claude["registered"] is False and claude["marker"] == "!"


def test_classifying_unknown_hosts_folds_them_into_one_service(api) -> None:
    # Unknown services are kept per host; once the org's catalog names their parent
    # domain they are one service, and later events of those hosts count there too.
    users = [uuid.uuid4().hex * 2 for _ in range(3)]
    first = [
        event(domain="app.foo-ai.dev", unknown_service=True, user_hash=users[0]),
        event(
            domain="chat.foo-ai.dev",
            unknown_service=True,
            user_hash=users[1],
            pii_categories=["US_SSN"],
            pii_counts={"US_SSN": 1},
        ),
        visit("foo-ai.dev", user_hash=users[0]),
    ]
    assert api.post("/shadow/events", json={"events": first}).json()["accepted"] == 3
    before = {s["domain"]: s for s in _services(api, q="foo-ai")}
    assert set(before) == {"app.foo-ai.dev", "chat.foo-ai.dev", "foo-ai.dev"}
    kept_id = before["app.foo-ai.dev"]["id"]
    asked = api.post(f"/shadow/services/{kept_id}/alerts", json={"trigger": "pii"})
    assert asked.status_code == 201, asked.text

    r = api.post(
        "/shadow/catalog",
        json={"domain": "foo-ai.dev", "service": "FooAI", "vendor": "Foo", "kind": "consumer"},
    )
    assert r.status_code == 201, r.text
    [svc] = _services(api, q="foo-ai")
    assert (svc["domain"], svc["name"], svc["known"]) == ("foo-ai.dev", "FooAI", True)
    assert (svc["events"], svc["visits"], svc["pastes"], svc["users"]) == (3, 1, 2, 2)
    assert svc["pii_counts"] == {"EMAIL": 1, "US_SSN": 1} and svc["pii_uploads"] == 2
    assert svc["alert_triggers"] == ["pii"]
    # the "PII sent to it" rule asked for on the folded host now watches the service
    rules = api.get("/alerts/rules").json()["items"]
    pii_rules = [r for r in rules if r["condition"]["trigger"] == "pii_spike"]
    assert [r["condition"]["service_ids"] for r in pii_rules] == [[svc["id"]]]

    later = api.post(
        "/shadow/events",
        json={"events": [event(domain="app.foo-ai.dev", user_hash=users[2])]},
    ).json()
    assert (later["accepted"], later["new_services"]) == (1, 0)
    [svc] = _services(api, q="foo-ai")
    assert (svc["events"], svc["users"]) == (4, 3)
    detail = api.get(f"/shadow/services/{svc['id']}").json()
    assert sum(p["events"] for p in detail["trend"]) == 4
    assert sum(p["pii_events"] for p in detail["trend"]) == 3
    assert detail["pii_occurrences"] == {"EMAIL": 4, "US_SSN": 1}


def test_every_rejection_names_its_field(api) -> None:
    # A client (the extension's popup among them) reads `loc` to say what was wrong;
    # the cross-field rules answered with an empty loc.
    batch = [
        event(pii_categories=["EMAIL", "EMAIL"], pii_counts={"EMAIL": 1}),
        event(pii_categories=["EMAIL"], pii_counts={"PHONE": 1}),
        event(event_type="visit", signals={}),
        event(signals={"files": "3"}),
        event(signals={"note": "mail me at ana@example.com"}),
    ]
    r = api.post("/shadow/events", json={"events": batch})
    assert r.status_code == 200, r.text
    locs = [[e["loc"] for e in x["errors"]] for x in r.json()["rejected"]]
    assert locs == [
        [["pii_categories"]],
        [["pii_counts"]],
        [["pii_categories"]],
        [["signals", "files"]],
        [["signals", "note"]],
    ]
    assert "ana@example.com" not in r.text


def test_an_org_entry_for_a_service_already_seen_renames_and_reclassifies_it(api) -> None:
    """The org's entry wins over the built-in one: for a service seen before the entry was
    added too (the list kept 'Gemini', chat, consumer; the category filter missed it)."""
    api.post("/shadow/events", json={"events": [visit("gemini.google.com"), visit("claude.ai")]})
    entry = {
        "domain": "gemini.google.com",
        "service": "Gemini for Workspace",
        "vendor": "Google Cloud",
        "category": "productivity",
        "kind": "enterprise",
    }
    assert api.post("/shadow/catalog", json=entry).status_code == 201
    [gemini] = _services(api, category="productivity")
    assert (gemini["domain"], gemini["name"], gemini["vendor"], gemini["kind"]) == (
        "gemini.google.com",
        "Gemini for Workspace",
        "Google Cloud",
        "enterprise",
    )
    csv_text = (
        "domain,service,vendor,category,kind\nclaude.ai,Claude (Team),Anthropic,chat,enterprise\n"
    )
    assert api.post("/shadow/catalog/import", json={"csv": csv_text}).status_code == 200
    [claude] = _services(api, q="claude.ai")
    assert (claude["name"], claude["kind"]) == ("Claude (Team)", "enterprise")


def test_hosts_stored_unknown_become_known_when_the_built_in_list_names_them(
    api, org, session_factory
) -> None:
    """A release whose built-in list grew (181 → 457 domains) names hosts an older one
    stored as unknown. Their rows stayed 'unknown, unclassified' (HIGH) however many
    events of the now-catalogued service arrived; the next event folds them in."""
    from datetime import UTC, datetime

    from threatvec.shadow.models import ShadowService
    from threatvec.store.engine import session_scope

    then = datetime(2026, 11, 20, tzinfo=UTC)
    with session_scope(session_factory) as s:
        for host in ("perplexity.ai", "labs.perplexity.ai"):  # as the older release stored them
            s.add(
                ShadowService(
                    org_id=org.id, domain=host, name=host, known=False, category="unknown",
                    first_seen=then, last_seen=then, events=1, visits=1, risk="HIGH", risk_rank=3,
                )
            )  # fmt: skip
    assert {s["risk"] for s in _services(api)} == {"HIGH"}
    r = api.post("/shadow/events", json={"events": [visit("perplexity.ai")]})
    assert r.json()["accepted"] == 1
    [svc] = _services(api)
    assert (svc["domain"], svc["name"], svc["known"]) == ("perplexity.ai", "Perplexity", True)
    assert (svc["risk"], svc["events"], svc["visits"]) == ("MEDIUM", 3, 3)
