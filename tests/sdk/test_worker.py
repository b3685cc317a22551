"""Delivery behaviour of the worker against a real HTTP server: batching, retries, drops."""

from __future__ import annotations

import time

import pytest

from threatvec import __version__
from threatvec.sdk.stats import DROP_REASONS
from threatvec.sdk.worker import backoff_delay


def tool_events(capture):
    return capture.events("tool.call")


def test_batches_are_gzip_json_with_headers_and_envelope(capture, make_client):
    tv = make_client(org_key="org-secret-1", batch_size=5, flush_interval=5.0).start()
    for i in range(10):
        tv.record_tool_call(f"tool-{i}")
    # batch_size=5 wakes the worker early even though the interval is 5 s.
    assert capture.wait_for(lambda: len(tool_events(capture)) == 10, timeout=3.0)
    request = capture.requests[-1]
    headers = request["headers"]
    assert headers["content-type"] == "application/json"
    assert headers["content-encoding"] == "gzip"
    assert headers["x-org-key"] == "org-secret-1"
    assert headers["user-agent"] == f"threatvec-python/{__version__}"
    payload = request["payload"]
    assert payload["sdk"] == {"name": "threatvec-python", "version": __version__}
    assert payload["agent"] == {"name": "test-agent", "instance_id": tv.instance_id}
    assert set(payload["dropped"]) == set(DROP_REASONS)
    assert all(len(b["events"]) <= 5 for b in capture.batches)
    assert [e["attributes"]["tool_name"] for e in tool_events(capture)] == [
        f"tool-{i}" for i in range(10)
    ]


def test_event_ids_are_unique_uuid4_hex_and_timestamps_rfc3339(capture, make_client):
    tv = make_client().start()
    for _ in range(300):
        tv.record_event("tick", {"n": 1})
    assert tv.flush(5.0)
    events = capture.events()
    ids = [e["event_id"] for e in events]
    assert len(ids) == len(set(ids)) == 301  # + agent.register
    assert all(len(i) == 32 and int(i, 16) >= 0 and i[12] == "4" for i in ids)
    stamp = events[-1]["timestamp"]
    assert len(stamp) == 24 and stamp.endswith("Z") and stamp[10] == "T" and stamp[19] == "."


def test_retries_on_503_and_500_then_delivers(capture, make_client):
    capture.script.extend([("status", 503), ("status", 500), ("close",)])
    tv = make_client().start()
    tv.record_tool_call("search")
    assert capture.wait_for(lambda: len(tool_events(capture)) == 1, timeout=5.0)
    # The dropped connection was a reused keep-alive one: the transport retries that
    # once at once on a fresh connection (an idle close is no outage), uncounted.
    assert tv.stats()["retries"] == 2
    actions = [r["action"] for r in capture.requests]
    assert actions[:4] == ["status", "status", "close", "ok"]
    # The retried body carries the very same event ids.
    first = [e["event_id"] for e in capture.requests[0]["payload"]["events"]]
    last = [e["event_id"] for e in capture.requests[3]["payload"]["events"]]
    assert first == last


def test_backoff_grows_exponentially_with_jitter():
    delays = [backoff_delay(n, 1.0, 100.0) for n in range(6)]
    for n, delay in enumerate(delays):
        assert 0.8 * 2**n <= delay <= 1.2 * 2**n
    assert 80.0 <= backoff_delay(20, 1.0, 100.0) <= 120.0


def test_backoff_delays_are_honoured_between_attempts(capture, make_client):
    capture.script.extend([("status", 503), ("status", 503)])
    tv = make_client(retry_initial_backoff=0.3, retry_max_backoff=5.0).start()
    started = time.monotonic()
    tv.record_tool_call("x")
    assert capture.wait_for(lambda: len(tool_events(capture)) == 1, timeout=5.0)
    # 0.3 s then 0.6 s, each at least 80 % of nominal.
    assert time.monotonic() - started >= 0.72


def test_429_retry_after_is_honoured(capture, make_client):
    capture.script.append(("status", 429, {"Retry-After": "1"}))
    tv = make_client(retry_initial_backoff=0.01).start()
    started = time.monotonic()
    tv.record_tool_call("x")
    assert capture.wait_for(lambda: len(tool_events(capture)) == 1, timeout=5.0)
    assert time.monotonic() - started >= 0.95
    assert tv.stats()["retries"] == 1


def test_4xx_is_not_retried_and_counted_rejected(capture, make_client):
    capture.script.append(("status", 400))
    tv = make_client().start()
    tv.record_tool_call("x")
    tv.flush(3.0)
    stats = tv.stats()
    assert stats["retries"] == 0
    # register + tool call were in that one refused batch
    assert stats["dropped"]["rejected"] == 2
    assert len(capture.requests) == 1


def test_per_event_rejections_count_as_dropped_rejected(capture, make_client):
    tv = make_client(flush_interval=0.5).start()
    tv.flush(3.0)
    tv.record_tool_call("good")
    tv.record_tool_call("bad")
    # Learn the ids the SDK will use by letting it build them, then refuse one.
    original_store = capture._store

    def store(payload):
        for event in payload["events"]:
            if event["attributes"].get("tool_name") == "bad":
                capture.reject_ids.add(event["event_id"])
        return original_store(payload)

    capture._store = store
    assert tv.flush(3.0)
    assert tv.stats()["dropped"]["rejected"] == 1
    assert [e["attributes"]["tool_name"] for e in tool_events(capture)] == ["good"]


def test_deadline_drops_batch_after_persistent_5xx(capture, make_client):
    capture.script.extend([("status", 502)] * 50)
    tv = make_client(batch_deadline=0.3, retry_initial_backoff=0.05).start()
    tv.record_tool_call("x")
    deadline = time.monotonic() + 5
    while tv.stats()["dropped"]["server_error"] < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert tv.stats()["dropped"]["server_error"] == 2  # register + tool call


def test_queue_full_drops_oldest_and_reports_next_batch(capture, make_client):
    tv = make_client(queue_size=5, batch_size=1000, flush_interval=10.0)
    # Not started yet: the queue fills and overflows without a worker draining it.
    for i in range(8):
        tv.record_tool_call(f"t{i}")
    assert tv.stats()["dropped"]["queue_full"] == 3
    tv.start()  # register goes in front and pushes out one more (the oldest)
    assert tv.flush(5.0)
    names = [e["attributes"]["tool_name"] for e in tool_events(capture)]
    assert names == ["t4", "t5", "t6", "t7"]
    assert capture.requests[-1]["payload"]["dropped"]["queue_full"] == 4


def test_stop_flushes_pending_events(capture, make_client):
    tv = make_client(flush_interval=30.0, batch_size=1000).start()
    for i in range(50):
        tv.record_tool_call(f"t{i}")
    tv.stop(timeout=5.0)
    assert len(tool_events(capture)) == 50
    assert tv.stats()["pending"] == 0
    tv.record_tool_call("after-stop")  # inert, does not raise
    assert not tv.enabled


def test_413_splits_batch(capture, make_client):
    capture.script.append(("status", 413))
    tv = make_client(flush_interval=30.0, batch_size=1000).start()
    for i in range(6):
        tv.record_tool_call(f"t{i}")
    assert tv.flush(5.0)
    assert len(tool_events(capture)) == 6
    assert tv.stats()["dropped_total"] == 0


def test_server_down_then_back_delivers_every_event_exactly_once(capture, make_client):
    port = capture.port
    tv = make_client(batch_deadline=0.4, queue_size=1000, batch_size=20).start()
    assert tv.flush(3.0)
    capture.stop()
    for i in range(150):
        tv.record_tool_call(f"t{i}")
    time.sleep(1.2)  # several deadlines pass while the server is gone
    capture.start(port)
    assert capture.wait_for(lambda: len(tool_events(capture)) >= 150, timeout=10.0)
    assert tv.flush(5.0)
    names = [e["attributes"]["tool_name"] for e in tool_events(capture)]
    assert sorted(names) == sorted(f"t{i}" for i in range(150))
    assert len(capture.stored_ids) == len(set(capture.stored_ids))
    assert tv.stats()["dropped_total"] == 0


def test_lost_reply_retry_repeats_identical_ids_and_server_dedupes(capture, make_client):
    tv = make_client().start()
    assert tv.flush(3.0)
    capture.script.append(("store_close",))
    for i in range(3):
        tv.record_tool_call(f"t{i}")
    assert tv.flush(5.0)
    stored = capture.requests[-2]["payload"]["events"]
    retried = capture.requests[-1]["payload"]["events"]
    assert [e["event_id"] for e in stored] == [e["event_id"] for e in retried]
    assert capture.requests[-2]["action"] == "store_close"
    assert len(tool_events(capture)) == 3  # stored once
    assert tv.stats()["duplicates"] == 3


def test_timeout_then_retry(capture, make_client):
    capture.script.append(("hang", 1.0))
    tv = make_client(timeout=0.3).start()
    tv.record_tool_call("x")
    assert capture.wait_for(lambda: len(tool_events(capture)) == 1, timeout=5.0)
    assert tv.stats()["retries"] >= 1


@pytest.mark.parametrize("interval", [0.2])
def test_heartbeats_are_sent(capture, make_client, interval):
    make_client(heartbeat_interval=interval).start()
    beats = capture.wait_events("agent.heartbeat", 2, timeout=3.0)
    assert len(beats) >= 2
    attrs = beats[0]["attributes"]
    assert attrs["interval_s"] == interval
    assert attrs["uptime_s"] >= 0


def test_429_with_retry_after_zero_still_backs_off(capture, make_client):
    # A proxy answering 429 with 'Retry-After: 0' made the worker retry in a tight loop
    # for the whole batch deadline: hundreds of requests a second and the host's CPU.
    capture.script.extend([("status", 429, {"Retry-After": "0"})] * 500)
    tv = make_client(retry_initial_backoff=0.2, retry_max_backoff=1.0).start()
    tv.record_tool_call("x")
    time.sleep(2.0)
    # At least the first backoff step (0.2 s ±20 %) apart: ≤ 13 in 2 s, not hundreds.
    assert len(capture.requests) <= 14
    tv.stop(timeout=0.5)
