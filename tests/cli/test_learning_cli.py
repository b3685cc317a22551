"""`threatvec red-team ...`: the learning cycle from the command line, against a real server.

The command runs as a subprocess and talks HTTP to the live server fixture (uvicorn
on 127.0.0.1), which runs the cycle against an agent served on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer, OrgHandle, free_port
from tests.redteam.agents.servers import OpenAIAgentServer, SlowAgentServer
from tests.redteam.conftest import shared

THREATVEC = [sys.executable, "-m", "threatvec.cli"]


@pytest.fixture(scope="module")
def agents() -> Iterator[OpenAIAgentServer]:
    with OpenAIAgentServer() as server:
        yield server


@pytest.fixture(scope="module")
def cve_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """NVD API 2.0 records (langchain CVEs among Linux, OpenSSL, ...) in one file."""
    vulns = []
    for name in ("nvd_sample_dev.json", "nvd_sample_dev2.json"):
        vulns += json.loads(shared("nvd", name).read_text(encoding="utf-8"))["vulnerabilities"]
    path = tmp_path_factory.mktemp("nvd") / "cves.json"
    path.write_text(json.dumps({"vulnerabilities": vulns}), encoding="utf-8")
    return path


def _env(url: str, key: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THREATVEC_", "ORG_KEY"))}
    env["THREATVEC_URL"] = url
    if key is not None:
        env["THREATVEC_ORG_KEY"] = key
    return env


def tv(server: LiveServer, org: OrgHandle | None, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*THREATVEC, "red-team", *args], env=_env(server.url, org.key if org else None),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _agent(server: LiveServer, org: OrgHandle, name: str, config: dict[str, Any]) -> str:
    with httpx.Client(base_url=server.url + "/api/v1", headers=org.headers) as c:
        r = c.post("/assets", json={"kind": "agent", "name": name})
        assert r.status_code == 201, r.text
        agent_id = str(r.json()["id"])
        r = c.put(f"/agentbench/targets/{agent_id}", json={"config": config,
                  "secrets": {"key": "sk-test-learning-0123456789"}})  # fmt: skip
        assert r.status_code == 200, r.text
    return agent_id


def _naive(agents: OpenAIAgentServer) -> dict[str, Any]:
    return {"type": "openai_chat", "base_url": agents.url + "/v1", "model": "naive",
            "api_key_ref": "key",
            "components": ["langchain", "langchain-experimental"]}  # fmt: skip


def _cycle(server: LiveServer, org: OrgHandle, cycle_id: str) -> dict[str, Any]:
    r = httpx.get(f"{server.url}/api/v1/red-team/learn/cycles/{cycle_id}", headers=org.headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _expected_per_technique(outcomes: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """What the summary must say per ATLAS technique, counted here from the API's rows."""
    per: dict[str, Counter[str]] = {}
    for o in outcomes:
        if not o["scenario_id"]:
            continue
        for t in o["techniques"]:
            c = per.setdefault(t, Counter())
            c["scenarios"] += 1
            if o["status"] == "not_run" or o["verdict"] is None:
                c["not_run"] += 1
            else:
                c["run"] += 1
                c[o["verdict"]] += 1
    return per


def test_run_cycle_waits_and_prints_the_summary_per_atlas_technique(
    live_server: LiveServer, org: OrgHandle, agents: OpenAIAgentServer, cve_file: Path
) -> None:
    agent_id = _agent(live_server, org, "learning-bot", _naive(agents))
    done = tv(live_server, org, "run-cycle", "--agent", agent_id, "--cves", str(cve_file),
              "--k", "1", "--fail-on-bypass")  # fmt: skip
    assert done.returncode == 1, (done.stdout, done.stderr)  # the naive agent is bypassed
    first = done.stdout.splitlines()[0]
    cycle_id = first.split()[1]
    cycle = _cycle(live_server, org, cycle_id)
    assert cycle["status"] == "completed"
    scenarios = [o for o in cycle["outcomes"] if o["scenario_id"]]
    verdicts = Counter(o["verdict"] for o in scenarios)
    assert verdicts["FAIL"] > 0
    assert first == f"cycle {cycle_id} completed: {cycle['cve_count']} CVEs ingested, 1 agent"
    assert (
        f"{len(scenarios)} scenarios generated: {sum(verdicts.values()) - verdicts[None]} run "
        f"({verdicts['PASS']} passed, {verdicts['FAIL']} failed), 0 could not run"
    ) in done.stdout
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines()
            if line.startswith("  AML.")}  # fmt: skip
    expected = _expected_per_technique(cycle["outcomes"])
    assert set(rows) == set(expected)
    for technique, c in expected.items():
        numbers = [int(x) for x in rows[technique][1:6]]
        assert numbers == [c["scenarios"], c["run"], c["PASS"], c["FAIL"], c["not_run"]]
    # The last cycles, newest first, and this one again on its own.
    listed = tv(live_server, org, "cycles")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1].startswith(f"{cycle_id}  completed  api")
    shown = tv(live_server, org, "cycle", cycle_id)
    assert shown.returncode == 0 and shown.stdout == done.stdout


def test_json_and_no_wait(
    live_server: LiveServer, org: OrgHandle, agents: OpenAIAgentServer, cve_file: Path
) -> None:
    agent_id = _agent(live_server, org, "json-bot", _naive(agents))
    started = tv(live_server, org, "run-cycle", "--agent", agent_id, "--cves", str(cve_file),
                 "--k", "1", "--no-wait", "--json")  # fmt: skip
    assert started.returncode == 0, started.stderr
    cycle = json.loads(started.stdout)
    assert cycle["status"] in ("queued", "running") and "outcomes" not in cycle
    deadline = time.monotonic() + 240
    while _cycle(live_server, org, cycle["id"])["status"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    shown = tv(live_server, org, "cycle", cycle["id"], "--json")
    data = json.loads(shown.stdout)
    assert data["cycle"]["id"] == cycle["id"] and data["cycle"]["status"] == "completed"
    expected = _expected_per_technique(data["cycle"]["outcomes"])
    assert {t["technique"]: t["failed"] for t in data["techniques"]} == {
        t: c["FAIL"] for t, c in expected.items()
    }
    listed = json.loads(tv(live_server, org, "cycles", "--json").stdout)
    assert listed["items"][0]["id"] == cycle["id"]


def test_a_cycle_that_tests_nothing_prints_why(
    live_server: LiveServer, org: OrgHandle, agents: OpenAIAgentServer, cve_file: Path
) -> None:
    config = {**_naive(agents), "components": ["requests"]}  # no CVE names it
    agent_id = _agent(live_server, org, "undeclared-cli-bot", config)
    done = tv(live_server, org, "run-cycle", "--agent", agent_id, "--cves", str(cve_file),
              "--k", "1", "--fail-on-bypass")  # fmt: skip
    assert done.returncode == 0, (done.stdout, done.stderr)
    cycle = _cycle(live_server, org, done.stdout.split()[1])
    assert cycle["untested_reason"]
    assert f"nothing was tested: {cycle['untested_reason']}" in done.stdout
    assert f"none of the {cycle['cve_count']} CVEs" in done.stdout


def test_clear_errors_server_down_bad_key_and_a_cycle_already_running(
    live_server: LiveServer, org: OrgHandle, session_factory: Any
) -> None:
    nobody = subprocess.run(
        [*THREATVEC, "red-team", "cycles"], env=_env(f"http://127.0.0.1:{free_port()}", "k"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert nobody.returncode == 2
    assert nobody.stderr.startswith("error: could not reach the ThreatVec server at http://")
    assert len(nobody.stderr.strip().splitlines()) == 1 and "Traceback" not in nobody.stderr

    keyless = tv(live_server, None, "cycles")
    assert keyless.returncode == 2
    assert keyless.stderr.strip() == (
        "error: the server needs an organisation key: set THREATVEC_ORG_KEY or --org-key"
    )
    bad_id = tv(live_server, org, "run-cycle", "--agent", "no such agent")
    assert bad_id.returncode == 2 and bad_id.stderr.startswith("error: body.agent_ids: "), bad_id
    unknown = tv(live_server, org, "run-cycle", "--agent", "f" * 32)
    assert unknown.returncode == 2 and "not found" in unknown.stderr, unknown

    wrong = OrgHandle(org.id, org.name, "tv-not-a-key-" + "x" * 20)
    refused = tv(live_server, wrong, "run-cycle")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "error: the server refused the organisation key (THREATVEC_ORG_KEY or --org-key)"
    )
    assert wrong.key not in refused.stderr + refused.stdout

    from threatvec.redteam import service

    with session_factory() as s:
        running = service.create_cycle(session=s, org_id=org.id, trigger="job")
        running.status = "running"
        s.commit()
    busy = tv(live_server, org, "run-cycle")
    assert busy.returncode == 2
    assert busy.stderr.startswith(f"error: a learning cycle is already running: {running.id}")


def test_sigterm_while_waiting_stops_watching_and_says_the_cycle_goes_on(
    live_server: LiveServer, org: OrgHandle, cve_file: Path
) -> None:
    with SlowAgentServer(delay=0.5) as agent:
        agent_id = _agent(live_server, org, "slow-bot", agent.target(components=["langchain"]))
        proc = subprocess.Popen(
            [*THREATVEC, "red-team", "run-cycle", "--agent", agent_id, "--cves", str(cve_file),
             "--k", "1"],
            env=_env(live_server.url, org.key), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        try:
            agent.wait_for_requests(2)
            # Later requests hang (until the test ends), so the cycle cannot
            # finish on its own before the checks below, however fast the box.
            agent.delay = 120.0
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 128 + signal.SIGTERM, (out, err)
        cycle_id = err.split("stopped watching cycle ")[1].split()[0]
        assert err.strip().endswith(
            f"stopped watching cycle {cycle_id} (SIGTERM); it continues on the server: "
            f"threatvec red-team cycle {cycle_id} (to stop it: threatvec red-team cancel-cycle "
            f"{cycle_id})"
        ), err
        # The cycle is still running (its agent still answers); the printed command stops it.
        assert _cycle(live_server, org, cycle_id)["status"] in ("queued", "running")
        stopped = tv(live_server, org, "cancel-cycle", cycle_id)
        assert stopped.returncode == 0, stopped
        assert stopped.stdout.strip() == f"cycle {cycle_id} cancelled", stopped
        assert _cycle(live_server, org, cycle_id)["status"] == "cancelled"
    again = tv(live_server, org, "cancel-cycle", cycle_id)
    assert again.returncode == 2
    assert again.stderr.strip() == f"error: learning cycle {cycle_id} is already cancelled", again
    unknown = tv(live_server, org, "cancel-cycle", "f" * 32)
    assert unknown.returncode == 2 and "not found" in unknown.stderr, unknown


def test_scenarios_that_could_not_run_are_counted_and_explained(
    live_server: LiveServer, org: OrgHandle, cve_file: Path
) -> None:
    # An SDK-served agent that is not polling: its scenarios are generated but never run.
    idle = _agent(live_server, org, "idle-bot",
                  {"type": "sdk", "agent": "idle-bot", "components": ["langchain"]})  # fmt: skip
    done = tv(live_server, org, "run-cycle", "--agent", idle, "--cves", str(cve_file), "--k", "1",
              "--fail-on-bypass")  # fmt: skip
    assert done.returncode == 0, (done.stdout, done.stderr)  # nothing FAILed: nothing ran
    cycle = _cycle(live_server, org, done.stdout.split()[1])
    not_run = [o for o in cycle["outcomes"] if o["status"] == "not_run"]
    assert not_run
    assert f"{len(not_run)} scenarios generated: 0 run (0 passed, 0 failed), " \
           f"{len(not_run)} could not run" in done.stdout  # fmt: skip
    assert "1 agent(s) not serving probes (tv.serve_probes)" in done.stdout
    for technique, c in _expected_per_technique(cycle["outcomes"]).items():
        row = next(line for line in done.stdout.splitlines() if line.startswith(f"  {technique} "))
        assert [int(x) for x in row.split()[1:6]] == [c["scenarios"], 0, 0, 0, c["scenarios"]]
