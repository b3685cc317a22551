"""The real SDK against the real server: outages, lost replies and the host's own exit code."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import func, select

from tests.conftest import REPO, LiveServer, create_org, free_port, settings_for_tests
from threatvec import ThreatVec
from threatvec.agents.models import Agent, AgentEvent
from threatvec.store.engine import session_scope


def _stored_tools(session_factory, org_id: str) -> list[str]:
    with session_scope(session_factory) as s:
        return list(
            s.scalars(
                select(AgentEvent.subject).where(
                    AgentEvent.org_id == org_id, AgentEvent.type == "tool.call"
                )
            )
        )


def _server(engine, tmp_path: Path, port: int) -> LiveServer:
    from threatvec.server.app import create_app

    app = create_app(settings_for_tests(tmp_path), engine=engine)
    return LiveServer(app, port).start()


def _wait(cond, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_events_queued_while_the_server_is_down_arrive_exactly_once(
    engine, session_factory, tmp_path
):
    org = create_org(session_factory)
    port = free_port()
    server = _server(engine, tmp_path, port)
    tv = ThreatVec(
        server_url=f"http://127.0.0.1:{port}",
        agent_name="outage-agent",
        org_key=org.key,
        flush_interval=0.05,
        batch_size=50,
        timeout=1.0,
        batch_deadline=0.5,
        retry_initial_backoff=0.05,
        retry_max_backoff=0.2,
        integrations=False,
    )
    tv.start()
    try:
        for i in range(20):
            tv.record_tool_call(f"before-{i}")
        assert tv.flush(10)
        server.stop()
        # Down: these wait in the queue, batches are retried and requeued.
        for i in range(300):
            tv.record_tool_call(f"during-{i}")
        time.sleep(1.5)
        assert tv.stats()["pending"] > 0
        server = _server(engine, tmp_path, port)
        expected = {f"before-{i}" for i in range(20)} | {f"during-{i}" for i in range(300)}
        assert _wait(lambda: len(_stored_tools(session_factory, org.id)) >= len(expected))
        assert tv.flush(10)
    finally:
        tv.stop()
        server.stop()
    stored = _stored_tools(session_factory, org.id)
    assert sorted(stored) == sorted(expected), "each queued event stored exactly once"
    assert tv.stats()["dropped_total"] == 0


class _LosingProxy(BaseHTTPRequestHandler):
    """Forwards to the server, but drops the reply of the first `lose` ingest requests."""

    target_port = 0
    lose = 0
    lost = 0
    lock = threading.Lock()

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        conn = http.client.HTTPConnection("127.0.0.1", self.target_port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        conn.request("POST", self.path, body=body, headers=headers)
        reply = conn.getresponse()
        data = reply.read()
        with self.lock:
            drop = type(self).lost < type(self).lose
            if drop:
                type(self).lost += 1
        if drop:
            # The server stored the batch; the client never hears about it.
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.send_response(reply.status)
        for k, v in reply.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_a_retry_after_a_lost_reply_stores_no_duplicate(live_server, session_factory):
    org = create_org(session_factory)
    _LosingProxy.target_port = int(live_server.url.rsplit(":", 1)[1])
    _LosingProxy.lose, _LosingProxy.lost = 2, 0
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _LosingProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        tv = ThreatVec(
            server_url=f"http://127.0.0.1:{proxy.server_address[1]}",
            agent_name="lossy-agent",
            org_key=org.key,
            flush_interval=0.05,
            retry_initial_backoff=0.05,
            retry_max_backoff=0.1,
            integrations=False,
        )
        tv.start()
        for i in range(40):
            tv.record_tool_call(f"tool-{i}")
        assert tv.flush(15)
        stats = tv.stats()
        tv.stop()
    finally:
        proxy.shutdown()
    assert _LosingProxy.lost == 2
    assert stats["duplicates"] > 0, "the server told the SDK the retried events were stored"
    stored = _stored_tools(session_factory, org.id)
    assert sorted(stored) == sorted(f"tool-{i}" for i in range(40))


HOST = textwrap.dedent(
    """
    import sys
    from threatvec import ThreatVec

    tv = ThreatVec(server_url=sys.argv[1], agent_name=sys.argv[2], org_key=sys.argv[3],
                   integrations=False, flush_interval=0.05)
    tv.start()
    for i in range(25):
        tv.record_tool_call(f"host-{i}")
    if sys.argv[4] == "raise":
        raise ValueError("the host's own failure")
    sys.exit(int(sys.argv[4]))
    """
)


def test_the_host_keeps_its_exit_code_and_exceptions(live_server, session_factory, tmp_path):
    org = create_org(session_factory)
    script = tmp_path / "host.py"
    script.write_text(HOST)
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"}
    for name, mode, code in (("exit-agent", "7", 7), ("raise-agent", "raise", 1)):
        proc = subprocess.run(
            [sys.executable, str(script), live_server.url, name, org.key, mode],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert proc.returncode == code, proc.stderr
        if mode == "raise":
            assert proc.stderr.rstrip().endswith("ValueError: the host's own failure")
        else:
            assert proc.stderr == ""
    # What they recorded before exiting was flushed at interpreter exit.
    with session_scope(session_factory) as s:
        counts = dict(
            s.execute(
                select(Agent.name, func.count(AgentEvent.id))
                .join(AgentEvent, AgentEvent.agent_id == Agent.id)
                .where(Agent.org_id == org.id, AgentEvent.type == "tool.call")
                .group_by(Agent.name)
            ).all()
        )
    assert counts == {"exit-agent": 25, "raise-agent": 25}
