"""serve_probes: long-poll for AgentBench probes, answer with the host's handler."""

from __future__ import annotations

import time


def test_probe_is_answered_and_reply_posted(make_client, capture):
    capture.probe_queue.append(
        {"probe_id": "p-1", "prompt": "say hi", "context": {"scenario": "s1"}}
    )
    capture.probe_queue.append({"probe_id": "p-2", "prompt": "fail", "context": {}})
    capture.probe_queue.append({"probe_id": "../evil", "prompt": "x", "context": {}})
    seen = []

    def handler(prompt, context):
        seen.append((prompt, context))
        if prompt == "fail":
            raise RuntimeError("agent broke")
        return {
            "output": f"hi from agent ({context['scenario']})",
            "tool_calls": [{"name": "search", "arguments": {"q": "x"}}],
        }

    tv = make_client().start()
    assert tv.serve_probes(handler, poll_timeout=1.0)
    assert capture.wait_for(lambda: len(capture.probe_replies) == 2, timeout=5.0)
    replies = dict(capture.probe_replies)
    assert replies["p-1"] == {
        "output": "hi from agent (s1)",
        "tool_calls": [{"name": "search", "arguments": {"q": "x"}}],
    }
    assert replies["p-2"]["error"] == "RuntimeError: agent broke"
    assert ("x", {}) not in seen  # an invalid probe id is never handed to the agent
    tv.stop()


def test_serve_probes_on_inert_client_is_false(monkeypatch):
    from threatvec import ThreatVec

    assert ThreatVec(agent_name="a").serve_probes(lambda p, c: "x") is False


def _probe_threads() -> list:
    import threading

    return [t for t in threading.enumerate() if t.name == "threatvec-probes" and t.is_alive()]


def test_stop_ends_the_probe_thread_even_during_a_long_poll(make_client, capture):
    # The server holds an empty long-poll for up to `wait` seconds (25 by default):
    # stop() must not leave the thread behind for that long, nor call the handler after.
    capture.probe_hold = 20.0
    calls = []
    tv = make_client().start()
    before = len(_probe_threads())
    assert tv.serve_probes(lambda p, c: calls.append(p) or "x", poll_timeout=25.0)
    assert capture.wait_for(lambda: capture.probe_polls >= 1, timeout=5.0)
    assert len(_probe_threads()) == before + 1
    started = time.monotonic()
    tv.stop(timeout=2.0)
    assert time.monotonic() - started < 2.5
    assert len(_probe_threads()) == before
    assert calls == []


def test_stop_ends_the_probe_thread_while_it_backs_off(make_client, capture):
    # An unreachable or refusing server makes the loop wait up to 30 s between polls.
    capture.probe_status = 503
    tv = make_client().start()
    before = len(_probe_threads())
    assert tv.serve_probes(lambda p, c: "x", poll_timeout=1.0)
    assert capture.wait_for(lambda: capture.probe_polls >= 4, timeout=15.0)
    started = time.monotonic()
    tv.stop(timeout=2.0)
    assert time.monotonic() - started < 2.5
    assert len(_probe_threads()) == before


def test_a_poll_timeout_beyond_the_servers_60_s_still_gets_probes(make_client, capture, caplog):
    # The server holds a long poll for at most 60 s and answers 422 to more; the SDK
    # asked for `wait=int(poll_timeout)` and, refused, retried silently forever.
    capture.probe_queue.append({"probe_id": "p-9", "prompt": "hi", "context": {}})
    tv = make_client().start()
    assert tv.serve_probes(lambda p, c: "hello", poll_timeout=90.0)
    assert capture.wait_for(lambda: len(capture.probe_replies) == 1, timeout=5.0)
    assert capture.probe_replies[0] == ("p-9", {"output": "hello", "tool_calls": []})
    tv.stop()


def test_a_refused_poll_is_logged_once(make_client, capture, caplog):
    capture.probe_status = 401
    tv = make_client().start()
    caplog.set_level("WARNING", logger="threatvec")
    assert tv.serve_probes(lambda p, c: "x", poll_timeout=1.0)
    assert capture.wait_for(lambda: capture.probe_polls >= 3, timeout=10.0)
    tv.stop()
    refused = [r for r in caplog.records if "refused to hand out probes" in r.getMessage()]
    assert len(refused) == 1 and "HTTP 401" in refused[0].getMessage()


def test_an_unknown_agent_is_logged_only_when_it_persists(make_client, capture, caplog):
    capture.probe_status = 404
    tv = make_client().start()
    caplog.set_level("WARNING", logger="threatvec")
    assert tv.serve_probes(lambda p, c: "x", poll_timeout=1.0)
    assert capture.wait_for(lambda: capture.probe_polls >= 2, timeout=10.0)
    assert not [r for r in caplog.records if "refused" in r.getMessage()]
    assert capture.wait_for(lambda: capture.probe_polls >= 3, timeout=10.0)
    assert capture.wait_for(
        lambda: any("HTTP 404" in r.getMessage() for r in caplog.records), timeout=2.0
    )
    tv.stop()


def test_a_reply_with_nul_or_lone_surrogates_is_sent_with_replacement_characters(
    make_client, capture
):
    # The server stores no NUL (PostgreSQL refuses it, the reply is a 422 and the probe
    # ends as 'did not answer') and UTF-8 holds no lone surrogate.
    capture.probe_queue.append({"probe_id": "p-7", "prompt": "dump", "context": {}})
    tv = make_client().start()
    assert tv.serve_probes(
        lambda p, c: {"output": "bin\x00ary caf\udce9", "tool_calls": ["read\x00"]},
        poll_timeout=1.0,
    )
    assert capture.wait_for(lambda: len(capture.probe_replies) == 1, timeout=30.0)
    assert capture.probe_replies[0][1]["output"] == "bin\ufffdary caf\ufffd"
    assert capture.probe_replies[0][1]["tool_calls"][0]["name"] == "read\ufffd"
    tv.stop()
