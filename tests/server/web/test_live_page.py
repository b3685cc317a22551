"""The Live AI Traffic page (server-rendered part) over the app, logged in as an org."""

from __future__ import annotations

from tests.conftest import create_org, dashboard_login
from threatvec.signals import service
from threatvec.store.engine import session_scope


def _publish(factory, org_id: str, count: int, **data) -> list[int]:
    with session_scope(factory) as s:
        return [
            service.publish(session=s, org_id=org_id, kind="custom", data={"n": i, **data}).id
            for i in range(count)
        ]


def test_live_page_lists_the_orgs_recent_signals_past_a_busy_neighbour(
    app, session_factory
) -> None:
    from fastapi.testclient import TestClient

    org = create_org(session_factory)
    neighbour = create_org(session_factory)
    _publish(session_factory, org.id, 3, marker="own-older")
    _publish(session_factory, neighbour.id, 80, marker="neighbour")
    _publish(session_factory, org.id, 1, marker="own-newest")

    with TestClient(app) as client:
        dashboard_login(client, org.key)
        html = client.get("/live").text
    assert html.count("own-older") == 3
    assert html.count("own-newest") == 1
    assert "neighbour" not in html
