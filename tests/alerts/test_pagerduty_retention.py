"""PagerDuty webhook events older than the kept window (THREATVEC_EVENTS_KEEP_DAYS): their
ids are pruned from alert_inbound_events, so a replayed body could no longer be told from
a new one. Such an event is answered 200 and ignored; one inside the window is applied."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.alerts.receivers import http_receiver
from tests.alerts.test_pagerduty_sync import _event, _fire, _pd_channel, _post, live  # noqa: F401
from threatvec.core.clock import utcnow


def _aged(body: bytes, days: int) -> bytes:
    doc = json.loads(body)
    doc["event"]["occurred_at"] = (utcnow() - timedelta(days=days)).isoformat()
    return json.dumps(doc).encode()


def test_an_event_older_than_the_kept_window_is_ignored_one_inside_it_applied(
    live,  # noqa: F811
    session_factory,
) -> None:
    api = live()
    with http_receiver() as pd:
        pd_id = _pd_channel(api, pd)
        alert_id = _fire(api, session_factory, [pd_id])
        stale = _post(api, pd_id, _aged(_event("incident.resolved", alert_id), 401))
        assert stale.status_code == 200, stale.text
        assert stale.json()["outcome"] == "ignored", stale.text
        assert "THREATVEC_EVENTS_KEEP_DAYS" in stale.json()["detail"]
        assert api.get(f"/alerts/{alert_id}").json()["status"] == "open"

        inside = _post(api, pd_id, _aged(_event("incident.resolved", alert_id), 399))
        assert inside.json()["outcome"] == "applied", inside.text
    assert api.get(f"/alerts/{alert_id}").json()["status"] == "resolved"
