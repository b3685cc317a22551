"""serve_probes: long-poll for AgentBench probes, answer with the host's handler."""

from __future__ import annotations


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
