"""An agent's events lost, summed over all its instances (docs/sdk.md: they show on its card)."""

from __future__ import annotations

import uuid

from tests.agents.test_router import _send
from tests.conftest import dashboard_login
from tests.ingest.wire import tool


def test_detail_sums_events_lost_over_every_instance(api, app) -> None:
    from fastapi.testclient import TestClient

    agent = f"forking-{uuid.uuid4().hex[:6]}"
    # 55 worker processes (a pre-fork server): more than the 50 instances listed.
    for n in range(55):
        dropped = {"queue_full": 2, "network": 1 if n == 0 else 0}
        _send(api, agent, [tool("t")], instance_id=uuid.uuid4().hex, dropped=dropped)
    # A resent envelope with the same counters changes nothing (max per instance).
    again = uuid.uuid4().hex
    _send(api, agent, [tool("t")], instance_id=again, dropped={"shutdown": 3})
    _send(api, agent, [tool("t")], instance_id=again, dropped={"shutdown": 3})

    [card] = [c for c in api.get("/agents").json()["items"] if c["name"] == agent]
    detail = api.get(f"/agents/{card['id']}").json()
    assert len(detail["instances"]) == 50
    lost = detail["events_lost"]
    assert lost["by_reason"] == {"queue_full": 110, "network": 1, "shutdown": 3}
    assert lost["total"] == 114
    assert lost["instances"] == 56

    with TestClient(app) as client:
        dashboard_login(client, api.org.key)
        html = client.get(f"/agents/{card['id']}").text
    assert "114 events lost" in html
