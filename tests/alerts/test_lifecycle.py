"""An alert's acknowledge and resolve reach where its trigger went: PagerDuty incidents close,
Slack and SOAR webhooks hear about it; always after the trigger, never instead of it.

Every receiver is a real local HTTP server speaking the service's format (PagerDuty's
Events API v2 keeps incident state by dedup_key, so "the incident is resolved" is checked
the way PagerDuty would see it).
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from email import message_from_bytes
from typing import Any

from sqlalchemy import select

from tests.alerts.conftest import TEST_SECRET_KEY, WEBHOOK_SECRET
from tests.alerts.receivers import HttpReceiver, http_receiver, smtp_sink
from tests.conftest import Api, create_org
from threatvec.alerts import flows
from threatvec.alerts.models import AlertDelivery
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox
from threatvec.core.outbound import outbound_client
from threatvec.mcp.flows import RUG_PULL_SIGNAL
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope

BOX = SecretBox(TEST_SECRET_KEY)


def _routing_key() -> str:
    return "R" + uuid.uuid4().hex[:31]  # PagerDuty integration keys are 32 characters


def _channel(api: Api, name: str, settings: dict[str, Any]) -> str:
    r = api.post("/alerts/channels", json={"name": name, "settings": settings})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _pd(api: Api, rx: HttpReceiver, key: str | None = None) -> str:
    settings = {"kind": "pagerduty", "routing_key": key or _routing_key(), "base_url": rx.url}
    return _channel(api, "pd", settings)


def _fire(api: Api, session_factory: Any, channel_ids: list[str], server: str = "notes") -> str:
    """A rule on the channels, one MCP rug pull, evaluated: the new alert's id."""
    r = api.post(
        "/alerts/rules",
        json={
            "name": f"rug {server}",
            "condition": {"trigger": "mcp_rug_pull", "servers": [server]},
            "channel_ids": channel_ids,
            "severity": "critical",
        },
    )
    assert r.status_code == 201, r.text
    with session_scope(session_factory) as s:
        signals.publish(session=s, org_id=api.org.id, kind=RUG_PULL_SIGNAL, data={"server": server})
    assert api.post("/alerts/evaluate").json()["alerts_created"] == 1
    [alert] = [a for a in api.get("/alerts").json()["items"] if a["rule_id"] == r.json()["id"]]
    return str(alert["id"])


def _deliver(session_factory: Any, org_id: str, **kw: Any) -> flows.DeliveryStats:
    with session_scope(session_factory) as s:
        return flows.deliver_due(session=s, org_id=org_id, box=BOX, allow_private=True, **kw)


def _deliveries(api: Api, alert_id: str) -> list[dict[str, Any]]:
    r = api.get(f"/alerts/{alert_id}/deliveries")
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def _events(rx: HttpReceiver) -> list[dict[str, Any]]:
    return [r.json() for r in rx.requests if r.path == "/v2/enqueue"]


def test_ack_and_resolve_follow_the_pagerduty_trigger_with_its_dedup_key(
    api, session_factory
) -> None:
    key = _routing_key()
    with http_receiver() as pd:
        alert_id = _fire(api, session_factory, [_pd(api, pd, key)])
        assert _deliver(session_factory, api.org.id).sent == 1
        [trigger] = _events(pd)
        dedup = trigger["dedup_key"]
        assert trigger["event_action"] == "trigger" and pd.incidents == {dedup: "triggered"}
        [d] = _deliveries(api, alert_id)
        assert (d["action"], d["status"], d["last_status_code"]) == ("trigger", "sent", 202)

        assert api.post(f"/alerts/{alert_id}/ack").json()["status"] == "acknowledged"
        assert api.post(f"/alerts/{alert_id}/ack").status_code == 200  # again: nothing new
        assert _deliver(session_factory, api.org.id).sent == 1
        assert api.post(f"/alerts/{alert_id}/resolve").json()["status"] == "resolved"
        assert api.post(f"/alerts/{alert_id}/resolve").status_code == 200  # again: nothing new
        assert _deliver(session_factory, api.org.id).sent == 1
        assert _deliver(session_factory, api.org.id).sent == 0

    # PagerDuty's documented shape for both: routing_key, event_action, dedup_key.
    ack, resolve = _events(pd)[1:]
    assert ack == {"routing_key": key, "event_action": "acknowledge", "dedup_key": dedup}
    assert resolve == {"routing_key": key, "event_action": "resolve", "dedup_key": dedup}
    assert pd.incidents == {dedup: "resolved"}
    rows = _deliveries(api, alert_id)
    assert [(d["action"], d["status"]) for d in rows] == [
        ("trigger", "sent"),
        ("acknowledge", "sent"),
        ("resolve", "sent"),
    ]
    assert len({d["id"] for d in rows}) == 3


def test_resolving_while_the_trigger_is_failing_drops_it_and_pages_no_one(
    api, session_factory
) -> None:
    with http_receiver() as pd:
        pd.script = [503]
        alert_id = _fire(api, session_factory, [_pd(api, pd)])
        now = utcnow()
        assert _deliver(session_factory, api.org.id, now=now).retrying == 1
        assert pd.incidents == {}
        api.post(f"/alerts/{alert_id}/resolve")
        # PagerDuty is back; the trigger is not sent for an alert already resolved, and
        # there is no incident to resolve.
        later = now + timedelta(hours=2)
        assert _deliver(session_factory, api.org.id, now=later).sent == 0
        assert len(pd.requests) == 1 and pd.incidents == {}
    [d] = _deliveries(api, alert_id)
    assert (d["action"], d["status"], d["attempts"]) == ("trigger", "cancelled", 1)
    assert "resolved" in d["last_error"]
    # A dropped trigger is not "Send again"-able (nothing to page for).
    assert api.post(f"/alerts/{alert_id}/deliveries/{d['id']}/retry").status_code == 409


def test_a_resolve_waits_for_a_trigger_in_flight_and_follows_it(api, session_factory) -> None:
    with http_receiver() as pd:
        alert_id = _fire(api, session_factory, [_pd(api, pd)])
        pd.hold = True
        sender = threading.Thread(target=_deliver, args=(session_factory, api.org.id))
        sender.start()
        assert pd.arrived.wait(10)  # the trigger is at PagerDuty, not answered yet
        api.post(f"/alerts/{alert_id}/resolve")
        # The resolve is queued but must not overtake the trigger.
        assert _deliver(session_factory, api.org.id).sent == 0
        assert len(pd.requests) == 1
        pd.hold = False
        pd.release.set()
        sender.join(10)
        assert _deliver(session_factory, api.org.id).sent == 1
    trigger, resolve = _events(pd)
    assert resolve["event_action"] == "resolve" and resolve["dedup_key"] == trigger["dedup_key"]
    assert pd.incidents == {trigger["dedup_key"]: "resolved"}
    assert [(d["action"], d["status"]) for d in _deliveries(api, alert_id)] == [
        ("trigger", "sent"),
        ("resolve", "sent"),
    ]


def test_a_trigger_in_flight_that_fails_for_good_takes_its_resolve_with_it(
    api, session_factory
) -> None:
    with http_receiver() as pd:
        alert_id = _fire(api, session_factory, [_pd(api, pd)])
        pd.hold, pd.script = True, [400]
        sender = threading.Thread(target=_deliver, args=(session_factory, api.org.id))
        sender.start()
        assert pd.arrived.wait(10)
        api.post(f"/alerts/{alert_id}/resolve")
        pd.hold = False
        pd.release.set()
        sender.join(10)
        assert _deliver(session_factory, api.org.id).sent == 0
        assert len(pd.requests) == 1
    trigger, resolve = _deliveries(api, alert_id)
    assert (trigger["status"], resolve["action"], resolve["status"]) == (
        "failed",
        "resolve",
        "cancelled",
    )
    assert "never" in resolve["last_error"]


def test_a_trigger_that_timed_out_may_have_paged_so_its_resolve_is_still_sent(
    api, session_factory
) -> None:
    # A timeout says nothing about whether PagerDuty took the event: if it did, an incident is
    # open, and only a resolve closes it (PagerDuty ignores a resolve for one it does not have).
    with http_receiver() as pd:
        alert_id = _fire(api, session_factory, [_pd(api, pd)])
        pd.hold = True
        with outbound_client(allow_private=True, timeout=0.5) as impatient:
            assert _deliver(session_factory, api.org.id, client=impatient).retrying == 1
        pd.hold = False
        pd.release.set()
        deadline = time.monotonic() + 10
        while not pd.incidents and time.monotonic() < deadline:
            time.sleep(0.02)
        [dedup] = list(pd.incidents)  # PagerDuty did take it, after our client gave up
        api.post(f"/alerts/{alert_id}/resolve")
        assert _deliver(session_factory, api.org.id, now=utcnow() + timedelta(hours=1)).sent == 1
    assert [e["event_action"] for e in _events(pd)] == ["trigger", "resolve"]
    assert pd.incidents == {dedup: "resolved"}
    assert [(d["action"], d["status"]) for d in _deliveries(api, alert_id)] == [
        ("trigger", "cancelled"),
        ("resolve", "sent"),
    ]


def test_an_acknowledge_waits_for_a_retrying_trigger_then_follows_it(api, session_factory) -> None:
    with http_receiver() as pd:
        pd.script = [(429, {"Retry-After": "120"}, "")]
        alert_id = _fire(api, session_factory, [_pd(api, pd)])
        now = utcnow()
        assert _deliver(session_factory, api.org.id, now=now).retrying == 1
        api.post(f"/alerts/{alert_id}/ack")
        # Acknowledging does not drop the page (someone is on it, PagerDuty should know),
        # but the acknowledge is not sent before the trigger.
        assert _deliver(session_factory, api.org.id, now=now + timedelta(seconds=30)).sent == 0
        assert len(pd.requests) == 1
        stats = _deliver(session_factory, api.org.id, now=now + timedelta(minutes=3))
        assert stats.sent == 2
    assert [e["event_action"] for e in _events(pd)] == ["trigger", "trigger", "acknowledge"]
    assert list(pd.incidents.values()) == ["acknowledged"]


def test_slack_and_webhooks_hear_the_resolve_email_digests_do_not(api, session_factory) -> None:
    with (
        http_receiver(webhook_secret=WEBHOOK_SECRET) as rx,
        smtp_sink() as smtp,
    ):
        slack = _channel(api, "slack", {"kind": "slack", "webhook_url": rx.url + "/slack/T/B/x"})
        hook = _channel(
            api, "soar", {"kind": "webhook", "url": rx.url + "/soar", "secret": WEBHOOK_SECRET}
        )
        mail = _channel(
            api,
            "mail",
            {"kind": "email", "host": smtp.host, "port": smtp.port, "starttls": False,
             "sender": "tv@example.com", "recipients": ["soc@example.com"]},
        )  # fmt: skip
        alert_id = _fire(api, session_factory, [slack, hook, mail])
        assert _deliver(session_factory, api.org.id).sent == 3
        api.post(f"/alerts/{alert_id}/ack")
        assert _deliver(session_factory, api.org.id).sent == 1  # the webhook only
        api.post(f"/alerts/{alert_id}/resolve")
        assert _deliver(session_factory, api.org.id).sent == 2  # Slack and the webhook
    assert rx.signature_failures == 0 and len(smtp.messages) == 1
    soar = [r for r in rx.requests if r.path == "/soar"]
    assert [r.json()["type"] for r in soar] == [
        "alert.fired",
        "alert.acknowledged",
        "alert.resolved",
    ]
    # Each is its own delivery (receivers de-duplicate on the id; a resolve is not a retry).
    assert len({r.headers["x-threatvec-delivery"] for r in soar}) == 3
    resolved = soar[-1].json()["alert"]
    assert resolved["id"] == alert_id and resolved["status"] == "resolved"
    assert resolved["resolved_at"] and resolved["resolved_by"]
    posts = [r.json() for r in rx.requests if r.path.startswith("/slack")]
    assert len(posts) == 2 and posts[1]["text"].startswith("[RESOLVED]")
    actions = sorted((d["channel_kind"], d["action"]) for d in _deliveries(api, alert_id))
    assert actions == [
        ("email", "trigger"),
        ("slack", "resolve"),
        ("slack", "trigger"),
        ("webhook", "acknowledge"),
        ("webhook", "resolve"),
        ("webhook", "trigger"),
    ]


def test_no_resolve_for_a_channel_disabled_or_deleted_since_the_trigger(
    api, session_factory
) -> None:
    with http_receiver() as pd:
        keep, off, gone = _pd(api, pd), _pd(api, pd), _pd(api, pd)
        alert_id = _fire(api, session_factory, [keep, off, gone])
        assert _deliver(session_factory, api.org.id).sent == 3
        assert api.patch(f"/alerts/channels/{off}", json={"enabled": False}).status_code == 200
        # Deleting one with the incident open is refused; forced, it closes the incident on
        # its way out (test_channel_delete.py), and the alert's resolve later skips it.
        assert api.delete(f"/alerts/channels/{gone}").status_code == 409
        assert api.delete(f"/alerts/channels/{gone}", params={"force": "true"}).status_code == 200
        api.post(f"/alerts/{alert_id}/resolve")
        assert _deliver(session_factory, api.org.id).sent == 2
    resolves = [e for e in _events(pd) if e["event_action"] == "resolve"]
    assert len(resolves) == 2
    rows = [(d["channel_id"], d["action"]) for d in _deliveries(api, alert_id)]
    assert (keep, "resolve") in rows and (off, "resolve") not in rows
    assert rows.count((gone, "resolve")) == 1


def test_a_resolve_queued_before_its_channel_was_disabled_is_not_sent(api, session_factory) -> None:
    with http_receiver() as pd:
        cid = _pd(api, pd)
        alert_id = _fire(api, session_factory, [cid])
        _deliver(session_factory, api.org.id)
        api.post(f"/alerts/{alert_id}/resolve")
        api.patch(f"/alerts/channels/{cid}", json={"enabled": False})
        assert _deliver(session_factory, api.org.id).sent == 0
        assert len(pd.requests) == 1
    resolve = _deliveries(api, alert_id)[-1]
    assert (resolve["action"], resolve["status"]) == ("resolve", "failed")


def test_two_orgs_never_see_or_send_each_others_follow_ups(api, client, session_factory) -> None:
    other = Api(client, create_org(session_factory))
    key_a, key_b = _routing_key(), _routing_key()
    with http_receiver() as pd:
        alert_a = _fire(api, session_factory, [_pd(api, pd, key_a)])
        alert_b = _fire(other, session_factory, [_pd(other, pd, key_b)])
        _deliver(session_factory, api.org.id)
        _deliver(session_factory, other.org.id)
        assert other.post(f"/alerts/{alert_a}/resolve").status_code == 404
        assert api.post(f"/alerts/{alert_a}/resolve").status_code == 200
        # B's delivery run sends nothing of A's; A's sends A's resolve with A's key.
        assert _deliver(session_factory, other.org.id).sent == 0
        assert _deliver(session_factory, api.org.id).sent == 1
    resolve = _events(pd)[-1]
    assert resolve["event_action"] == "resolve" and resolve["routing_key"] == key_a
    assert other.get(f"/alerts/{alert_a}/deliveries").status_code == 404
    assert [d["action"] for d in _deliveries(other, alert_b)] == ["trigger"]
    a_rows = _deliveries(api, alert_a)
    assert other.post(f"/alerts/{alert_a}/deliveries/{a_rows[-1]['id']}/retry").status_code == 404
    with session_scope(session_factory) as s:
        orgs = set(
            s.scalars(
                select(AlertDelivery.org_id).where(AlertDelivery.alert_id.in_([alert_a, alert_b]))
            )
        )
    assert orgs == {api.org.id, other.org.id}


def test_a_failed_resolve_can_be_sent_again(api, session_factory) -> None:
    with http_receiver() as pd:
        alert_id = _fire(api, session_factory, [_pd(api, pd)])
        _deliver(session_factory, api.org.id)
        api.post(f"/alerts/{alert_id}/resolve")
        pd.script = [503] * flows.MAX_ATTEMPTS
        t = utcnow()
        for _ in range(flows.MAX_ATTEMPTS):
            _deliver(session_factory, api.org.id, now=t)
            t += timedelta(hours=2)
        resolve = _deliveries(api, alert_id)[-1]
        assert (resolve["action"], resolve["status"]) == ("resolve", "failed")
        assert list(pd.incidents.values()) == ["triggered"]
        r = api.post(f"/alerts/{alert_id}/deliveries/{resolve['id']}/retry")
        assert r.status_code == 200 and r.json()["action"] == "resolve"
        assert _deliver(session_factory, api.org.id, now=t).sent == 1
    assert list(pd.incidents.values()) == ["resolved"]


def test_a_failed_trigger_sent_again_brings_its_acknowledge_but_not_after_resolve(
    api, session_factory
) -> None:
    with http_receiver() as pd:
        pd.script = [400]  # a bad event: failed at once
        alert_id = _fire(api, session_factory, [_pd(api, pd)])
        assert _deliver(session_factory, api.org.id).failed == 1
        api.post(f"/alerts/{alert_id}/ack")
        [trigger] = _deliveries(api, alert_id)  # nothing reached PagerDuty: no acknowledge
        r = api.post(f"/alerts/{alert_id}/deliveries/{trigger['id']}/retry")
        assert r.status_code == 200, r.text
        assert _deliver(session_factory, api.org.id).sent == 2
        assert [e["event_action"] for e in _events(pd)] == ["trigger", "trigger", "acknowledge"]
        assert list(pd.incidents.values()) == ["acknowledged"]

        pd.script = [400]
        other = _fire(api, session_factory, [_pd(api, pd)], server="files")
        _deliver(session_factory, api.org.id)
        api.post(f"/alerts/{other}/resolve")
        [failed] = _deliveries(api, other)
        r = api.post(f"/alerts/{other}/deliveries/{failed['id']}/retry")
        assert r.status_code == 409 and "resolved" in r.text


def test_acknowledges_waiting_on_their_triggers_never_starve_the_triggers(
    api, session_factory
) -> None:
    # One delivery run takes at most `limit` due rows. Waiting acknowledges are due early
    # (queued "now"); if they filled the batch, the triggers they wait for would never go.
    with http_receiver() as pd:
        pd.script = [503, 503]
        first = _fire(api, session_factory, [_pd(api, pd)], server="a")
        second = _fire(api, session_factory, [_pd(api, pd)], server="b")
        now = utcnow()
        assert _deliver(session_factory, api.org.id, now=now).retrying == 2
        api.post(f"/alerts/{first}/ack")
        api.post(f"/alerts/{second}/ack")
        t = now + timedelta(hours=1)
        for _ in range(4):
            _deliver(session_factory, api.org.id, now=t, limit=1)
    assert sorted(e["event_action"] for e in _events(pd)[2:]) == [
        "acknowledge",
        "acknowledge",
        "trigger",
        "trigger",
    ]


def test_a_new_match_after_resolve_opens_a_new_pagerduty_incident(api, session_factory) -> None:
    with http_receiver() as pd:
        cid = _pd(api, pd)
        first = _fire(api, session_factory, [cid])
        _deliver(session_factory, api.org.id)
        api.post(f"/alerts/{first}/resolve")
        _deliver(session_factory, api.org.id)
        with session_scope(session_factory) as s:
            signals.publish(
                session=s, org_id=api.org.id, kind=RUG_PULL_SIGNAL, data={"server": "notes"}
            )
        assert api.post("/alerts/evaluate").json()["alerts_created"] == 1
        _deliver(session_factory, api.org.id)
    keys = [e["dedup_key"] for e in _events(pd)]
    assert len(keys) == 3 and keys[0] == keys[1] != keys[2]
    assert sorted(pd.incidents.values()) == ["resolved", "triggered"]


def test_an_acknowledge_that_failed_is_moot_once_resolved(api, session_factory) -> None:
    # A SOAR mirroring the alert's state must never get "acknowledged" after "resolved".
    with http_receiver(webhook_secret=WEBHOOK_SECRET) as rx:
        hook = _channel(
            api, "soar", {"kind": "webhook", "url": rx.url + "/soar", "secret": WEBHOOK_SECRET}
        )
        alert_id = _fire(api, session_factory, [hook])
        _deliver(session_factory, api.org.id)
        rx.script = [410]  # the acknowledge is refused for good
        api.post(f"/alerts/{alert_id}/ack")
        assert _deliver(session_factory, api.org.id).failed == 1
        api.post(f"/alerts/{alert_id}/resolve")
        ack = next(d for d in _deliveries(api, alert_id) if d["action"] == "acknowledge")
        assert ack["status"] == "cancelled"
        assert api.post(f"/alerts/{alert_id}/deliveries/{ack['id']}/retry").status_code == 409
        _deliver(session_factory, api.org.id)
    assert [r.json()["type"] for r in rx.requests] == [
        "alert.fired",
        "alert.acknowledged",
        "alert.resolved",
    ]


def test_an_email_digest_says_which_of_its_alerts_are_already_resolved(
    api, session_factory
) -> None:
    # The digest is a record of the period, so a resolved alert stays in it; read as
    # live, it would send someone chasing what is already closed.
    with smtp_sink() as smtp:
        mail = _channel(
            api,
            "mail",
            {"kind": "email", "host": smtp.host, "port": smtp.port, "starttls": False,
             "sender": "tv@example.com", "recipients": ["soc@example.com"]},
        )  # fmt: skip
        done = _fire(api, session_factory, [mail], server="fixed")
        _fire(api, session_factory, [mail], server="live")
        api.post(f"/alerts/{done}/resolve")
        assert _deliver(session_factory, api.org.id).digests == 1
    [sent] = smtp.messages
    msg = message_from_bytes(sent["data"])
    text = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    [fixed] = [line for line in body.splitlines() if "fixed" in line and line.startswith("[")]
    [live] = [line for line in body.splitlines() if "live" in line and line.startswith("[")]
    assert "RESOLVED" in fixed and "RESOLVED" not in live
    html = next(p for p in msg.walk() if p.get_content_type() == "text/html")
    assert "<td>resolved</td>" in html.get_payload(decode=True).decode()


def test_two_people_resolving_at_once_send_one_resolve(api, session_factory) -> None:
    # A double-click on Resolve, or two engineers on the same page: one "[RESOLVED]" in
    # Slack, one resolve to PagerDuty, not one each.
    from threatvec.alerts import service

    with http_receiver() as rx:
        slack = _channel(api, "slack", {"kind": "slack", "webhook_url": rx.url + "/slack/T/B/x"})
        alert_id = _fire(api, session_factory, [slack])
        _deliver(session_factory, api.org.id)
        second_done = threading.Event()

        def second() -> None:
            with session_scope(session_factory) as s:
                service.resolve(session=s, org_id=api.org.id, alert_id=alert_id, actor="bob")
            second_done.set()

        with session_scope(session_factory) as s:
            a = service.get_alert_or_raise(session=s, org_id=api.org.id, alert_id=alert_id)
            assert a.status == "open"
            other = threading.Thread(target=second)
            service.resolve(session=s, org_id=api.org.id, alert_id=alert_id, actor="alice")
            other.start()
            time.sleep(0.3)  # bob's request is now waiting on alice's transaction
        other.join(15)
        assert second_done.is_set()
        _deliver(session_factory, api.org.id)
    resolves = [d for d in _deliveries(api, alert_id) if d["action"] == "resolve"]
    assert len(resolves) == 1
    assert len([r for r in rx.requests if r.json()["text"].startswith("[RESOLVED]")]) == 1
    assert api.get(f"/alerts/{alert_id}").json()["resolved_by"] == "alice"
