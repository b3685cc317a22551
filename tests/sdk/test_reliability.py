"""Process-level guarantees, each in a real child Python: exit flush, host untouched, fork."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from .capture_server import subprocess_env


def run_python(code: str, *, env: dict[str, str], timeout: float = 20.0):
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_atexit_flushes_pending_events(capture):
    env = subprocess_env(
        THREATVEC_URL=capture.url,
        THREATVEC_AGENT_NAME="exit-agent",
        THREATVEC_FLUSH_INTERVAL="60",  # only the exit flush can deliver them
    )
    result = run_python(
        """
        import logging
        logging.basicConfig(level=logging.INFO)
        from threatvec import ThreatVec
        tv = ThreatVec.auto(integrations=False)
        for i in range(25):
            tv.record_tool_call(f"t{i}")
        print("done")
        """,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert len(capture.events("tool.call")) == 25
    assert "pending event(s) before exit" in result.stderr


def test_exit_flush_is_time_limited_when_server_is_unreachable(capture):
    port = capture.port
    capture.stop()
    env = subprocess_env(
        THREATVEC_URL=f"http://127.0.0.1:{port}",
        THREATVEC_AGENT_NAME="a",
        THREATVEC_SHUTDOWN_TIMEOUT="0.5",
    )
    result = run_python(
        """
        from threatvec import ThreatVec
        tv = ThreatVec.auto(integrations=False, retry_max_backoff=10)
        tv.record_tool_call("x")
        """,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "not delivered after 0.5s" in result.stderr


def test_host_exceptions_threads_and_exit_code_are_untouched(capture):
    env = subprocess_env(THREATVEC_URL=capture.url, THREATVEC_AGENT_NAME="host")
    result = run_python(
        """
        import sys, threading
        from threatvec import ThreatVec
        tv = ThreatVec.auto(integrations=False)
        seen = []
        def worker():
            seen.append(threading.current_thread().name)
        t = threading.Thread(target=worker, name="host-thread")
        t.start(); t.join()
        assert seen == ["host-thread"]
        tv.record_tool_call("before-crash")
        class HostError(Exception):
            pass
        try:
            raise HostError("mine")
        except HostError as exc:
            assert str(exc) == "mine"
        non_daemon = [x.name for x in threading.enumerate()
                      if not x.daemon and x is not threading.main_thread()]
        print("NON_DAEMON", non_daemon)
        sys.exit(7)
        """,
        env=env,
    )
    assert result.returncode == 7, result.stderr
    assert "NON_DAEMON []" in result.stdout
    assert [e["attributes"]["tool_name"] for e in capture.events("tool.call")] == ["before-crash"]

    crash = run_python(
        """
        from threatvec import ThreatVec
        tv = ThreatVec.auto(integrations=False)
        tv.record_tool_call("x")
        raise KeyError("host bug")
        """,
        env=env,
    )
    assert crash.returncode == 1
    assert crash.stderr.rstrip().endswith("KeyError: 'host bug'")


def test_disabled_opens_no_socket_and_starts_no_thread(capture):
    env = subprocess_env(
        THREATVEC_URL=capture.url, THREATVEC_AGENT_NAME="off", THREATVEC_ENABLED="no"
    )
    result = run_python(
        """
        import socket, threading
        opened = []
        real = socket.socket.__init__
        def spy(self, *a, **k):
            opened.append(a)
            real(self, *a, **k)
        socket.socket.__init__ = spy
        from threatvec import ThreatVec
        with ThreatVec.auto() as tv:
            for i in range(100):
                tv.record_tool_call("t", destination="https://x.test")
                tv.record_llm_call("openai", "m", input_text="alice@example.com")
            tv.flush(1)
        print(len(opened), [t.name for t in threading.enumerate()])
        """,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 ['MainThread']"
    assert capture.connections == 0


def test_fork_child_gets_its_own_worker_and_empty_queue(capture):
    env = subprocess_env(THREATVEC_URL=capture.url, THREATVEC_AGENT_NAME="forker")
    result = run_python(
        """
        import os, json
        from threatvec import ThreatVec
        tv = ThreatVec.auto(integrations=False, flush_interval=60, batch_size=1000)
        parent_id = tv.instance_id
        tv.record_tool_call("parent-before-fork")   # still queued at fork time
        pid = os.fork()
        if pid == 0:
            tv.record_tool_call("child-event")
            ok = tv.flush(5)
            print(json.dumps({"child": tv.instance_id, "ok": ok,
                              "sent": tv.stats()["sent"]}), flush=True)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        tv.record_tool_call("parent-after-fork")
        tv.stop(5)
        print(json.dumps({"parent": parent_id, "status": status, "sent": tv.stats()["sent"]}))
        """,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    child = next(x for x in lines if "child" in x)
    parent = next(x for x in lines if "parent" in x)
    assert child["ok"] and parent["status"] == 0
    by_instance: dict[str, list[str]] = {}
    for batch in capture.batches:
        for event in batch["events"]:
            name = event["attributes"].get("tool_name") or event["type"]
            by_instance.setdefault(batch["agent"]["instance_id"], []).append(name)
    assert by_instance[child["child"]] == ["agent.register", "child-event"]
    assert by_instance[parent["parent"]] == [
        "agent.register",
        "parent-before-fork",
        "parent-after-fork",
    ]
    registers = capture.events("agent.register")
    child_register = next(e for e in registers if e["attributes"]["instance_id"] == child["child"])
    assert child_register["attributes"]["parent_instance_id"] == parent["parent"]
    assert child["sent"] == 2 and parent["sent"] == 3
