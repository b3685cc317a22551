"""A server stopped while AgentBench or a learning cycle runs in it, then started again.

A real `threatvec serve` subprocess on a SQLite file, sent a real SIGTERM (what
systemd, Kubernetes and a deploy send) mid-run, then started on the same database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.redteam.agents.servers import SlowAgentServer

ORG_KEY = "tv-stop-" + "k" * 32


class Served:
    """`threatvec serve` on a free port over one database; start() again after stop()."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("THREATVEC_", "ORG_KEY"))}
        self.env = {
            **env,
            "THREATVEC_DATA_DIR": str(tmp / "data"),
            "THREATVEC_DATABASE_URL": f"sqlite:///{tmp / 'tv.db'}",
            "THREATVEC_SECRET_KEY": "stop-" + "s" * 40,
            "THREATVEC_ALLOW_PRIVATE_OUTBOUND": "true",
            "ORG_KEY": ORG_KEY,
        }
        self.proc: subprocess.Popen[str] | None = None
        self.client = httpx.Client(
            base_url=self.url + "/api/v1", headers={"X-Org-Key": ORG_KEY}, timeout=30
        )

    def start(self) -> Served:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "threatvec.cli", "serve", "--port", str(self.port),
             "--no-scheduler"],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError(f"server did not come up:\n{self.proc.communicate()[0]}")
            time.sleep(0.2)

    def stop(self, signum: int = signal.SIGTERM) -> str:
        assert self.proc is not None
        self.proc.send_signal(signum)
        out = self.proc.communicate(timeout=60)[0]
        return out

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()
        self.client.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = Served(tmp_path).start()
    try:
        yield server
    finally:
        server.close()


def _agent(served: Served, name: str, config: dict[str, Any]) -> str:
    r = served.client.post("/assets", json={"kind": "agent", "name": name})
    assert r.status_code == 201, r.text
    agent_id = str(r.json()["id"])
    r = served.client.put(f"/agentbench/targets/{agent_id}", json={"config": config})
    assert r.status_code == 200, r.text
    return agent_id


def test_a_run_the_stopped_server_was_executing_is_cancelled_not_left_running(
    served: Served,
) -> None:
    # After the restart the run read 'running' with frozen progress, and the agent got
    # 409 "already has an AgentBench run in progress" for 15 minutes.
    with SlowAgentServer(delay=0.5) as agent:
        agent_id = _agent(served, "stop-bot", agent.target())
        r = served.client.post("/agentbench/run", json={"agent_id": agent_id, "k": 1})
        assert r.status_code == 202, r.text
        run_id = r.json()["id"]
        agent.wait_for_requests(2)
        served.stop(signal.SIGTERM)
        served.start()
        run = served.client.get(f"/agentbench/runs/{run_id}").json()
        assert run["status"] == "cancelled", run
        assert run["error"].startswith("interrupted: the server stopped"), run
        assert run["finished_at"] is not None
        again = served.client.post("/agentbench/run", json={"agent_id": agent_id, "k": 1})
        assert again.status_code == 202, again.text


def test_a_cycle_the_stopped_server_was_running_is_marked_interrupted(
    served: Served, nvd_records: list[dict[str, Any]]
) -> None:
    # The cycle read 'running' for ever: the Red Team page refreshed itself every 3 s
    # with nothing running, and a client waiting for the cycle never returned.
    with SlowAgentServer(delay=0.5) as agent:
        agent_id = _agent(served, "chain-bot", agent.target(components=["langchain"]))
        r = served.client.post(
            "/red-team/learn/run-cycle", json={"agent_ids": [agent_id], "cves": nvd_records, "k": 1}
        )
        assert r.status_code == 202, r.text
        cycle_id = r.json()["id"]
        agent.wait_for_requests(2)
        served.stop(signal.SIGTERM)
        served.start()
        cycle = served.client.get(f"/red-team/learn/cycles/{cycle_id}").json()
        assert cycle["status"] == "failed", cycle
        assert cycle["error"].startswith("interrupted: the server stopped"), cycle
        runs = served.client.get("/agentbench/runs", params={"kind": "cycle"}).json()["items"]
        assert [r["status"] for r in runs if r["cycle_id"] == cycle_id] == ["cancelled"]
