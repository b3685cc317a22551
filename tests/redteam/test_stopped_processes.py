"""A process running AgentBench or a learning cycle dies (kill -9) or is stopped by a signal.

Real subprocesses (`threatvec agentbench run`, `threatvec jobs run
redteam.learning_cycle`) on a database of their own (a SQLite file, or a fresh
PostgreSQL database on that backend), a real slow agent over HTTP, real signals.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import create_org, make_migrated_engine, new_database_url
from tests.redteam.agents.servers import SlowAgentServer
from threatvec.core import owner as owners
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox
from threatvec.core.errors import Conflict
from threatvec.redteam import service
from threatvec.redteam.models import RedTeamCycle, RedTeamRun

SECRET_KEY = "stopped-" + "s" * 40
# Every channel an HTTP flow can carry: the learning cycle plans a scenario for the CVE.
CHANNELS = ["direct", "document", "system", "tool_output", "web_page"]

pytestmark = pytest.mark.db


@dataclass
class Store:
    url: str
    env: dict[str, str]
    factory: sessionmaker[Session]
    org_id: str


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    from threatvec.store.engine import make_session_factory

    url = new_database_url(tmp_path)
    engine: Engine = make_migrated_engine(url)
    factory = make_session_factory(engine)
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREATVEC_")}
    env.update(
        THREATVEC_DATA_DIR=str(tmp_path / "data"),
        THREATVEC_DATABASE_URL=url,
        THREATVEC_SECRET_KEY=SECRET_KEY,
        THREATVEC_ALLOW_PRIVATE_OUTBOUND="true",
        THREATVEC_REDTEAM_LISTENER_PORT="0",
        THREATVEC_SCHEDULER_ENABLED="false",
    )
    yield Store(url, env, factory, create_org(factory).id)
    engine.dispose()


def _agent(store: Store, agent: SlowAgentServer, name: str = "slow-bot") -> service.AgentRef:
    from threatvec.assets import service as assets
    from threatvec.assets.schemas import AssetCreate

    with store.factory() as s:
        asset = assets.create(session=s, org_id=store.org_id,
                              data=AssetCreate(kind="agent", name=name))  # fmt: skip
        service.put_target(
            session=s, org_id=store.org_id, agent_id=asset.id, box=SecretBox(SECRET_KEY),
            config=agent.target(components=["langchain"], channels=CHANNELS),
            secrets={},
        )  # fmt: skip
        ref = service.resolve_agent(session=s, org_id=store.org_id, agent_id=asset.id)
        s.commit()
    return ref


def _recent_cves(store: Store, records: list[dict[str, Any]]) -> None:
    """The NVD samples, modified now: the weekly job learns from the last 30 days."""
    from threatvec.vulns.ingest import store_nvd_records
    from threatvec.vulns.nvd import parse_cve

    now = utcnow().strftime("%Y-%m-%dT%H:%M:%S.000")
    fresh = [parse_cve({**copy.deepcopy(r), "lastModified": now}) for r in records]
    with store.factory() as s:
        store_nvd_records(s, fresh, rescore=False)
        s.commit()


def _start(store: Store, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "threatvec.cli", *args], env=store.env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _stop(proc: subprocess.Popen[str], agent: SlowAgentServer, signum: int) -> tuple[str, str]:
    """Signal the process once the agent is being probed; its output (it has exited)."""
    try:
        agent.wait_for_requests(2)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signum)
        return proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _new_run(store: Store, ref: service.AgentRef) -> str:
    with store.factory() as s:
        run = service.create_run(session=s, org_id=store.org_id, agent=ref, mode="quick", k=1,
                                 target_type="http")  # fmt: skip
        s.commit()
        return run.id


# ── the owner check, on real processes ─────────────────────────────────────


def _sleeper() -> tuple[subprocess.Popen[str], owners.Owner]:
    code = ("import json, time; from threatvec.core import owner; o = owner.current(); "
            "print(json.dumps([o.host, o.pid, o.token]), flush=True); time.sleep(120)")  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    host, pid, token = json.loads(proc.stdout.readline())
    return proc, owners.Owner(host, pid, token)


def test_an_owner_is_dead_once_killed_even_before_its_parent_reaps_it() -> None:
    proc, o = _sleeper()
    try:
        assert o.pid == proc.pid and o.host == socket.gethostname()
        assert not owners.is_dead(o.host, o.pid, o.token)
        proc.kill()
        deadline = time.monotonic() + 10
        while not owners.is_dead(o.host, o.pid, o.token):  # a zombie until wait() below
            assert time.monotonic() < deadline, "a killed, unreaped process read alive"
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait()
    assert owners.is_dead(o.host, o.pid, o.token)


def test_only_a_provably_dead_owner_is_dead() -> None:
    me = owners.current()
    assert not owners.is_dead(me.host, me.pid, me.token)
    # Another host (or container: another PID namespace) cannot be checked from here.
    assert not owners.is_dead("another-host", 999_999_999, me.token)
    assert not owners.is_dead(me.host, 999_999_999, "other-boot:1:123")
    assert not owners.is_dead(None, None, None)  # rows from before owners were recorded
    if sys.platform.startswith("linux"):
        # The pid now belongs to another process (started at another time): the owner is gone.
        reused = f"{me.place}:1"
        assert owners.is_dead(me.host, me.pid, reused)


# ── kill -9 ────────────────────────────────────────────────────────────────


def test_after_kill_9_of_agentbench_run_the_next_run_starts_at_once(store: Store) -> None:
    # Before: the run read 'running' and every new run for the agent was a 409 for the
    # 15-minute stale rule. The owner (host, pid, start) on the row proves the process gone.
    with SlowAgentServer(delay=0.5) as agent:
        ref = _agent(store, agent)
        proc = _start(store, "agentbench", "run", ref.id, "--k", "1",
                      "--org", store.org_id)  # fmt: skip
        _stop(proc, agent, signal.SIGKILL)
        killed_at = time.monotonic()
        next_id = _new_run(store, ref)
        waited = time.monotonic() - killed_at
    assert proc.returncode == -signal.SIGKILL
    assert waited < 5, waited
    with store.factory() as s:
        old = s.scalar(select(RedTeamRun).where(RedTeamRun.id != next_id))
        assert old is not None and old.status == "failed" and old.finished_at is not None
        assert old.error == (
            f"interrupted: the process running it stopped (pid {proc.pid} on "
            f"{socket.gethostname()})"
        )
        new = s.get(RedTeamRun, next_id)
        assert new is not None and new.status == "queued"
        assert (new.owner_host, new.owner_pid) == (socket.gethostname(), os.getpid())


def test_a_run_of_a_dead_process_reads_failed_with_why(store: Store) -> None:
    with SlowAgentServer(delay=0.5) as agent:
        ref = _agent(store, agent)
        proc = _start(store, "agentbench", "run", ref.id, "--k", "1", "--org", store.org_id)
        _stop(proc, agent, signal.SIGKILL)
    with store.factory() as s:
        (run_id,) = s.scalars(select(RedTeamRun.id))
        run = service.get_run_or_raise(session=s, org_id=store.org_id, run_id=run_id)
        assert run.status == "failed" and f"pid {proc.pid}" in (run.error or "")
        s.commit()


def test_cancelling_a_run_of_a_dead_process_ends_it_at_once(store: Store) -> None:
    # Before: the cancel only set the flag (nobody was left to see it) and the run stayed
    # 'running' for the 15-minute rule.
    with SlowAgentServer(delay=0.5) as agent:
        ref = _agent(store, agent)
        proc = _start(store, "agentbench", "run", ref.id, "--k", "1", "--org", store.org_id)
        _stop(proc, agent, signal.SIGKILL)
    with store.factory() as s:
        (run_id,) = s.scalars(select(RedTeamRun.id))
        run = service.request_cancel(session=s, org_id=store.org_id, run_id=run_id, by="key:x")
        s.commit()
        assert (run.status, run.cancelled_by) == ("cancelled", "key:x")
        assert (run.error or "").startswith(
            f"interrupted: the process running it stopped (pid {proc.pid}"
        )
    _new_run(store, ref)


def test_an_owner_that_cannot_be_checked_still_holds_the_agent(store: Store) -> None:
    # Another host's process may be alive: only the 15-minute rule may end its run.
    with SlowAgentServer(delay=0.5) as agent:
        ref = _agent(store, agent)
    first = _new_run(store, ref)
    with store.factory() as s:
        row = s.get(RedTeamRun, first)
        assert row is not None
        row.status, row.owner_host = "running", "another-host"
        s.commit()
    with pytest.raises(Conflict, match=first):
        _new_run(store, ref)


def test_after_kill_9_of_the_learning_cycle_job_the_next_cycle_starts_at_once(
    store: Store, nvd_records: list[dict[str, Any]]
) -> None:
    _recent_cves(store, nvd_records)
    with SlowAgentServer(delay=0.5) as agent:
        _agent(store, agent, "chain-bot")
        proc = _start(store, "jobs", "run", "redteam.learning_cycle", "--org", store.org_id)
        _stop(proc, agent, signal.SIGKILL)
    killed_at = time.monotonic()
    with store.factory() as s:
        fresh = service.create_cycle(session=s, org_id=store.org_id, trigger="api")
        s.commit()
        waited = time.monotonic() - killed_at
        why = f"interrupted: the process running it stopped (pid {proc.pid} on "
        old = s.scalar(select(RedTeamCycle).where(RedTeamCycle.id != fresh.id))
        assert old is not None and old.status == "failed", old and old.error
        assert (old.error or "").startswith(why)
        runs = s.scalars(select(RedTeamRun).where(RedTeamRun.cycle_id == old.id)).all()
        assert [(r.status, (r.error or "")[: len(why)]) for r in runs] == [("failed", why)]
    assert waited < 5, waited


# ── `threatvec jobs run redteam.learning_cycle` stopped by a signal ─────────

JOB_SIGNALS = [
    pytest.param(signal.SIGTERM, "SIGTERM", id="SIGTERM"),
    pytest.param(signal.SIGINT, "Ctrl-C", id="SIGINT"),
    pytest.param(getattr(signal, "SIGHUP", None), "SIGHUP", id="SIGHUP",
                 marks=pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP")),
]  # fmt: skip


@pytest.mark.parametrize(("signum", "said"), JOB_SIGNALS)
def test_a_stopped_learning_cycle_job_ends_its_cycle_and_says_which_signal(
    store: Store, nvd_records: list[dict[str, Any]], signum: int, said: str
) -> None:
    # SIGTERM killed the job on the spot (Ctrl-C and SIGHUP left a traceback): the cycle
    # read 'running' and no new cycle could start for 15 minutes.
    _recent_cves(store, nvd_records)
    with SlowAgentServer(delay=0.5) as agent:
        _agent(store, agent, "chain-bot")
        proc = _start(store, "jobs", "run", "redteam.learning_cycle", "--org", store.org_id)
        _out, err = _stop(proc, agent, signum)
    assert proc.returncode == 128 + signum, err
    assert err.strip().endswith(f"redteam.learning_cycle stopped: interrupted ({said})"), err
    why = f"interrupted: the job was stopped by {said}"
    with store.factory() as s:
        # Read as stored: the owner check would end a row the job left active, hiding it.
        (cycle,) = s.scalars(select(RedTeamCycle)).all()
        assert (cycle.status, cycle.error) == ("failed", why)
        assert cycle.finished_at is not None
        runs = s.scalars(select(RedTeamRun).where(RedTeamRun.cycle_id == cycle.id)).all()
        assert [(r.status, r.error) for r in runs] == [("cancelled", why)]
        service.create_cycle(session=s, org_id=store.org_id, trigger="api")
        s.commit()
