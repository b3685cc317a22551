"""PagerDuty → ThreatVec: V3 webhooks POSTed, signed, to the real server over HTTP.

The server runs for real (uvicorn on 127.0.0.1, tests.conftest.live_server); each
webhook body is the documented V3 shape signed the way PagerDuty signs it
(``X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>``). PagerDuty's Events
API is a real local HTTP server that keeps incident state by dedup_key, so "nothing
was sent back to PagerDuty" is checked on what it received.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.alerts.conftest import TEST_SECRET_KEY, WEBHOOK_SECRET
from tests.alerts.receivers import HttpReceiver, http_receiver
from tests.conftest import LiveServer, OrgHandle, create_org
from threatvec.alerts import flows
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox
from threatvec.core.outbound import outbound_client
from threatvec.mcp.flows import RUG_PULL_SIGNAL
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope

BOX = SecretBox(TEST_SECRET_KEY)
PD_SECRET = "pd-whsec-" + "k" * 31  # PagerDuty shows a subscription's secret once


class Live:
    """An org's API over real HTTP on the live server."""

    def __init__(self, server: LiveServer, org: OrgHandle) -> None:
        self.url, self.org = server.url, org
        self.http = httpx.Client(base_url=server.url, headers=org.headers, timeout=10)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.post("/api/v1" + path, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get("/api/v1" + path, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.patch("/api/v1" + path, **kw)


@pytest.fixture
def live(live_server: LiveServer, session_factory: Any) -> Any:
    clients: list[Live] = []

    def make() -> Live:
        clients.append(Live(live_server, create_org(session_factory)))
        return clients[-1]

    yield make
    for c in clients:
        c.http.close()


def _pd_channel(api: Live, pd: HttpReceiver, secret: str | None = PD_SECRET) -> str:
    settings: dict[str, Any] = {
        "kind": "pagerduty",
        "routing_key": "R" + uuid.uuid4().hex[:31],
        "base_url": pd.url,
    }
    if secret is not None:
        settings["webhook_secret"] = secret
    r = api.post("/alerts/channels", json={"name": "PD on-call", "settings": settings})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _soar_channel(api: Live, soar: HttpReceiver) -> str:
    settings = {"kind": "webhook", "url": soar.url + "/soar", "secret": WEBHOOK_SECRET}
    r = api.post("/alerts/channels", json={"name": "SOAR", "settings": settings})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _fire(
    api: Live,
    session_factory: Any,
    channel_ids: list[str],
    *,
    send: bool = True,
    auto_resolve: bool = False,
) -> str:
    """A rule on the channels, one MCP rug pull, evaluated, its trigger sent: the alert id."""
    server = "srv-" + uuid.uuid4().hex[:8]
    rule = api.post(
        "/alerts/rules",
        json={"name": "rug", "condition": {"trigger": "mcp_rug_pull", "servers": [server]},
              "channel_ids": channel_ids, "auto_resolve": auto_resolve},
    ).json()  # fmt: skip
    with session_scope(session_factory) as s:
        signals.publish(session=s, org_id=api.org.id, kind=RUG_PULL_SIGNAL, data={"server": server})
    assert api.post("/alerts/evaluate").json()["alerts_created"] == 1
    [alert] = [a for a in api.get("/alerts").json()["items"] if a["rule_id"] == rule["id"]]
    if send:
        _deliver(session_factory, api.org.id)
    return str(alert["id"])


def _deliver(session_factory: Any, org_id: str, **kw: Any) -> flows.DeliveryStats:
    with session_scope(session_factory) as s:
        return flows.deliver_due(session=s, org_id=org_id, box=BOX, allow_private=True, **kw)


def _event(
    event_type: str, alert_id: str, *, event_id: str | None = None, agent: str = "Earline Greenholt"
) -> bytes:
    """A V3 webhook body as PagerDuty documents it, for the incident ThreatVec's trigger opened."""
    body = {
        "event": {
            "id": event_id or uuid.uuid4().hex.upper()[:26],
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": "2026-11-28T09:00:00.000Z",
            "agent": {
                "html_url": "https://acme.pagerduty.com/users/PXPGF42",
                "id": "PXPGF42",
                "self": "https://api.pagerduty.com/users/PXPGF42",
                "summary": agent,
                "type": "user_reference",
            },
            "client": None,
            "data": {
                "id": "PT4KHLK",
                "type": "incident",
                "self": "https://api.pagerduty.com/incidents/PT4KHLK",
                "html_url": "https://acme.pagerduty.com/incidents/PT4KHLK",
                "number": 1234,
                "status": event_type.split(".")[1],
                "incident_key": f"threatvec-{alert_id}",
                "created_at": "2026-11-28T08:58:00.000Z",
                "title": "MCP server changed",
                "service": {"id": "PIJ90N7", "summary": "ThreatVec", "type": "service_reference"},
                "assignees": [],
                "urgency": "high",
            },
        }
    }
    return json.dumps(body).encode()


def _sign(body: bytes, secret: str = PD_SECRET) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(
    api: Live, channel_id: str, body: bytes, signature: str | None = "sign"
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        signature = _sign(body)
    if signature is not None:
        headers["X-PagerDuty-Signature"] = signature
    # No org key: PagerDuty never holds it.
    return httpx.post(
        f"{api.url}/api/v1/alerts/channels/{channel_id}/pagerduty-webhook",
        content=body,
        headers=headers,
        timeout=10,
    )


def _enqueued(pd: HttpReceiver) -> list[str]:
    return [r.json()["event_action"] for r in pd.requests if r.path == "/v2/enqueue"]


def _soar_types(soar: HttpReceiver) -> list[str]:
    return [r.json()["type"] for r in soar.requests if r.path.startswith("/soar")]


def test_acknowledged_then_resolved_in_pagerduty_moves_the_alert_and_sends_no_echo(
    live, session_factory
) -> None:
    api = live()
    with http_receiver() as pd, http_receiver(webhook_secret=WEBHOOK_SECRET) as soar:
        pd_id = _pd_channel(api, pd)
        slack = {"kind": "slack", "webhook_url": soar.url + "/slack/T0/B0/x"}
        slack_id = api.post("/alerts/channels", json={"name": "s", "settings": slack}).json()["id"]
        alert_id = _fire(api, session_factory, [pd_id, _soar_channel(api, soar), slack_id])
        assert _enqueued(pd) == ["trigger"] and _soar_types(soar) == ["alert.fired"]

        r = _post(api, pd_id, _event("incident.acknowledged", alert_id))
        assert r.status_code == 200, r.text
        assert r.json()["outcome"] == "applied" and r.json()["alert_id"] == alert_id
        alert = api.get(f"/alerts/{alert_id}").json()
        assert alert["status"] == "acknowledged"
        assert alert["acknowledged_by"] == "PagerDuty: Earline Greenholt"
        _deliver(session_factory, api.org.id)

        r = _post(api, pd_id, _event("incident.resolved", alert_id, agent="Ada <script>"))
        assert r.status_code == 200 and r.json()["outcome"] == "applied", r.text
        alert = api.get(f"/alerts/{alert_id}").json()
        assert (alert["status"], alert["resolved_by"]) == ("resolved", "PagerDuty: Ada <script>")
        assert alert["resolution"] is None  # a person resolved it, in PagerDuty
        _deliver(session_factory, api.org.id)

    # PagerDuty got its trigger and nothing back; the SOAR webhook heard both, as usual.
    assert _enqueued(pd) == ["trigger"]
    assert _soar_types(soar) == ["alert.fired", "alert.acknowledged", "alert.resolved"]
    assert soar.signature_failures == 0
    # Slack, which hears resolves only: who resolved it, where, escaped.
    said = [
        r.json()["blocks"][1]["text"]["text"] for r in soar.requests if r.path.startswith("/slack")
    ]
    assert len(said) == 2 and "Resolved in PagerDuty by Ada &lt;script&gt; at " in said[1]
    rows = api.get(f"/alerts/{alert_id}/deliveries").json()["items"]
    assert sorted((d["channel_id"] == pd_id, d["action"]) for d in rows) == [
        (False, "acknowledge"), (False, "resolve"), (False, "resolve"),
        (False, "trigger"), (False, "trigger"), (True, "trigger"),
    ]  # fmt: skip


def test_a_redelivered_event_is_applied_once(live, session_factory) -> None:
    api = live()
    with http_receiver() as pd, http_receiver(webhook_secret=WEBHOOK_SECRET) as soar:
        pd_id = _pd_channel(api, pd)
        alert_id = _fire(api, session_factory, [pd_id, _soar_channel(api, soar)])
        body = _event("incident.resolved", alert_id, event_id="01DEN3BZGM6NM3RKDMNSBA2SRO")
        first = _post(api, pd_id, body)
        again = _post(api, pd_id, body)  # PagerDuty retries, or someone replays the body
        assert first.json()["outcome"] == "applied", first.text
        assert again.status_code == 200 and again.json()["outcome"] == "duplicate", again.text
        # A later, different event for the resolved alert changes nothing either.
        late = _post(api, pd_id, _event("incident.acknowledged", alert_id))
        assert late.json()["outcome"] == "unchanged", late.text
        _deliver(session_factory, api.org.id)
    alert = api.get(f"/alerts/{alert_id}").json()
    assert (alert["status"], alert["acknowledged_by"]) == ("resolved", None)
    assert _soar_types(soar) == ["alert.fired", "alert.resolved"]  # one resolve, not two
    assert _enqueued(pd) == ["trigger"]


def test_bad_missing_and_rotated_signatures(live, session_factory) -> None:
    api = live()
    with http_receiver() as pd:
        pd_id = _pd_channel(api, pd)
        alert_id = _fire(api, session_factory, [pd_id])
        body = _event("incident.resolved", alert_id)

        r = _post(api, pd_id, body, signature=None)
        assert r.status_code == 401 and "X-PagerDuty-Signature header is missing" in r.text
        r = _post(api, pd_id, body, signature="sha256=" + "0" * 64)
        assert r.status_code == 401 and "v1=<64 hex digits>" in r.text
        r = _post(api, pd_id, body, signature=_sign(body, "another-secret-0123456789"))
        assert r.status_code == 401 and "does not match" in r.text
        r = _post(api, pd_id, body + b" ", signature=_sign(body))  # the body was altered
        assert r.status_code == 401
        assert api.get(f"/alerts/{alert_id}").json()["status"] == "open"

        # During a rotation PagerDuty sends both signatures; one matching is enough.
        rotated = _sign(body, "the-old-secret-0123456789") + ", " + _sign(body)
        r = _post(api, pd_id, body, signature=rotated)
        assert r.status_code == 200 and r.json()["outcome"] == "applied", r.text
    assert api.get(f"/alerts/{alert_id}").json()["status"] == "resolved"


def test_no_other_org_and_no_other_channel_is_touched(live, session_factory) -> None:
    a, b = live(), live()
    with http_receiver() as pd:
        a_pd = _pd_channel(a, pd)
        a_alert = _fire(a, session_factory, [a_pd])
        b_pd = _pd_channel(b, pd, secret="org-b-secret-0123456789")
        # Org B's own, correctly signed webhook naming org A's incident: ignored.
        body = _event("incident.resolved", a_alert)
        r = _post(b, b_pd, body, signature=_sign(body, "org-b-secret-0123456789"))
        assert r.status_code == 200 and r.json()["outcome"] == "ignored", r.text
        assert r.json()["alert_id"] is None
        # Org B's secret on org A's channel URL: refused.
        assert (
            _post(a, a_pd, body, signature=_sign(body, "org-b-secret-0123456789")).status_code
            == 401
        )
        # Org A's second PagerDuty channel did not send this alert: not its incident.
        a_other = _pd_channel(a, pd)
        r = _post(a, a_other, body)
        assert r.status_code == 200 and r.json()["outcome"] == "ignored", r.text
        # A channel of another kind, or no channel at all, is the same 401.
        assert _post(a, uuid.uuid4().hex, body).status_code == 401
    assert a.get(f"/alerts/{a_alert}").json()["status"] == "open"


def test_events_it_does_not_sync_and_unknown_incidents_are_200_and_ignored(
    live, session_factory, caplog
) -> None:
    api = live()
    caplog.set_level(logging.INFO, logger="threatvec.alerts")
    with http_receiver() as pd:
        pd_id = _pd_channel(api, pd)
        alert_id = _fire(api, session_factory, [pd_id])
        for body in (
            _event("incident.triggered", alert_id),
            _event("incident.reopened", alert_id),  # an open alert: nothing to reopen
            _event("incident.resolved", uuid.uuid4().hex),  # no such alert
            _event("incident.resolved", "test-0123abcd"),  # a channel test's incident
            json.dumps({"event": {"id": "P1", "event_type": "pagey.ping", "data": None}}).encode(),
        ):
            r = _post(api, pd_id, body)
            assert r.status_code == 200 and r.json()["outcome"] in ("ignored", "unchanged"), r.text
    assert api.get(f"/alerts/{alert_id}").json()["status"] == "open"
    assert "no alert of this channel" in caplog.text
    assert PD_SECRET not in caplog.text


def test_oversized_malformed_and_incomplete_bodies_are_refused(live, session_factory) -> None:
    api = live()
    with http_receiver() as pd:
        pd_id = _pd_channel(api, pd)
        big = b'{"event": {"id": "x", "pad": "' + b"a" * 70_000 + b'"}}'
        r = _post(api, pd_id, big)
        assert r.status_code == 413 and "larger than 65536 bytes" in r.text
        r = _post(api, pd_id, b"{not json")
        assert r.status_code == 400 and "not valid JSON" in r.text
        r = _post(api, pd_id, b'{"messages": []}')  # a V2 webhook body
        assert r.status_code == 422 and "body.event" in r.text
        r = _post(api, pd_id, json.dumps({"event": {"event_type": "incident.resolved"}}).encode())
        assert r.status_code == 422 and "body.event.id" in r.text
        body = {"event": {"id": "E1", "event_type": "incident.resolved", "data": "x"}}
        r = _post(api, pd_id, json.dumps(body).encode())
        assert r.status_code == 422 and "body.event.data" in r.text


def test_the_webhook_secret_is_write_only_and_optional(live, session_factory) -> None:
    api = live()
    with http_receiver() as pd:
        pd_id = _pd_channel(api, pd)
        got = api.get(f"/alerts/channels/{pd_id}").text
        assert PD_SECRET not in got and "webhook secret ••••kkkk" in got
        path = api.get(f"/alerts/channels/{pd_id}").json()["webhook_path"]
        assert path == f"/api/v1/alerts/channels/{pd_id}/pagerduty-webhook"
        # Without a webhook secret the channel still pages, and its URL accepts nothing.
        bare = _pd_channel(api, pd, secret=None)
        assert "webhook secret" not in api.get(f"/alerts/channels/{bare}").json()["secret_hint"]
        alert_id = _fire(api, session_factory, [bare])
        assert _enqueued(pd)[-1] == "trigger"
        assert _post(api, bare, _event("incident.resolved", alert_id)).status_code == 401
        r = api.post(
            "/alerts/channels",
            json={"name": "x", "settings": {"kind": "pagerduty", "routing_key": "R" * 32,
                                            "webhook_secret": "short"}},
        )  # fmt: skip
        assert r.status_code == 422 and "webhook_secret" in r.text


def test_the_same_event_arriving_at_once_is_applied_once(live, session_factory) -> None:
    api = live()
    with http_receiver() as pd, http_receiver(webhook_secret=WEBHOOK_SECRET) as soar:
        pd_id = _pd_channel(api, pd)
        alert_id = _fire(api, session_factory, [pd_id, _soar_channel(api, soar)])
        body = _event("incident.resolved", alert_id)
        start = threading.Barrier(8)

        def send() -> httpx.Response:
            start.wait()
            return _post(api, pd_id, body)

        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(lambda _: send(), range(8)))
        assert [r.status_code for r in replies] == [200] * 8, [r.text for r in replies]
        outcomes = sorted(r.json()["outcome"] for r in replies)
        assert outcomes == ["applied"] + ["duplicate"] * 7
        _deliver(session_factory, api.org.id)
    assert _soar_types(soar) == ["alert.fired", "alert.resolved"]
    assert _enqueued(pd) == ["trigger"]


def test_resolved_in_pagerduty_while_its_trigger_awaits_a_retry_pages_no_new_incident(
    live, session_factory
) -> None:
    # The trigger timed out: PagerDuty took it (it tells us of the incident) but ThreatVec
    # queued a retry. Sent after the resolve, that retry would open a second incident.
    api = live()
    with http_receiver() as pd:
        pd_id = _pd_channel(api, pd)
        alert_id = _fire(api, session_factory, [pd_id], send=False)
        pd.hold = True
        with outbound_client(allow_private=True, timeout=0.5) as impatient:
            assert _deliver(session_factory, api.org.id, client=impatient).retrying == 1
        pd.hold = False
        pd.release.set()
        deadline = time.monotonic() + 10
        while not pd.incidents and time.monotonic() < deadline:
            time.sleep(0.02)
        [dedup] = list(pd.incidents)

        r = _post(api, pd_id, _event("incident.resolved", alert_id))
        assert r.json()["outcome"] == "applied", r.text
        pd.incidents[dedup] = "resolved"  # as PagerDuty has it now
        assert _deliver(session_factory, api.org.id, now=utcnow() + timedelta(hours=1)).sent == 0
    assert _enqueued(pd) == ["trigger"]
    assert pd.incidents == {dedup: "resolved"}
    [trigger] = api.get(f"/alerts/{alert_id}/deliveries").json()["items"]
    assert (trigger["action"], trigger["status"]) == ("trigger", "cancelled")
    assert trigger["last_error"] == "not sent: the incident was resolved in PagerDuty"


# ── reopened and unacknowledged in PagerDuty ──────────────────────────────


def _slack_headers(receiver: HttpReceiver) -> list[str]:
    return [
        r.json()["blocks"][0]["text"]["text"] for r in receiver.requests
        if r.path.startswith("/slack")
    ]  # fmt: skip


def test_reopened_in_pagerduty_opens_the_resolved_alert_and_tells_the_others(
    live, session_factory
) -> None:
    api = live()
    with (
        http_receiver() as pd,
        http_receiver() as pd2,
        http_receiver(webhook_secret=WEBHOOK_SECRET) as soar,
    ):
        pd_id, other_pd = _pd_channel(api, pd), _pd_channel(api, pd2)
        slack = {"kind": "slack", "webhook_url": soar.url + "/slack/T0/B0/x"}
        slack_id = api.post("/alerts/channels", json={"name": "s", "settings": slack}).json()["id"]
        alert_id = _fire(
            api, session_factory, [pd_id, other_pd, _soar_channel(api, soar), slack_id]
        )
        assert _post(api, pd_id, _event("incident.resolved", alert_id)).json()["outcome"] == (
            "applied"
        )
        _deliver(session_factory, api.org.id)

        body = _event("incident.reopened", alert_id, agent="Ada <b>")
        r = _post(api, pd_id, body)
        assert r.status_code == 200, r.text
        assert (r.json()["outcome"], r.json()["detail"]) == ("applied", "alert open")
        alert = api.get(f"/alerts/{alert_id}").json()
        assert alert["status"] == "open"
        assert (alert["resolved_at"], alert["resolved_by"], alert["resolution"]) == (
            None, None, None
        )  # fmt: skip
        assert alert["details"]["reopened"]["by"] == "PagerDuty: Ada <b>"
        assert alert["details"]["reopened"]["from"] == "resolved"
        # PagerDuty redelivers it: nothing more happens.
        assert _post(api, pd_id, body).json()["outcome"] == "duplicate"
        again = _post(api, pd_id, _event("incident.reopened", alert_id))
        assert again.json()["outcome"] == "unchanged", again.text
        _deliver(session_factory, api.org.id)
        _deliver(session_factory, api.org.id)

        # Acknowledged and resolved again in PagerDuty: the alert follows, as the first time.
        assert _post(api, pd_id, _event("incident.resolved", alert_id)).json()["outcome"] == (
            "applied"
        )
        _deliver(session_factory, api.org.id)

    # No echo to the PagerDuty it came from; the other PagerDuty service is paged again
    # (its incident was resolved: a trigger with the same dedup_key opens a new one).
    assert _enqueued(pd) == ["trigger"]
    assert _enqueued(pd2) == ["trigger", "resolve", "trigger", "resolve"]
    assert _soar_types(soar) == ["alert.fired", "alert.resolved", "alert.reopened",
                                 "alert.resolved"]  # fmt: skip
    reopened = [r.json() for r in soar.requests if r.path.startswith("/soar")][2]
    assert reopened["alert"]["status"] == "open"
    headers = _slack_headers(soar)
    assert [h.split(" ")[0] for h in headers] == ["[HIGH]", "[RESOLVED]", "[REOPENED]",
                                                  "[RESOLVED]"]  # fmt: skip
    said = [r.json()["blocks"][1]["text"]["text"] for r in soar.requests
            if r.path.startswith("/slack")]  # fmt: skip
    assert "Reopened in PagerDuty by Ada &lt;b&gt; at " in said[2]


def test_unacknowledged_in_pagerduty_opens_the_acknowledged_alert(live, session_factory) -> None:
    api = live()
    with http_receiver() as pd, http_receiver(webhook_secret=WEBHOOK_SECRET) as soar:
        pd_id = _pd_channel(api, pd)
        slack = {"kind": "slack", "webhook_url": soar.url + "/slack/T0/B0/x"}
        slack_id = api.post("/alerts/channels", json={"name": "s", "settings": slack}).json()["id"]
        alert_id = _fire(api, session_factory, [pd_id, _soar_channel(api, soar), slack_id])
        _post(api, pd_id, _event("incident.acknowledged", alert_id))
        _deliver(session_factory, api.org.id)
        # The ack timeout ran out in PagerDuty: no one is named.
        body = json.loads(_event("incident.unacknowledged", alert_id))
        body["event"]["agent"] = None
        r = _post(api, pd_id, json.dumps(body).encode())
        assert (r.json()["outcome"], r.json()["detail"]) == ("applied", "alert open"), r.text
        alert = api.get(f"/alerts/{alert_id}").json()
        assert (alert["status"], alert["acknowledged_by"], alert["acknowledged_at"]) == (
            "open", None, None
        )  # fmt: skip
        assert alert["details"]["unacknowledged"]["by"] == "PagerDuty"
        # Unacknowledged again (a redelivery with another id): already open, unchanged.
        again = _post(api, pd_id, _event("incident.unacknowledged", alert_id))
        assert again.json()["outcome"] == "unchanged", again.text
        _deliver(session_factory, api.org.id)
        # An engineer acknowledges it again in ThreatVec: PagerDuty hears that one.
        assert api.post(f"/alerts/{alert_id}/ack").status_code == 200
        _deliver(session_factory, api.org.id)
    assert _enqueued(pd) == ["trigger", "acknowledge"]
    assert _soar_types(soar) == ["alert.fired", "alert.acknowledged", "alert.unacknowledged",
                                 "alert.acknowledged"]  # fmt: skip
    assert len(_slack_headers(soar)) == 1  # Slack never heard the acknowledgement


def _auto_resolve(session_factory: Any, org_id: str, alert_id: str) -> bool:
    """What the evaluation does to an alert whose condition cleared (flows._clear)."""
    from threatvec.alerts import service

    with session_scope(session_factory) as s:
        alert = service.get_alert_or_raise(session=s, org_id=org_id, alert_id=alert_id)
        return service.auto_resolve(session=s, alert=alert, reason="condition cleared: test")


def test_a_reopened_alert_is_not_auto_resolved_again(live, session_factory) -> None:
    api = live()
    with http_receiver() as pd, http_receiver(webhook_secret=WEBHOOK_SECRET) as soar:
        pd_id = _pd_channel(api, pd)
        alert_id = _fire(api, session_factory, [pd_id, _soar_channel(api, soar)])
        assert _auto_resolve(session_factory, api.org.id, alert_id)
        _deliver(session_factory, api.org.id)
        r = _post(api, pd_id, _event("incident.reopened", alert_id))
        assert r.json()["outcome"] == "applied", r.text
        # The engineer said it is not over: the condition check leaves it to people.
        assert not _auto_resolve(session_factory, api.org.id, alert_id)
        assert api.get(f"/alerts/{alert_id}").json()["status"] == "open"
        _deliver(session_factory, api.org.id)
        # A person (here in PagerDuty) resolves it for good.
        assert _post(api, pd_id, _event("incident.resolved", alert_id)).json()["outcome"] == (
            "applied"
        )
        _deliver(session_factory, api.org.id)
    assert _enqueued(pd) == ["trigger", "resolve"]
    assert _soar_types(soar) == ["alert.fired", "alert.resolved", "alert.reopened",
                                 "alert.resolved"]  # fmt: skip


def test_a_reopened_alert_takes_over_the_newer_alert_of_its_rule_and_subject(
    live, session_factory
) -> None:
    """Resolved, fired again as a new alert, then the old incident reopened in PagerDuty:
    one alert stays open (the reopened one), and PagerDuty ends with that one incident open."""
    api = live()
    server = "srv-" + uuid.uuid4().hex[:8]
    with http_receiver() as pd, http_receiver(webhook_secret=WEBHOOK_SECRET) as soar:
        pd_id, soar_id = _pd_channel(api, pd), _soar_channel(api, soar)
        rule = api.post(
            "/alerts/rules",
            json={"name": "rug", "condition": {"trigger": "mcp_rug_pull", "servers": [server]},
                  "channel_ids": [pd_id, soar_id], "auto_resolve": False},
        ).json()  # fmt: skip

        def match() -> None:
            with session_scope(session_factory) as s:
                signals.publish(session=s, org_id=api.org.id, kind=RUG_PULL_SIGNAL,
                                data={"server": server})  # fmt: skip
            assert api.post("/alerts/evaluate").json()["alerts_created"] == 1
            _deliver(session_factory, api.org.id)

        match()
        [old] = api.get("/alerts", params={"rule_id": rule["id"]}).json()["items"]
        assert _post(api, pd_id, _event("incident.resolved", old["id"])).json()["outcome"] == (
            "applied"
        )
        _deliver(session_factory, api.org.id)
        match()  # the same server changes again: a new alert, a new incident
        alerts = api.get("/alerts", params={"rule_id": rule["id"]}).json()["items"]
        [new] = [a for a in alerts if a["id"] != old["id"]]
        assert new["status"] == "open"

        r = _post(api, pd_id, _event("incident.reopened", old["id"], agent="Ada"))
        assert r.json()["outcome"] == "applied", r.text
        _deliver(session_factory, api.org.id)
        _deliver(session_factory, api.org.id)

        alerts = {a["id"]: a for a in api.get("/alerts", params={"rule_id": rule["id"]}).json()[
            "items"]}  # fmt: skip
        assert [a["id"] for a in alerts.values() if a["status"] != "resolved"] == [old["id"]]
        reopened, folded = alerts[old["id"]], alerts[new["id"]]
        assert reopened["occurrences"] == 2
        assert [f["alert_id"] for f in reopened["details"]["folded"]] == [new["id"]]
        assert len(reopened["details"]["events"]) == 2
        assert folded["status"] == "resolved" and folded["resolved_by"] == "system"
        assert folded["resolution"] == f"folded into alert {old['id']}, reopened by PagerDuty: Ada"
        assert folded["details"]["folded_into"] == old["id"]

    # PagerDuty: the newer incident was resolved; the reopened one is the one left open
    # (the stand-in never heard of its resolve or reopen: both happened in PagerDuty).
    assert pd.incidents == {
        f"threatvec-{old['id']}": "triggered",
        f"threatvec-{new['id']}": "resolved",
    }
    assert _enqueued(pd) == ["trigger", "trigger", "resolve"]
    told = [(r.json()["type"], r.json()["alert"]["id"]) for r in soar.requests
            if r.path.startswith("/soar")]  # fmt: skip
    assert told[:3] == [("alert.fired", old["id"]), ("alert.resolved", old["id"]),
                        ("alert.fired", new["id"])]  # fmt: skip
    # Sent in the same run, in either order.
    assert sorted(told[3:]) == [("alert.reopened", old["id"]), ("alert.resolved", new["id"])]


def test_matches_after_a_takeover_fold_into_the_reopened_alert_past_its_cooldown(
    live, session_factory
) -> None:
    """The reopened alert fired days ago (far past the rule's cooldown): the condition's next
    matches still fold into it while it is open, instead of opening (and paging) another."""
    from sqlalchemy import update

    from threatvec.alerts.models import Alert

    api = live()
    server = "srv-" + uuid.uuid4().hex[:8]
    with http_receiver() as pd:
        pd_id = _pd_channel(api, pd)
        rule = api.post(
            "/alerts/rules",
            json={"name": "rug", "condition": {"trigger": "mcp_rug_pull", "servers": [server]},
                  "channel_ids": [pd_id], "auto_resolve": False, "cooldown_minutes": 60},
        ).json()  # fmt: skip

        def match() -> dict[str, Any]:
            with session_scope(session_factory) as s:
                signals.publish(session=s, org_id=api.org.id, kind=RUG_PULL_SIGNAL,
                                data={"server": server})  # fmt: skip
            result = api.post("/alerts/evaluate").json()
            _deliver(session_factory, api.org.id)
            return dict(result)

        assert match()["alerts_created"] == 1
        [old] = api.get("/alerts", params={"rule_id": rule["id"]}).json()["items"]
        with session_scope(session_factory) as s:  # it fired three days ago
            long_ago = utcnow() - timedelta(days=3)
            s.execute(update(Alert).where(Alert.id == old["id"])
                      .values(first_seen_at=long_ago, last_seen_at=long_ago))  # fmt: skip
        assert _post(api, pd_id, _event("incident.resolved", old["id"])).json()["outcome"] == (
            "applied"
        )
        assert match()["alerts_created"] == 1  # resolved: the next match opens a new one
        r = _post(api, pd_id, _event("incident.reopened", old["id"]))
        assert r.json()["outcome"] == "applied", r.text
        _deliver(session_factory, api.org.id)

        for _ in range(2):
            result = match()
            assert (result["alerts_created"], result["alerts_folded"]) == (0, 1), result
        alerts = api.get("/alerts", params={"rule_id": rule["id"]}).json()["items"]
        assert [a["id"] for a in alerts if a["status"] != "resolved"] == [old["id"]]
        assert next(a for a in alerts if a["id"] == old["id"])["occurrences"] == 4
    assert list(pd.incidents.values()).count("triggered") == 1
