"""Where the live stream resumes when a client gives both ?since= and Last-Event-ID."""

from __future__ import annotations

import json

import httpx

from tests.conftest import create_org
from threatvec.signals import service
from threatvec.store.engine import session_scope


def _first_event_id(url: str, key: str, *, since: int, last_event_id: int) -> int:
    headers = {"X-Org-Key": key, "Last-Event-ID": str(last_event_id)}
    with (
        httpx.Client(timeout=httpx.Timeout(10, read=60)) as c,
        c.stream(
            "GET", f"{url}/api/v1/signals/stream", params={"since": since}, headers=headers
        ) as r,
    ):
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("data: "):
                return int(json.loads(line[6:])["id"])
    raise AssertionError("stream ended without an event")


def test_a_reconnect_resumes_after_the_last_event_it_got_not_after_since(
    live_server, session_factory
) -> None:
    # The Live AI Traffic page opens the stream with ?since=; on a reconnect the
    # browser keeps that URL and adds Last-Event-ID, the newer of the two.
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        ids = [
            service.publish(session=s, org_id=org.id, kind="custom", data={"n": i}).id
            for i in range(3)
        ]
    assert _first_event_id(live_server.url, org.key, since=ids[0], last_event_id=ids[1]) == ids[2]
    # ... and a Last-Event-ID older than since does not replay either.
    assert _first_event_id(live_server.url, org.key, since=ids[1], last_event_id=ids[0]) == ids[2]
