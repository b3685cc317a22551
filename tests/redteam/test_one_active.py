"""One learning cycle per organisation and one AgentBench run per agent, held by the database.

Many clients hit the real server (uvicorn on 127.0.0.1, real HTTP) at the same
instant: the check-then-insert let several through (two cycles ran every
scenario twice); the partial unique index lets exactly one through and the
others get the same 409 the check gives.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import LiveServer, OrgHandle
from tests.redteam.agents.servers import SlowAgentServer
from threatvec.redteam.models import RedTeamCycle, RedTeamRun

CLIENTS = 12


def _at_once(n: int, call: Callable[[httpx.Client], httpx.Response], base: str, org: OrgHandle):
    """``n`` threads, each with its own connection, released together; their responses."""
    barrier = threading.Barrier(n)
    out: list[httpx.Response | BaseException] = [RuntimeError("not run")] * n

    def worker(i: int) -> None:
        with httpx.Client(base_url=base + "/api/v1", headers=org.headers, timeout=120) as c:
            c.get("/red-team/learn/cycles")  # connection open before the start line
            barrier.wait()
            try:
                out[i] = call(c)
            except BaseException as exc:
                out[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert all(isinstance(r, httpx.Response) for r in out), out
    return out


def _agent(api: httpx.Client, name: str, config: dict[str, Any]) -> str:
    r = api.post("/assets", json={"kind": "agent", "name": name})
    assert r.status_code == 201, r.text
    agent_id = str(r.json()["id"])
    assert api.put(f"/agentbench/targets/{agent_id}", json={"config": config}).status_code == 200
    return agent_id


def _langchain_cves(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if "langchain" in json.dumps(r).lower()]


def _active(factory: sessionmaker[Session], model: Any, org_id: str) -> int:
    with factory() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(model)
                .where(model.org_id == org_id, model.status.in_(("queued", "running")))
            )
            or 0
        )


def _assert_one_accepted(replies: list[httpx.Response], refusal: Callable[[str], bool]) -> None:
    """One 202; every other reply a 409 whose detail ``refusal`` accepts (names the winner)."""
    codes = sorted(r.status_code for r in replies)
    assert codes == [202] + [409] * (CLIENTS - 1), [r.text for r in replies]
    for r in replies:
        if r.status_code == 409:
            assert refusal(r.json()["detail"]), r.text


def test_cycles_started_at_the_same_instant_only_one_is_accepted(
    live_server: LiveServer,
    org: OrgHandle,
    session_factory: sessionmaker[Session],
    nvd_records: list[dict[str, Any]],
) -> None:
    cves = _langchain_cves(nvd_records)
    with (
        SlowAgentServer(delay=0.5) as slow,
        httpx.Client(base_url=live_server.url + "/api/v1", headers=org.headers, timeout=60) as api,
    ):
        agent_id = _agent(api, "race-chain-bot", slow.target(components=["langchain"]))
        body = {"agent_ids": [agent_id], "cves": cves, "k": 1}
        replies = _at_once(
            CLIENTS, lambda c: c.post("/red-team/learn/run-cycle", json=body), live_server.url, org
        )
        accepted = [r.json()["id"] for r in replies if r.status_code == 202]
        try:
            _assert_one_accepted(
                replies,
                lambda d: d.startswith(f"a learning cycle is already running: {accepted[0]}"),
            )
            assert _active(session_factory, RedTeamCycle, org.id) == 1
        finally:
            for cycle_id in accepted:
                api.post(f"/red-team/learn/cycles/{cycle_id}/cancel")


def test_agentbench_runs_started_at_the_same_instant_only_one_is_accepted(
    live_server: LiveServer, org: OrgHandle, session_factory: sessionmaker[Session]
) -> None:
    with (
        SlowAgentServer(delay=0.5) as slow,
        httpx.Client(base_url=live_server.url + "/api/v1", headers=org.headers, timeout=60) as api,
    ):
        agent_id = _agent(api, "race-bench-bot", slow.target())
        body = {"agent_id": agent_id, "mode": "quick", "k": 1}
        replies = _at_once(
            CLIENTS, lambda c: c.post("/agentbench/run", json=body), live_server.url, org
        )
        accepted = [r.json()["id"] for r in replies if r.status_code == 202]
        try:
            _assert_one_accepted(
                replies,
                lambda d: (
                    d
                    == (
                        f"agent 'race-bench-bot' already has an AgentBench run in progress: "
                        f"{accepted[0]}"
                    )
                ),
            )
            assert _active(session_factory, RedTeamRun, org.id) == 1
        finally:
            for run_id in accepted:
                api.post(f"/agentbench/runs/{run_id}/cancel")
