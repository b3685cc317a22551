"""/api/v1/alerts over the real app: CRUD, clear 422s, write-only secrets, test sends, isolation."""

from __future__ import annotations

from sqlalchemy import select

from tests.alerts.conftest import WEBHOOK_SECRET
from tests.alerts.receivers import http_receiver
from tests.conftest import Api, create_org
from threatvec.alerts.models import AlertChannel
from threatvec.mcp.flows import RUG_PULL_SIGNAL
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope

SLACK_SECRET_PATH = "/slack/T000/B000/ZmFrZS1zZWNyZXQtcGF0aA"


def test_rule_crud_and_422s_name_the_field(api) -> None:
    bad = api.post(
        "/alerts/rules", json={"name": "x", "condition": {"trigger": "pii_spike", "threshold": 0}}
    )
    assert bad.status_code == 422
    locs = [e["loc"] for e in bad.json()["errors"]]
    assert any(loc[-1] == "threshold" and "pii_spike" in loc for loc in locs), locs
    unknown = api.post("/alerts/rules", json={"name": "x", "condition": {"trigger": "moon_phase"}})
    assert unknown.status_code == 422 and "trigger" in unknown.text
    extra = api.post(
        "/alerts/rules",
        json={"name": "x", "condition": {"trigger": "score_drop", "points": 5, "pointz": 1}},
    )
    assert extra.status_code == 422 and "pointz" in extra.text
    no_channel = api.post(
        "/alerts/rules",
        json={"name": "x", "condition": {"trigger": "mcp_rug_pull"}, "channel_ids": ["nope"]},
    )
    assert no_channel.status_code == 422
    assert no_channel.json()["errors"][0]["loc"] == ["body", "channel_ids", 0]

    r = api.post(
        "/alerts/rules",
        json={
            "name": " Drop ",
            "condition": {
                "trigger": "score_drop",
                "points": 7.5,
                "compare": "hours_ago",
                "hours": 12,
            },
        },
    )
    assert r.status_code == 201, r.text
    rule = r.json()
    assert rule["name"] == "Drop" and rule["trigger"] == "score_drop" and rule["enabled"]
    assert rule["condition"] == {
        "trigger": "score_drop",
        "points": 7.5,
        "compare": "hours_ago",
        "hours": 12,
    }
    r = api.patch(
        f"/alerts/rules/{rule['id']}",
        json={
            "enabled": False,
            "condition": {"trigger": "new_shadow_asset", "domains": ["OpenAI.com."]},
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["trigger"] == "new_shadow_asset" and r.json()["condition"]["domains"] == [
        "openai.com"
    ]
    assert not r.json()["enabled"]
    assert [
        x["id"] for x in api.get("/alerts/rules", params={"enabled": "false"}).json()["items"]
    ] == [rule["id"]]
    assert api.get("/alerts/rules", params={"trigger": "score_drop"}).json()["items"] == []
    assert api.delete(f"/alerts/rules/{rule['id']}").status_code == 204
    assert api.get(f"/alerts/rules/{rule['id']}").status_code == 404


def test_channel_secrets_are_write_only_and_encrypted(api, session_factory) -> None:
    url = "https://hooks.slack.com" + SLACK_SECRET_PATH
    r = api.post(
        "/alerts/channels", json={"name": "SOC", "settings": {"kind": "slack", "webhook_url": url}}
    )
    assert r.status_code == 201, r.text
    ch = r.json()
    assert SLACK_SECRET_PATH not in r.text and ch["secret_hint"] == "https://hooks.slack.com/…F0aA"
    for resp in (api.get(f"/alerts/channels/{ch['id']}"), api.get("/alerts/channels")):
        assert SLACK_SECRET_PATH not in resp.text and "ZmFrZS1z" not in resp.text
    with session_scope(session_factory) as s:
        row = s.scalar(select(AlertChannel).where(AlertChannel.id == ch["id"]))
        assert "ZmFrZS1z" not in row.secrets_enc and row.config == {}
    pd = api.post(
        "/alerts/channels",
        json={
            "name": "PD",
            "settings": {"kind": "pagerduty", "routing_key": "abcdefgh12345678wxyz"},
        },
    )
    assert pd.json()["secret_hint"] == "routing key ••••wxyz" and "abcdefgh" not in pd.text
    # The kind cannot change; settings are replaced whole.
    r = api.patch(
        f"/alerts/channels/{ch['id']}",
        json={"settings": {"kind": "webhook", "url": "https://x.example", "secret": "s" * 20}},
    )
    assert r.status_code == 409
    short = api.post(
        "/alerts/channels",
        json={
            "name": "w",
            "settings": {"kind": "webhook", "url": "https://x.example", "secret": "short"},
        },
    )
    assert short.status_code == 422 and "secret" in short.text
    assert api.delete(f"/alerts/channels/{ch['id']}").status_code == 204


def test_channel_test_reaches_a_signed_webhook(api) -> None:
    with http_receiver(webhook_secret=WEBHOOK_SECRET) as soar:
        ch = api.post(
            "/alerts/channels",
            json={
                "name": "SOAR",
                "settings": {
                    "kind": "webhook",
                    "url": soar.url + "/soar",
                    "secret": WEBHOOK_SECRET,
                },
            },
        ).json()
        r = api.post(f"/alerts/channels/{ch['id']}/test")
        assert r.status_code == 200 and r.json() == {"ok": True, "status_code": 200, "error": None}
        assert soar.signature_failures == 0
        assert soar.requests[0].json()["type"] == "alert.test"
        # A wrong secret on the receiver side: the test reports the 401, no secret in it.
        soar.webhook_secret = "another-secret-entirely"
        r = api.post(f"/alerts/channels/{ch['id']}/test").json()
        assert not r["ok"] and r["status_code"] == 401 and WEBHOOK_SECRET not in r["error"]
        assert api.get(f"/alerts/channels/{ch['id']}").json()["last_test_ok"] is False


def test_each_test_send_is_a_new_delivery_for_receivers_that_deduplicate(api) -> None:
    # The docs tell receivers to de-duplicate on X-ThreatVec-Delivery and PagerDuty folds
    # events by dedup_key: a second press of "Send test" must not look like a retry.
    with http_receiver(webhook_secret=WEBHOOK_SECRET) as rx:
        hook = api.post(
            "/alerts/channels",
            json={
                "name": "SOAR",
                "settings": {"kind": "webhook", "url": rx.url + "/soar", "secret": WEBHOOK_SECRET},
            },
        ).json()
        pd = api.post(
            "/alerts/channels",
            json={
                "name": "PD",
                "settings": {"kind": "pagerduty", "routing_key": "R" * 32, "base_url": rx.url},
            },
        ).json()
        for _ in range(2):
            assert api.post(f"/alerts/channels/{hook['id']}/test").json()["ok"]
            assert api.post(f"/alerts/channels/{pd['id']}/test").json()["ok"]
        deliveries = [r.headers["x-threatvec-delivery"] for r in rx.requests if r.path == "/soar"]
        dedup_keys = [r.json()["dedup_key"] for r in rx.requests if r.path == "/v2/enqueue"]
    assert len(deliveries) == 2 and len(set(deliveries)) == 2
    assert len(dedup_keys) == 2 and len(set(dedup_keys)) == 2
    assert all(k.startswith("threatvec-test-") for k in dedup_keys)


def test_alerts_list_filters_ack_resolve_and_deliveries(api, session_factory) -> None:
    ch = api.post(
        "/alerts/channels",
        json={
            "name": "pd",
            "enabled": True,
            "settings": {
                "kind": "pagerduty",
                "routing_key": "k" * 20,
                "base_url": "http://127.0.0.1:9",
            },
        },
    ).json()
    rule = api.post(
        "/alerts/rules",
        json={
            "name": "rug",
            "condition": {"trigger": "mcp_rug_pull"},
            "cooldown_minutes": 0,
            "channel_ids": [ch["id"]],
            "severity": "critical",
        },
    ).json()
    with session_scope(session_factory) as s:
        for name in ("a", "b", "c"):
            signals.publish(
                session=s, org_id=api.org.id, kind=RUG_PULL_SIGNAL, data={"server": name}
            )
    ev = api.post("/alerts/evaluate").json()
    assert (ev["alerts_created"], ev["deliveries"]) == (3, 3)
    assert api.post("/alerts/evaluate").json()["alerts_created"] == 0
    page = api.get("/alerts", params={"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = api.get("/alerts", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert len(rest["items"]) == 1
    first = page["items"][0]
    assert first["rule_id"] == rule["id"] and first["severity"] == "critical"
    acked = api.post(f"/alerts/{first['id']}/ack").json()
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"]
    assert [
        a["id"] for a in api.get("/alerts", params={"status": "acknowledged"}).json()["items"]
    ] == [first["id"]]
    assert api.post(f"/alerts/{first['id']}/resolve").json()["status"] == "resolved"
    assert api.post(f"/alerts/{first['id']}/ack").status_code == 409
    # Resolved before PagerDuty was reached: neither the page nor the acknowledge goes out.
    d, ack = api.get(f"/alerts/{first['id']}/deliveries").json()["items"]
    assert d["channel_id"] == ch["id"] and d["attempts"] == 0
    assert (d["action"], d["status"]) == ("trigger", "cancelled")
    assert (ack["action"], ack["status"]) == ("acknowledge", "cancelled")
    assert api.get("/alerts", params={"trigger": "pii_spike"}).json()["items"] == []
    assert api.get("/alerts", params={"status": "bogus"}).status_code == 422


def test_other_orgs_see_nothing(api, client, session_factory) -> None:
    ch = api.post(
        "/alerts/channels",
        json={
            "name": "s",
            "settings": {"kind": "slack", "webhook_url": "https://hooks.slack.com/x/y"},
        },
    ).json()
    rule = api.post(
        "/alerts/rules",
        json={"name": "r", "condition": {"trigger": "mcp_rug_pull"}, "channel_ids": [ch["id"]]},
    ).json()
    with session_scope(session_factory) as s:
        signals.publish(session=s, org_id=api.org.id, kind=RUG_PULL_SIGNAL, data={"server": "a"})
    api.post("/alerts/evaluate")
    [alert] = api.get("/alerts").json()["items"]
    other = Api(client, create_org(session_factory))
    for path in ("/alerts", "/alerts/rules", "/alerts/channels"):
        assert other.get(path).json()["items"] == []
    assert other.get(f"/alerts/rules/{rule['id']}").status_code == 404
    assert other.patch(f"/alerts/rules/{rule['id']}", json={"enabled": False}).status_code == 404
    assert other.post(f"/alerts/channels/{ch['id']}/test").status_code == 404
    assert other.post(f"/alerts/{alert['id']}/resolve").status_code == 404
    assert other.get(f"/alerts/{alert['id']}/deliveries").status_code == 404
    # Another org's channel id cannot be attached to a rule.
    r = other.post(
        "/alerts/rules",
        json={"name": "r", "condition": {"trigger": "mcp_rug_pull"}, "channel_ids": [ch["id"]]},
    )
    assert r.status_code == 422
    assert other.post("/alerts/evaluate").json()["alerts_created"] == 0


def test_a_delivery_given_up_after_a_long_outage_can_be_sent_again(
    api, client, session_factory
) -> None:
    # Slack down for longer than the ~15 min retry window: the alert must not be lost for good.
    from datetime import timedelta

    from tests.alerts.conftest import TEST_SECRET_KEY
    from threatvec.alerts import flows
    from threatvec.core.clock import utcnow
    from threatvec.core.crypto import SecretBox

    box = SecretBox(TEST_SECRET_KEY)
    with http_receiver() as rx:
        rx.script = [503] * flows.MAX_ATTEMPTS
        ch = api.post(
            "/alerts/channels",
            json={"name": "s", "settings": {"kind": "slack", "webhook_url": rx.url + "/slack/x"}},
        ).json()
        api.post(
            "/alerts/rules",
            json={"name": "r", "condition": {"trigger": "mcp_rug_pull"}, "channel_ids": [ch["id"]]},
        )
        with session_scope(session_factory) as s:
            signals.publish(
                session=s, org_id=api.org.id, kind=RUG_PULL_SIGNAL, data={"server": "a"}
            )
        api.post("/alerts/evaluate")
        [alert] = api.get("/alerts").json()["items"]
        t = utcnow()
        with session_scope(session_factory) as s:
            for _ in range(flows.MAX_ATTEMPTS):
                flows.deliver_due(session=s, org_id=api.org.id, box=box, allow_private=True, now=t)
                t += timedelta(hours=2)
        [d] = api.get(f"/alerts/{alert['id']}/deliveries").json()["items"]
        assert d["status"] == "failed" and d["attempts"] == flows.MAX_ATTEMPTS
        # Another org cannot re-send it; a delivery not failed cannot be re-sent.
        other = Api(client, create_org(session_factory))
        path = f"/alerts/{alert['id']}/deliveries/{d['id']}/retry"
        assert other.post(path).status_code == 404
        again = api.post(path)
        assert again.status_code == 200, again.text
        assert again.json()["status"] == "pending" and again.json()["attempts"] == 0
        assert api.post(path).status_code == 409
        with session_scope(session_factory) as s:
            stats = flows.deliver_due(session=s, org_id=api.org.id, box=box, allow_private=True)
        assert stats.sent == 1
        [d] = api.get(f"/alerts/{alert['id']}/deliveries").json()["items"]
        assert d["status"] == "sent"
        # Same delivery id on the re-send: a receiver that de-duplicates still sees it once.
        assert len(rx.requests) == flows.MAX_ATTEMPTS + 1


def _storm_of_subjects(api, n: int) -> tuple[str, list[str]]:
    """A new_shadow_asset rule and n new AI services in one report: one alert naming n."""
    import uuid

    from tests.shadow.helpers import visit

    rule = api.post(
        "/alerts/rules", json={"name": "new AI", "condition": {"trigger": "new_shadow_asset"}}
    )
    assert rule.status_code == 201, rule.text
    tag = uuid.uuid4().hex[:8]
    r = api.post("/shadow/events",
                 json={"events": [visit(f"t{i:03d}-{tag}.example") for i in range(n)]})  # fmt: skip
    assert r.status_code < 300, r.text
    result = api.post("/alerts/evaluate").json()
    assert (result["alerts_created"], result["alerts_folded"]) == (1, n - 1), result
    [alert] = [a for a in api.get("/alerts").json()["items"] if a["rule_id"] == rule.json()["id"]]
    assert alert["details"]["subjects_total"] == n and len(alert["details"]["subjects"]) == 20
    return str(alert["id"]), list(alert["details"]["subjects"])


def test_every_subject_of_an_alert_is_listed_once_across_pages(client, session_factory) -> None:
    org, other = create_org(session_factory), create_org(session_factory)
    api = Api(client, org)
    alert_id, first_20 = _storm_of_subjects(api, 250)

    seen: list[dict] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 60, **({"cursor": cursor} if cursor else {})}
        r = api.get(f"/alerts/{alert_id}/subjects", params=params)
        assert r.status_code == 200, r.text
        seen += r.json()["items"]
        cursor, pages = r.json()["next_cursor"], pages + 1
        if cursor is None:
            break
        assert pages < 10, "the cursor never ends"
    ids = [s["subject_id"] for s in seen]
    assert pages == 5 and len(ids) == 250 and len(set(ids)) == 250
    assert ids[:20] == first_20  # the order the alert shows them in
    assert {s["kind"] for s in seen} == {"shadow_service"}
    assert [s["seq"] for s in seen] == sorted(s["seq"] for s in seen)
    # The same walk again gives the same order (stable).
    again = api.get(f"/alerts/{alert_id}/subjects", params={"limit": 500}).json()
    assert [s["subject_id"] for s in again["items"]] == ids and again["next_cursor"] is None

    # Another org's alert id is a 404, not its subjects.
    r = Api(client, other).get(f"/alerts/{alert_id}/subjects")
    assert r.status_code == 404 and alert_id in r.text
    # Bad paging says which parameter.
    r = api.get(f"/alerts/{alert_id}/subjects", params={"cursor": "%%%"})
    assert r.status_code in (400, 422) and "cursor" in r.text
    r = api.get(f"/alerts/{alert_id}/subjects", params={"limit": 0})
    assert r.status_code == 422 and "limit" in r.text
    # In the OpenAPI document, with its page shape.
    doc = client.get("/api/v1/openapi.json")
    if doc.status_code == 404:
        doc = client.get("/openapi.json")
    op = doc.json()["paths"]["/api/v1/alerts/{alert_id}/subjects"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"alert_id", "limit", "cursor"}


# URLs that pass a loose http(s) pattern but that no HTTP client can send to: a port out of
# range, an empty DNS label, a zero-padded (octal-looking) IPv4 address.
UNUSABLE_URLS = ["http://example.com:99999/x", "http://a..b/x", "http://0177.0.0.1/x"]


def test_an_unusable_channel_url_is_a_422_naming_the_field(api) -> None:
    for url in UNUSABLE_URLS:
        for settings, field in [
            ({"kind": "webhook", "url": url, "secret": WEBHOOK_SECRET}, "url"),
            ({"kind": "slack", "webhook_url": url.replace("http:", "https:")}, "webhook_url"),
            ({"kind": "pagerduty", "routing_key": "R" * 32, "base_url": url}, "base_url"),
        ]:
            r = api.post("/alerts/channels", json={"name": "c", "settings": settings})
            assert r.status_code == 422, (url, settings["kind"], r.text)
            [err] = r.json()["errors"]
            assert err["loc"] == ["body", "settings", settings["kind"], field], err
            assert "not a usable URL" in err["msg"]


def test_a_stored_unusable_url_fails_its_delivery_and_holds_up_no_other(
    api, session_factory
) -> None:
    # A channel saved before the URL was checked this closely: its test and its deliveries
    # must end in a clear error, and the delivery run must go on to the other channels.
    from tests.alerts.conftest import TEST_SECRET_KEY
    from threatvec.alerts import flows
    from threatvec.core.crypto import SecretBox

    with http_receiver(webhook_secret=WEBHOOK_SECRET) as rx:
        ids = []
        for name, url in [("bad", "https://hooks.example/x"), ("good", rx.url + "/soar")]:
            settings = {"kind": "webhook", "url": url, "secret": WEBHOOK_SECRET}
            r = api.post("/alerts/channels", json={"name": name, "settings": settings})
            ids.append(r.json()["id"])
        with session_scope(session_factory) as s:
            bad = s.get(AlertChannel, ids[0])
            bad.config = {**bad.config, "url": UNUSABLE_URLS[2]}
        r = api.post(f"/alerts/channels/{ids[0]}/test")
        assert r.status_code == 200, r.text
        assert r.json()["ok"] is False and "URL is not valid" in r.json()["error"]
        api.post(
            "/alerts/rules",
            json={"name": "r", "condition": {"trigger": "mcp_rug_pull"}, "channel_ids": ids},
        )
        with session_scope(session_factory) as s:
            signals.publish(
                session=s, org_id=api.org.id, kind=RUG_PULL_SIGNAL, data={"server": "a"}
            )
        api.post("/alerts/evaluate")
        [alert] = api.get("/alerts").json()["items"]
        with session_scope(session_factory) as s:
            stats = flows.deliver_due(
                session=s, org_id=api.org.id, box=SecretBox(TEST_SECRET_KEY), allow_private=True
            )
        assert stats.sent == 1 and stats.failed == 1
        by_channel = {
            d["channel_id"]: d for d in api.get(f"/alerts/{alert['id']}/deliveries").json()["items"]
        }
        assert by_channel[ids[1]]["status"] == "sent"
        assert by_channel[ids[0]]["status"] == "failed"
        assert "URL is not valid" in by_channel[ids[0]]["last_error"]
        assert [q.path for q in rx.requests] == ["/soar"]
