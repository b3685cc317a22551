"""Where the live stream resumes when a client gives both ?since= and Last-Event-ID."""

from __future__ import annotations

import contextlib
import json
import queue
import time

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import backend, create_org
from tests.signals.test_stream import StreamReader
from threatvec.signals import service
from threatvec.signals.models import Signal
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


postgres_only = pytest.mark.skipif(
    backend() != "postgres", reason="ids commit out of order only on PostgreSQL"
)


def _collect_until(reader: StreamReader, last: int) -> list[int]:
    got: list[int] = []
    deadline = time.monotonic() + 90
    while last not in got and time.monotonic() < deadline:
        with contextlib.suppress(queue.Empty):
            got.append(reader.next(timeout=1.0)["id"])
    reader.close()
    return got


def _top(session_factory) -> int:
    with session_scope(session_factory) as s:
        return int(s.scalar(select(func.max(Signal.id))) or 0)


@postgres_only
def test_the_stream_does_not_pass_a_signal_that_commits_late(live_server, session_factory) -> None:
    # Two ingests at once: the one that took the lower id commits second. A stream
    # that moved its cursor past the higher id would never show the lower one.
    org = create_org(session_factory)
    reader = StreamReader(live_server.url, org.key, last_event_id=_top(session_factory))
    holder = session_factory()
    try:
        late = service.publish(session=holder, org_id=org.id, kind="custom", data={"n": 1}).id
        with session_scope(session_factory) as s:
            early = service.publish(session=s, org_id=org.id, kind="custom", data={"n": 2}).id
        time.sleep(1.0)  # let the stream read once while `late` is still in flight
        holder.commit()
    finally:
        holder.close()
    assert _collect_until(reader, early) == [late, early]


@postgres_only
def test_a_rolled_back_id_holds_the_stream_only_briefly(live_server, session_factory) -> None:
    org = create_org(session_factory)
    reader = StreamReader(live_server.url, org.key, last_event_id=_top(session_factory))
    holder = session_factory()
    try:
        service.publish(session=holder, org_id=org.id, kind="custom", data={"n": 1})
        with session_scope(session_factory) as s:
            after = service.publish(session=s, org_id=org.id, kind="custom", data={"n": 2}).id
        holder.rollback()
    finally:
        holder.close()
    # Held for settled.LIVE_GAP_GRACE_S (10 s), then shown: within the generous deadline.
    assert _collect_until(reader, after) == [after]
