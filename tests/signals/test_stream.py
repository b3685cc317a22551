"""The live signal stream over real HTTP: delivery, org scoping, resume, replicas."""

from __future__ import annotations

import json
import queue
import threading
import time

import httpx
import pytest

from tests.conftest import (
    LiveServer,
    create_org,
    free_port,
    make_migrated_engine,
    settings_for_tests,
)
from threatvec.signals import service
from threatvec.store.engine import make_session_factory, session_scope


def _publish(factory, org_id: str, kind: str, **data) -> int:
    with session_scope(factory) as s:
        return service.publish(session=s, org_id=org_id, kind=kind, data=data).id


class StreamReader:
    """Reads SSE events from a live server in a thread, into a queue."""

    def __init__(self, url: str, key: str, *, last_event_id: int | None = None) -> None:
        self.events: queue.Queue[dict] = queue.Queue()
        self.connected = threading.Event()
        headers = {"X-Org-Key": key}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self._stop = False

        def run() -> None:
            with (
                httpx.Client(timeout=httpx.Timeout(5, read=60)) as c,
                c.stream("GET", f"{url}/api/v1/signals/stream", headers=headers) as r,
            ):
                assert r.status_code == 200
                assert r.headers["content-type"].startswith("text/event-stream")
                current: dict = {}
                for line in r.iter_lines():
                    self.connected.set()
                    if self._stop:
                        return
                    if line.startswith("id: "):
                        current["id"] = int(line[4:])
                    elif line.startswith("data: "):
                        current["data"] = json.loads(line[6:])
                    elif line == "" and current:
                        self.events.put(current)
                        current = {}

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert self.connected.wait(10), "stream did not connect"

    # Generous: on PostgreSQL the stream rightly holds back for a few seconds behind
    # an id another test's transaction took and rolled back (signals.settled).
    def next(self, timeout: float = 60.0) -> dict:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        self._stop = True


def test_stream_delivers_only_own_org_and_resumes(live_server, session_factory) -> None:
    a, b = create_org(session_factory), create_org(session_factory)
    reader = StreamReader(live_server.url, a.key)
    _publish(session_factory, b.id, "tool.call", who="B")
    first = _publish(session_factory, a.id, "tool.call", who="A1")
    second = _publish(session_factory, a.id, "llm.call", who="A2")
    got = [reader.next(), reader.next()]
    assert [e["id"] for e in got] == [first, second]
    assert [e["data"]["data"]["who"] for e in got] == ["A1", "A2"]
    assert got[1]["data"]["kind"] == "llm.call"
    reader.close()
    # Reconnecting with Last-Event-ID replays what came after it, nothing before.
    third = _publish(session_factory, a.id, "custom", who="A3")
    resumed = StreamReader(live_server.url, a.key, last_event_id=first)
    assert [resumed.next()["id"], resumed.next()["id"]] == [second, third]
    resumed.close()


def test_stream_requires_key(live_server) -> None:
    r = httpx.get(f"{live_server.url}/api/v1/signals/stream", timeout=5)
    assert r.status_code == 401


def test_recent_signals_list(api, session_factory) -> None:
    ids = [_publish(session_factory, api.org.id, "custom", n=i) for i in range(3)]
    items = api.get("/signals", params={"after_id": ids[0]}).json()["items"]
    assert [i["id"] for i in items] == ids[1:]


@pytest.mark.postgres
def test_signal_crosses_replicas_via_listen_notify(tmp_path) -> None:
    from tests.conftest import backend, new_database_url
    from threatvec.server.app import create_app

    if backend() != "postgres":
        pytest.skip("needs PostgreSQL")
    url = new_database_url(tmp_path)
    engine1, engine2 = make_migrated_engine(url), make_migrated_engine(url)
    app1 = create_app(settings_for_tests(tmp_path), engine=engine1)
    app2 = create_app(settings_for_tests(tmp_path), engine=engine2)
    # Replica 2 only polls every 60 s, so a quick delivery can only come from NOTIFY.
    app2.state.sse_heartbeat_s = 60
    s1, s2 = LiveServer(app1, free_port()).start(), LiveServer(app2, free_port()).start()
    try:
        org = create_org(make_session_factory(engine1))
        reader = StreamReader(s2.url, org.key)
        time.sleep(0.5)  # let replica 2's LISTEN connection settle
        sid = _publish(app1.state.session_factory, org.id, "tool.call", via="replica-1")
        event = reader.next(timeout=10)
        assert event["id"] == sid and event["data"]["data"]["via"] == "replica-1"
        reader.close()
    finally:
        s1.stop()
        s2.stop()


def test_cursor_beyond_a_64_bit_id_is_a_clear_422(api, session_factory) -> None:
    # Found by the API fuzzer: a 24-digit cursor overflowed the driver (500).
    reply = api.get("/signals", params={"after_id": 169008219691770777174016})
    assert reply.status_code == 422
    assert "after_id" in json.dumps(reply.json())
    assert api.get("/signals", params={"after_id": 2**63 - 1}).status_code == 200
