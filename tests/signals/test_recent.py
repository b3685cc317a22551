"""The newest signals of one org, whatever other orgs wrote in between.

Signal ids are shared by every org, so "the org's latest id minus N" is not the
org's last N signals: a busy neighbour's signals fill that window.
"""

from __future__ import annotations

from tests.conftest import create_org
from threatvec.signals import service
from threatvec.store.engine import session_scope


def _publish(factory, org_id: str, kind: str, count: int, **data) -> list[int]:
    with session_scope(factory) as s:
        return [
            service.publish(session=s, org_id=org_id, kind=kind, data={"n": i, **data}).id
            for i in range(count)
        ]


def test_recent_signals_are_the_orgs_last_ones_past_a_busy_neighbour(api, session_factory) -> None:
    neighbour = create_org(session_factory)
    older = _publish(session_factory, api.org.id, "custom", 5)
    _publish(session_factory, neighbour.id, "custom", 120)
    newest = _publish(session_factory, api.org.id, "custom", 1)

    items = api.get("/signals", params={"limit": 100}).json()["items"]
    assert [i["id"] for i in items] == older + newest

    # limit keeps the newest, oldest first; a kind filter does not shrink the window
    items = api.get("/signals", params={"limit": 2}).json()["items"]
    assert [i["id"] for i in items] == [older[-1], newest[0]]
    flagged = _publish(session_factory, api.org.id, "agent.flagged", 1)
    _publish(session_factory, api.org.id, "custom", 60)
    items = api.get("/signals", params={"kind": "agent.flagged"}).json()["items"]
    assert [i["id"] for i in items] == flagged
