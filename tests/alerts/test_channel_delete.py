"""Deleting a channel while alerts delivered through it are open: refused (409, naming them)
unless forced; forced, PagerDuty's incidents are resolved first; queued deliveries of a
deleted channel end cleanly in the delivery worker.

PagerDuty is a local server speaking the Events API v2 that keeps incident state by
dedup_key; webhooks a local server that verifies the HMAC signature.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from sqlalchemy import select

from tests.alerts.conftest import TEST_SECRET_KEY, WEBHOOK_SECRET
from tests.alerts.receivers import HttpReceiver, http_receiver, smtp_sink
from tests.conftest import Api, create_org
from threatvec.alerts import flows
from threatvec.alerts.models import AlertChannel
from threatvec.core.crypto import SecretBox
from threatvec.mcp.flows import RUG_PULL_SIGNAL
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope

BOX = SecretBox(TEST_SECRET_KEY)


def _channel(api: Api, settings: dict[str, Any], name: str = "PD on-call") -> str:
    r = api.post("/alerts/channels", json={"name": name, "settings": settings})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _pd(api: Api, rx: HttpReceiver) -> str:
    key = "R" + uuid.uuid4().hex[:31]
    return _channel(api, {"kind": "pagerduty", "routing_key": key, "base_url": rx.url})


def _fire(api: Api, session_factory: Any, channel_ids: list[str], server: str) -> dict[str, Any]:
    """A rug-pull rule on the channels, one rug pull, evaluated: the new alert."""
    condition = {"trigger": "mcp_rug_pull", "servers": [server]}
    rule = api.post(
        "/alerts/rules",
        json={"name": f"rug {server}", "condition": condition, "channel_ids": channel_ids,
              "severity": "critical"},
    ).json()  # fmt: skip
    with session_scope(session_factory) as s:
        signals.publish(session=s, org_id=api.org.id, kind=RUG_PULL_SIGNAL, data={"server": server})
    assert api.post("/alerts/evaluate").json()["alerts_created"] == 1
    [alert] = [a for a in api.get("/alerts").json()["items"] if a["rule_id"] == rule["id"]]
    return dict(alert)


def _deliver(session_factory: Any, org_id: str) -> flows.DeliveryStats:
    with session_scope(session_factory) as s:
        return flows.deliver_due(session=s, org_id=org_id, box=BOX, allow_private=True)


def _events(rx: HttpReceiver) -> list[tuple[str, str]]:
    return [(r.json()["event_action"], r.json()["dedup_key"]) for r in rx.requests]


def _rows(api: Api, alert_id: str) -> list[tuple[str, str, str]]:
    items = api.get(f"/alerts/{alert_id}/deliveries").json()["items"]
    return [(d["channel_id"], d["action"], d["status"]) for d in items]


def test_deleting_a_pagerduty_channel_with_open_incidents_is_refused_then_forced_closes_them(
    api, session_factory
) -> None:
    with http_receiver() as pd:
        cid = _pd(api, pd)
        one = _fire(api, session_factory, [cid], "notes")
        two = _fire(api, session_factory, [cid], "files")
        assert _deliver(session_factory, api.org.id).sent == 2
        api.post(f"/alerts/{two['id']}/ack")
        _deliver(session_factory, api.org.id)

        r = api.delete(f"/alerts/channels/{cid}")
        assert r.status_code == 409, r.text
        detail = r.json()["detail"]
        for alert in (one, two):
            assert alert["id"] in detail and alert["title"] in detail
        assert "?force=true" in detail and "2 open alerts" in detail
        assert api.get(f"/alerts/channels/{cid}").status_code == 200  # nothing changed

        r = api.delete(f"/alerts/channels/{cid}", params={"force": "true"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["resolves_queued"] == 2 and body["left_open"] == []
        # The channel is gone from the API at once and no rule sends to it.
        assert api.get(f"/alerts/channels/{cid}").status_code == 404
        assert cid not in [c["id"] for c in api.get("/alerts/channels").json()["items"]]
        assert all(cid not in r["channel_ids"] for r in api.get("/alerts/rules").json()["items"])
        assert api.delete(f"/alerts/channels/{cid}").status_code == 404

        # The resolves still go out through it, with each trigger's dedup_key.
        assert _deliver(session_factory, api.org.id).sent == 2
        assert set(pd.incidents.values()) == {"resolved"}
        assert sorted(_events(pd)[-2:]) == sorted(
            [("resolve", f"threatvec-{one['id']}"), ("resolve", f"threatvec-{two['id']}")]
        )
    # ThreatVec's alerts stay as they are (the condition is not cleared); the history stays.
    assert api.get(f"/alerts/{one['id']}").json()["status"] == "open"
    assert _rows(api, one["id"]) == [(cid, "trigger", "sent"), (cid, "resolve", "sent")]
    # Its secret is not kept once nothing is left to send.
    with session_scope(session_factory) as s:
        row = s.get(AlertChannel, cid)
        assert row is not None and row.secrets_enc == "" and row.secret_hint == ""
    assert _deliver(session_factory, api.org.id).sent == 0


def test_resolve_then_delete_at_once_the_queued_resolve_still_goes_out(
    api, session_factory
) -> None:
    with http_receiver() as pd:
        cid = _pd(api, pd)
        alert = _fire(api, session_factory, [cid], "notes")
        _deliver(session_factory, api.org.id)
        api.post(f"/alerts/{alert['id']}/resolve")
        # Nothing open is left on it: no 409, and the resolve queued a moment ago is not lost.
        assert api.delete(f"/alerts/channels/{cid}").status_code == 204
        assert api.get(f"/alerts/channels/{cid}").status_code == 404
        assert _deliver(session_factory, api.org.id).sent == 1
    assert [a for a, _ in _events(pd)] == ["trigger", "resolve"]
    assert pd.incidents == {f"threatvec-{alert['id']}": "resolved"}


def test_forced_delete_of_a_webhook_says_plainly_what_stays_open(api, session_factory) -> None:
    with http_receiver(webhook_secret=WEBHOOK_SECRET) as soar:
        cid = _channel(
            api, {"kind": "webhook", "url": soar.url + "/soar", "secret": WEBHOOK_SECRET}, "SOAR"
        )
        alert = _fire(api, session_factory, [cid], "notes")
        _deliver(session_factory, api.org.id)
        assert api.delete(f"/alerts/channels/{cid}").status_code == 409
        r = api.delete(f"/alerts/channels/{cid}", params={"force": "true"})
        assert r.status_code == 200, r.text
        body = r.json()
        # "resolved" would be false (the alert is open here): nothing is sent, and the reply
        # names what the receiver still shows as open.
        assert body["resolves_queued"] == 0
        assert [a["id"] for a in body["left_open"]] == [alert["id"]]
        assert "stay open" in body["detail"] and "SOAR" in body["detail"]
        api.post(f"/alerts/{alert['id']}/resolve")
        assert _deliver(session_factory, api.org.id).sent == 0
    assert len(soar.requests) == 1


def test_queued_deliveries_of_a_deleted_channel_end_cleanly(api, session_factory) -> None:
    with http_receiver() as pd, smtp_sink() as smtp:
        pd.script = [503]  # PagerDuty answers: the trigger never landed, and will retry
        cid = _pd(api, pd)
        mail = _channel(
            api,
            {"kind": "email", "host": smtp.host, "port": smtp.port, "starttls": False,
             "sender": "tv@example.com", "recipients": ["soc@example.com"]},
            "mail",
        )  # fmt: skip
        alert = _fire(api, session_factory, [cid, mail], "notes")
        stats = _deliver(session_factory, api.org.id)
        assert stats.retrying == 1 and stats.digests == 1
        _fire(api, session_factory, [mail], "files")  # a digest row queued for the next period
        # No incident was opened on PagerDuty, the mail has no follow-up: nothing to refuse.
        assert api.delete(f"/alerts/channels/{cid}").status_code == 204
        assert api.delete(f"/alerts/channels/{mail}").status_code == 204
        stats = _deliver(session_factory, api.org.id)
        assert (stats.sent, stats.failed, stats.retrying) == (0, 0, 0)
        assert len(pd.requests) == 1 and len(smtp.messages) == 1
    rows = api.get(f"/alerts/{alert['id']}/deliveries").json()["items"]
    pd_row = next(d for d in rows if d["channel_id"] == cid)
    assert (pd_row["status"], pd_row["last_error"]) == (
        "cancelled",
        "not sent: the channel was deleted",
    )


def test_a_channel_deleted_while_its_trigger_is_in_flight(api, session_factory) -> None:
    with http_receiver() as pd:
        cid = _pd(api, pd)
        alert = _fire(api, session_factory, [cid], "notes")
        pd.hold = True
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["stats"] = _deliver(session_factory, api.org.id)
            except Exception as exc:  # the test fails below, naming it
                outcome["error"] = exc

        worker = threading.Thread(target=run)
        worker.start()
        assert pd.arrived.wait(10)
        # The trigger is being sent: it may open an incident, so the delete is refused...
        assert api.delete(f"/alerts/channels/{cid}").status_code == 409
        # ...and forced, the resolve waits for it.
        r = api.delete(f"/alerts/channels/{cid}", params={"force": "true"})
        assert r.status_code == 200 and r.json()["resolves_queued"] == 1
        pd.hold = False
        pd.release.set()
        worker.join(20)
        assert "error" not in outcome and outcome["stats"].sent == 1
        assert _deliver(session_factory, api.org.id).sent == 1
    assert [a for a, _ in _events(pd)] == ["trigger", "resolve"]
    assert pd.incidents == {f"threatvec-{alert['id']}": "resolved"}


def test_another_org_cannot_delete_the_channel(api, client, session_factory) -> None:
    other = Api(client, create_org(session_factory))
    with http_receiver() as pd:
        cid = _pd(api, pd)
        assert other.delete(f"/alerts/channels/{cid}").status_code == 404
        assert other.delete(f"/alerts/channels/{cid}", params={"force": "true"}).status_code == 404
        assert api.get(f"/alerts/channels/{cid}").status_code == 200
    with session_scope(session_factory) as s:
        assert s.scalar(select(AlertChannel.deleted_at).where(AlertChannel.id == cid)) is None
