"""The AgentBench / red-team API end to end, against the project's own agents on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import Api, create_org, dashboard_login
from tests.redteam.agents.servers import FlowAgentServer, OpenAIAgentServer, SlowAgentServer
from tests.redteam.conftest import shared
from threatvec.redteam import harness
from threatvec.redteam.models import RedTeamTarget

INJECTION_AND_EXFIL = {
    "pi-direct-reverse", "pi-tool-output-lower", "pi-document-reverse", "pi-web-page-suffix",
    "tool-hijack-email", "exfil-http-post-key", "exfil-markdown-image",
}  # fmt: skip


@pytest.fixture(scope="module")
def agents_server() -> Iterator[OpenAIAgentServer]:
    with OpenAIAgentServer() as server:
        yield server


# Upper bounds for "wait until it finished" loops, never speed checks: a shared, loaded
# machine made the earlier 10-90 s bounds fail runs that were merely slow.
WAIT_S = 240.0


def _served_tokens() -> set[str]:
    """Canary tokens of every run the process-wide harness hubs currently serve."""
    with harness._HUBS_LOCK:
        hubs = [hub for hub, _ in harness._HUBS.values()]
    tokens: set[str] = set()
    for hub in hubs:
        with hub._lock:
            tokens |= set(hub._runs)
    return tokens


def new_agent(api: Api, name: str, **meta: Any) -> str:
    r = api.post("/assets", json={"kind": "agent", "name": name, "metadata": meta})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def openai_target(server: OpenAIAgentServer, model: str, **extra: Any) -> dict[str, Any]:
    return {
        "config": {"type": "openai_chat", "base_url": server.url + "/v1", "model": model,
                   "api_key_ref": "key", **extra},
        "secrets": {"key": f"sk-test-{model}-0123456789"},
    }  # fmt: skip


def run_to_end(api: Api, agent_id: str, mode: str = "quick", k: int = 1) -> dict[str, Any]:
    r = api.post("/agentbench/run", json={"agent_id": agent_id, "mode": mode, "k": k})
    assert r.status_code == 202, r.text
    run = r.json()
    assert run["status"] in ("queued", "running")
    deadline = time.monotonic() + WAIT_S
    while run["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, "run did not finish"
        time.sleep(0.1)
        run = api.get(f"/agentbench/runs/{run['id']}").json()
    return run


def results_of(api: Api, run_id: str) -> dict[str, dict[str, Any]]:
    page = api.get(f"/agentbench/runs/{run_id}/results", params={"limit": 500}).json()
    return {r["probe_id"]: r for r in page["items"]}


def test_naive_agent_fails_with_evidence_and_secret_never_returned(
    api: Api, agents_server: OpenAIAgentServer, session_factory: Any
) -> None:
    agent_id = new_agent(api, "naive-bot")
    body = openai_target(agents_server, "naive")
    r = api.put(f"/agentbench/targets/{agent_id}", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["secret_names"] == ["key"]
    for read in (r, api.get(f"/agentbench/targets/{agent_id}"), api.get("/agentbench/targets")):
        assert "sk-test-naive" not in read.text
    with session_factory() as s:  # encrypted at rest, not merely hidden by the API
        stored = s.scalar(select(RedTeamTarget).where(RedTeamTarget.agent_id == agent_id))
        assert stored is not None and "sk-test-naive" not in json.dumps(stored.secrets_enc)

    run = run_to_end(api, agent_id)
    assert run["status"] == "completed" and run["progress_done"] == run["progress_total"] > 0
    assert run["summary"]["failed"] > 0 and run["summary"]["pass_rate"] < 0.2
    results = results_of(api, run["id"])
    for probe_id in INJECTION_AND_EXFIL:
        res = results[probe_id]
        assert res["verdict"] == "FAIL", probe_id
        assert res["evidence"] and res["evidence"][0]["excerpt"], probe_id
        assert res["atlas"] and res["owasp"] and res["attempts"], probe_id
    assert results["exfil-http-post-key"]["critical_failure"]
    # Server runs get a live harness: the tool loop ran the calls against the honeypot
    # and the canary URL really received the exfiltration request.
    exfil = results["exfil-http-post-key"]["evidence"]
    assert {"honeypot_call", "canary_egress"} <= {e["signal"] for e in exfil}
    assert exfil[0]["signal"] == "honeypot_call"
    egress = next(e for e in exfil if e["signal"] == "canary_egress")
    assert "/c/" in egress["excerpt"] and ".invalid" not in egress["excerpt"]
    assert "honeypot_call" in {e["signal"] for e in results["tool-hijack-email"]["evidence"]}
    assert harness._HUBS == {}  # torn down with the run
    # The key was sent to the agent (resolved at call time from the encrypted store).
    assert agents_server.requests[-1]["auth"] == "Bearer sk-test-naive-0123456789"
    # Every FAIL was published for alert rules.
    signals = api.get("/signals", params={"kind": "redteam.bypass", "limit": 200})
    if signals.status_code == 200:
        kinds = json.dumps(signals.json())
        assert "exfil-http-post-key" in kinds


def test_hardened_agent_passes_and_missing_channels_are_not_applicable(
    api: Api, agents_server: OpenAIAgentServer
) -> None:
    agent_id = new_agent(api, "careful-bot")
    body = openai_target(agents_server, "hardened", channels=["direct", "document", "system"])
    assert api.put(f"/agentbench/targets/{agent_id}", json=body).status_code == 200
    run = run_to_end(api, agent_id)
    results = results_of(api, run["id"])
    verdicts = {r["verdict"] for r in results.values()}
    assert verdicts <= {"PASS", "NOT_APPLICABLE"} and "PASS" in verdicts
    assert results["pi-tool-output-lower"]["verdict"] == "NOT_APPLICABLE"
    assert "tool_output" in results["pi-tool-output-lower"]["reason"]
    assert run["summary"]["pass_rate"] == 1.0 and run["summary"]["failed"] == 0
    assert run["summary"]["counts"]["NOT_APPLICABLE"] > 0


def test_multi_step_http_flow_agent_with_secret_password(api: Api) -> None:
    with FlowAgentServer(brain="naive", password="flow-pass-42") as flow:
        agent_id = new_agent(api, "helpdesk-flow")
        config = {
            "type": "http", "base_url": flow.url,
            "steps": [
                {"name": "login", "url": "/login", "scope": "target",
                 "body": {"user": "bench", "password": "{{secret:helpdesk/password}}"},
                 "captures": {"token": "$.token"}},
                {"name": "new conversation", "url": "/conversations",
                 "headers": {"Authorization": "Bearer {{token}}"},
                 "captures": {"conversation": "$.conversation.id"}},
                {"name": "send", "url": "/conversations/{{session_id}}/messages",
                 "headers": {"Authorization": "Bearer {{token}}"},
                 "body": {"text": "{{prompt}}", "history": "{{history}}"}},
            ],
            "session_source": "capture:conversation", "reply_path": "$.reply.text",
            "tool_calls_path": "$.reply.tool_calls[*]", "channels": ["direct", "document"],
        }  # fmt: skip
        literal = json.loads(json.dumps(config))
        literal["steps"][0]["body"]["password"] = "flow-pass-42"
        r = api.put(f"/agentbench/targets/{agent_id}", json={"config": literal})
        assert r.status_code == 422 and "secret" in r.text  # no credentials in clear
        r = api.put(f"/agentbench/targets/{agent_id}", json={"config": config})
        assert r.status_code == 422 and "helpdesk/password" in r.text  # reference unresolved
        r = api.put(
            f"/agentbench/targets/{agent_id}",
            json={"config": config, "secrets": {"helpdesk/password": "flow-pass-42"}},
        )
        assert r.status_code == 200, r.text
        run = run_to_end(api, agent_id)
        results = results_of(api, run["id"])
    assert "/login" in flow.paths and any(p.endswith("/messages") for p in flow.paths)
    assert results["pi-direct-reverse"]["verdict"] == "FAIL"
    assert results["pi-document-reverse"]["verdict"] == "FAIL"
    assert results["pi-tool-output-lower"]["verdict"] == "NOT_APPLICABLE"


def test_cancel_conflict_isolation_and_validation(
    api: Api, agents_server: OpenAIAgentServer, client: Any, session_factory: Any
) -> None:
    agent_id = new_agent(api, "slow-bot")
    assert (
        api.put(
            f"/agentbench/targets/{agent_id}", json=openai_target(agents_server, "naive")
        ).status_code
        == 200
    )
    before = _served_tokens()
    run = api.post("/agentbench/run", json={"agent_id": agent_id, "mode": "full", "k": 3}).json()
    second = api.post("/agentbench/run", json={"agent_id": agent_id, "mode": "quick"})
    assert second.status_code == 409
    cancelled = api.post(f"/agentbench/runs/{run['id']}/cancel")
    assert cancelled.status_code == 202 and cancelled.json()["cancel_requested"]
    deadline = time.monotonic() + WAIT_S
    while (row := api.get(f"/agentbench/runs/{run['id']}").json())["status"] in (
        "queued", "running"
    ):  # fmt: skip
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert row["status"] == "cancelled"
    # Stopped short of its end; on a loaded box the cancel can land before the
    # run has even counted its probes (total still 0).
    assert row["progress_total"] == 0 or row["progress_done"] < row["progress_total"]
    # The run thread closes its harness right after. Only *this* run's routes are
    # checked: asserting that no hub exists at all failed whenever a run of another
    # test was still finishing in the background of the same process.
    deadline = time.monotonic() + WAIT_S
    while _served_tokens() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _served_tokens() - before == set()
    assert api.post(f"/agentbench/runs/{run['id']}/cancel").status_code == 409

    other = Api(client, create_org(session_factory))
    assert other.get(f"/agentbench/runs/{run['id']}").status_code == 404
    assert other.get(f"/agentbench/runs/{run['id']}/results").status_code == 404
    assert other.get(f"/agentbench/targets/{agent_id}").status_code == 404
    assert other.post("/agentbench/run", json={"agent_id": agent_id}).status_code == 404
    assert run["id"] not in other.get("/agentbench/runs").text

    no_target = new_agent(api, "unregistered-bot")
    r = api.post("/agentbench/run", json={"agent_id": no_target})
    assert r.status_code == 422 and "PUT /api/v1/agentbench/targets" in r.text
    bad = api.put(f"/agentbench/targets/{agent_id}", json={"config": {"type": "telnet"}})
    assert bad.status_code == 422
    bad = api.put(f"/agentbench/targets/{agent_id}", json={"config": {"type": "openai_chat"}})
    assert bad.status_code == 422 and "base_url" in bad.text
    hdr = {"type": "http", "base_url": "http://x", "steps": [], "reply_path": "$",
           "headers": {"X-Api-Key": "literal-key-value"}}  # fmt: skip
    assert api.put(f"/agentbench/targets/{agent_id}", json={"config": hdr}).status_code == 422


def test_sdk_probe_endpoints_refuse_unknown_agents_and_probes(api: Api) -> None:
    r = api.get("/agentbench/probes/next", params={"agent": "nobody-here", "wait": 0})
    assert r.status_code == 404
    r = api.post("/agentbench/probes/pr_unknown/reply", json={"output": "x", "tool_calls": []})
    assert r.status_code == 404
    agent_id = new_agent(api, "sdk-declared")
    target = {"config": {"type": "sdk", "agent": "sdk-declared"}}
    assert api.put(f"/agentbench/targets/{agent_id}", json=target).status_code == 200
    started = time.monotonic()
    r = api.get("/agentbench/probes/next", params={"agent": "sdk-declared", "wait": 0.3})
    assert r.status_code == 204 and time.monotonic() - started >= 0.25
    # An SDK agent that is not polling: the run fails at once and says why (no 60 s timeouts).
    silent = new_agent(api, "sdk-silent")
    target = {"config": {"type": "sdk", "agent": "sdk-silent"}}
    assert api.put(f"/agentbench/targets/{silent}", json=target).status_code == 200
    run = api.post("/agentbench/run", json={"agent_id": silent}).json()
    deadline = time.monotonic() + 45  # < one 60 s attempt timeout
    while (row := api.get(f"/agentbench/runs/{run['id']}").json())["status"] in (
        "queued", "running"
    ):  # fmt: skip
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert row["status"] == "failed" and "serve_probes" in row["error"]


@pytest.fixture(scope="module")
def langchain_cves() -> list[dict[str, Any]]:
    records = []
    for name in ("nvd_sample_dev.json", "nvd_sample_dev2.json"):
        data = json.loads(shared("nvd", name).read_text(encoding="utf-8"))
        records += [v["cve"] for v in data["vulnerabilities"]]
    return records


def test_learning_cycle_records_cve_rule_scenario_run_verdict(
    api: Api, agents_server: OpenAIAgentServer, langchain_cves: list[dict[str, Any]]
) -> None:
    user = new_agent(api, "chain-bot")
    body = openai_target(agents_server, "naive", components=["langchain", "langchain-experimental"])
    assert api.put(f"/agentbench/targets/{user}", json=body).status_code == 200
    bystander = new_agent(api, "plain-bot")
    body = openai_target(agents_server, "hardened", components=["requests"])
    assert api.put(f"/agentbench/targets/{bystander}", json=body).status_code == 200

    r = api.post(
        "/red-team/learn/run-cycle",
        json={"agent_ids": [user, bystander], "cves": langchain_cves, "k": 1},
    )
    assert r.status_code == 202, r.text
    cycle = r.json()
    deadline = time.monotonic() + WAIT_S
    while cycle["status"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
        cycle = api.get(f"/red-team/learn/cycles/{cycle['id']}").json()
    assert cycle["status"] == "completed", cycle
    assert cycle["summary"]["not_ai_relevant_dropped"] > 0  # Linux, OpenSSL, ... are dropped
    outcomes = cycle["outcomes"]
    mine = [o for o in outcomes if o["agent_id"] == user]
    tested = [o for o in mine if o["run_id"]]
    assert tested, mine[:5]
    for o in tested:
        assert o["cve_id"].startswith("CVE-") and o["rule_id"].startswith("R-")
        assert o["scenario_id"].startswith(o["cve_id"] + "/" + o["rule_id"] + "/")
        assert o["verdict"] in ("PASS", "FAIL", "ERROR", "INCONCLUSIVE", "NOT_APPLICABLE")
        assert o["provenance"]["component"].startswith("langchain")
    assert any(o["verdict"] == "FAIL" and o["evidence"] for o in tested)  # naive agent
    # A CVE in a component the agent does not use is not applicable, never a pass.
    theirs = [o for o in outcomes if o["agent_id"] == bystander]
    assert theirs and all(o["status"] == "not_applicable" and o["verdict"] is None for o in theirs)
    run = api.get(f"/agentbench/runs/{tested[0]['run_id']}").json()
    assert run["kind"] == "cycle" and run["cycle_id"] == cycle["id"]
    assert cycle["id"] in api.get("/red-team/learn/cycles").text
    # CVEs that map to the same probe share one attack: each probe runs (and counts in the
    # heatmap and pass rate) once, and every scenario that chose it gets its verdict.
    probes = {o["probe_id"] for o in tested}
    assert len(probes) < len(tested), "the sample's LangChain CVEs share probes"
    results = api.get(f"/agentbench/runs/{run['id']}/results", params={"limit": 500}).json()
    assert sorted(r["probe_id"] for r in results["items"]) == sorted(probes)
    verdict = {r["probe_id"]: r["verdict"] for r in results["items"]}
    assert all(o["verdict"] == verdict[o["probe_id"]] for o in tested)


def test_atlas_catalogue_and_coverage(
    api: Api, agents_server: OpenAIAgentServer, session_factory: Any
) -> None:
    from threatvec.redteam.atlas import load_atlas
    from threatvec.redteam.service import import_catalog

    catalog = load_atlas(shared("atlas", "ATLAS.yaml"))
    with session_factory() as s:
        import_catalog(session=s, catalog=catalog)
        s.commit()
    summary = api.get("/red-team/atlas").json()
    assert summary["version"] == catalog.version
    assert summary["tactic_count"] == len(catalog.tactics)
    assert summary["technique_count"] == catalog.technique_count
    assert summary["subtechnique_count"] == catalog.subtechnique_count
    assert len(summary["tactics"]) == len(catalog.tactics)
    tech = api.get("/red-team/atlas/techniques/AML.T0051.001").json()
    assert tech["parent_id"] == "AML.T0051" and tech["version"] == catalog.version

    agent_id = new_agent(api, "covered-bot")
    assert (
        api.put(
            f"/agentbench/targets/{agent_id}", json=openai_target(agents_server, "naive")
        ).status_code
        == 200
    )
    run = run_to_end(api, agent_id, mode="full", k=1)
    assert run["atlas_version"] == catalog.version
    cov = api.get("/red-team/atlas-coverage", params={"agent_id": agent_id}).json()
    assert cov["catalog_imported"] and cov["atlas_version"] == catalog.version
    techs = {t["technique"]: t for t in cov["techniques"]}
    pi = techs["AML.T0051"]
    assert pi["failed"] > 0 and pi["band"] == "red" and pi["wilson_low"] is not None
    assert techs["AML.T0051.001"]["tested"] > 0
    untestable = [t for t in cov["techniques"] if not t["testable"]]
    assert untestable and all(t["band"] == "na" for t in untestable)
    tactics = {t["tactic"]: t for t in cov["tactics"]}
    assert any(t["band"] == "na" for t in tactics.values())
    assert any(t["critical_failure"] and t["band"] == "red" for t in tactics.values())
    layer = api.get(
        "/red-team/atlas-coverage", params={"agent_id": agent_id, "format": "navigator"}
    ).json()
    assert layer["domain"] == "atlas-atlas"
    assert {"name": "atlas_data_version", "value": catalog.version} in layer["metadata"]
    assert any(t["techniqueID"] == "AML.T0051" for t in layer["techniques"])


def test_learning_cycle_counts_scenarios_it_could_not_run(
    api: Api, langchain_cves: list[dict[str, Any]]
) -> None:
    # An SDK-served agent that is not polling: its scenarios are planned but never run.
    # The summary must say so; it read "planned: N" and nothing else, like a clean cycle.
    idle = new_agent(api, "idle-bot")
    body = {"config": {"type": "sdk", "agent": "idle-bot", "components": ["langchain"]}}
    assert api.put(f"/agentbench/targets/{idle}", json=body).status_code == 200, body
    r = api.post(
        "/red-team/learn/run-cycle", json={"agent_ids": [idle], "cves": langchain_cves, "k": 1}
    )
    assert r.status_code == 202, r.text
    cycle = r.json()
    deadline = time.monotonic() + WAIT_S
    while cycle["status"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
        cycle = api.get(f"/red-team/learn/cycles/{cycle['id']}").json()
    not_run = [o for o in cycle["outcomes"] if o["status"] == "not_run"]
    assert not_run and all("not serving probes" in o["reason"] for o in not_run)
    assert cycle["summary"]["not_run"] == len(not_run)
    assert cycle["summary"]["agents_not_serving"] == 1
    assert "runs" not in cycle["summary"]


def test_a_cycle_that_tests_nothing_says_why_in_the_api_and_on_the_page(
    app: Any, api: Api, agents_server: OpenAIAgentServer, langchain_cves: list[dict[str, Any]]
) -> None:
    # An agent that declares only components no CVE names: the cycle read "completed"
    # with counters only, as if the agent had been tested.
    bot = new_agent(api, "undeclared-bot")
    body = openai_target(agents_server, "hardened", components=["requests"])
    assert api.put(f"/agentbench/targets/{bot}", json=body).status_code == 200
    r = api.post(
        "/red-team/learn/run-cycle", json={"agent_ids": [bot], "cves": langchain_cves, "k": 1}
    )
    assert r.status_code == 202, r.text
    cycle = r.json()
    assert cycle["untested_reason"] is None  # not ended yet
    deadline = time.monotonic() + WAIT_S
    while cycle["status"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
        cycle = api.get(f"/red-team/learn/cycles/{cycle['id']}").json()
    assert cycle["status"] == "completed", cycle
    reason = cycle["untested_reason"]
    assert reason and f"none of the {cycle['cve_count']} CVEs" in reason, cycle
    listed = api.get("/red-team/learn/cycles").json()["items"]
    assert next(c for c in listed if c["id"] == cycle["id"])["untested_reason"] == reason
    with TestClient(app) as c:
        dashboard_login(c, api.org.key)
        page = c.get("/red-team").text
    assert "Nothing was tested: none of the" in page


def test_a_second_learning_cycle_is_a_409_naming_the_running_one(
    api: Api, session_factory: Any
) -> None:
    from threatvec.redteam import service

    with session_factory() as s:
        running = service.create_cycle(session=s, org_id=api.org.id, trigger="job")
        running.status = "running"
        s.commit()
    r = api.post("/red-team/learn/run-cycle", json={"days": 30})
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert f"a learning cycle is already running: {running.id}" in r.json()["detail"]
    assert [c["id"] for c in api.get("/red-team/learn/cycles").json()["items"]] == [running.id]


def _wait_cycle_runs_ended(api: Api, cycle_id: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + WAIT_S
    while True:
        items = api.get("/agentbench/runs", params={"kind": "cycle", "limit": 200}).json()["items"]
        runs = [r for r in items if r["cycle_id"] == cycle_id]
        if all(r["status"] not in ("queued", "running") for r in runs):
            return runs
        assert time.monotonic() < deadline, runs
        time.sleep(0.05)


def test_cancel_a_learning_cycle_stops_its_run_and_starts_no_more(
    api: Api, client: Any, session_factory: Any, langchain_cves: list[dict[str, Any]]
) -> None:
    # There was no way to stop a cycle: a cycle over many agents ran for hours and
    # blocked every other cycle of the organisation (409) until it ended.
    with SlowAgentServer(delay=0.5) as agent:
        first = new_agent(api, "cancel-first")
        second = new_agent(api, "cancel-second")
        for agent_id in (first, second):
            body = {"config": agent.target(components=["langchain"])}
            assert api.put(f"/agentbench/targets/{agent_id}", json=body).status_code == 200
        r = api.post(
            "/red-team/learn/run-cycle",
            json={"agent_ids": [first, second], "cves": langchain_cves, "k": 1},
        )
        assert r.status_code == 202, r.text
        cycle_id = r.json()["id"]
        agent.wait_for_requests(2)  # the first agent's run is probing

        other = Api(client, create_org(session_factory))
        assert other.post(f"/red-team/learn/cycles/{cycle_id}/cancel").status_code == 404

        r = api.post(f"/red-team/learn/cycles/{cycle_id}/cancel")
        assert r.status_code == 202, r.text
        cancelled = r.json()
        assert cancelled["status"] == "cancelled" and cancelled["finished_at"] is not None
        assert cancelled["error"].startswith("cancelled by "), cancelled

        runs = _wait_cycle_runs_ended(api, cycle_id)
        assert [(r["agent_id"], r["status"]) for r in runs] == [(first, "cancelled")]
        assert runs[0]["progress_done"] < runs[0]["progress_total"]
        time.sleep(1.0)  # the cycle's thread ends after its run: no second agent, no overwrite
        assert [r["cycle_id"] for r in _wait_cycle_runs_ended(api, cycle_id)] == [cycle_id]
        final = api.get(f"/red-team/learn/cycles/{cycle_id}").json()
        assert final["status"] == "cancelled" and final["error"] == cancelled["error"], final
        assert {o["agent_id"] for o in final["outcomes"]} <= {first}

        again = api.post(f"/red-team/learn/cycles/{cycle_id}/cancel")
        assert again.status_code == 409
        assert f"learning cycle {cycle_id} is already cancelled" in again.json()["detail"]
        # The organisation may start a cycle again at once.
        nxt = api.post("/red-team/learn/run-cycle", json={"agent_ids": [first], "cves": []})
        assert nxt.status_code == 202, nxt.text


def test_cancelling_a_queued_cycle_ends_it_before_it_starts(api: Api, session_factory: Any) -> None:
    from threatvec.redteam import service

    with session_factory() as s:
        queued = service.create_cycle(session=s, org_id=api.org.id, trigger="job")
        s.commit()
    r = api.post(f"/red-team/learn/cycles/{queued.id}/cancel")
    assert r.status_code == 202 and r.json()["status"] == "cancelled", r.text
    r = api.post(f"/red-team/learn/cycles/{'f' * 32}/cancel")
    assert r.status_code == 404 and "not found" in r.json()["detail"]


def test_a_running_cycle_shows_what_it_has_done_so_far(
    api: Api, langchain_cves: list[dict[str, Any]]
) -> None:
    # A cycle over many agents runs for a long time; its summary stayed {} until the
    # very end, so GET /red-team/learn/cycles/{id} (and the page) showed no progress.
    with SlowAgentServer(delay=0.5) as agent:
        unused = new_agent(api, "progress-no-langchain")  # its CVEs are not applicable
        probed = new_agent(api, "progress-langchain")
        for agent_id, comps in ((unused, ["no-such-component"]), (probed, ["langchain"])):
            body = {"config": agent.target(components=comps)}
            assert api.put(f"/agentbench/targets/{agent_id}", json=body).status_code == 200
        r = api.post(
            "/red-team/learn/run-cycle",
            json={"agent_ids": [unused, probed], "cves": langchain_cves, "k": 1},
        )
        assert r.status_code == 202, r.text
        cycle_id = r.json()["id"]
        agent.wait_for_requests(2)  # the second agent's run is probing
        mid = api.get(f"/red-team/learn/cycles/{cycle_id}").json()
        api.post(f"/red-team/learn/cycles/{cycle_id}/cancel")
    assert mid["status"] == "running", mid
    assert mid["summary"].get("agents_done") == 1, mid["summary"]
    assert mid["summary"].get("not_applicable", 0) >= 1, mid["summary"]


def test_a_run_where_no_probe_reached_the_agent_says_so(api: Api) -> None:
    # Every probe ERRORed (nothing listens there): the run read "completed" with no
    # error and pass rate "—", as if the agent had been tested.
    agent_id = new_agent(api, "unreachable-bot")
    config = {"type": "openai_chat", "base_url": "http://127.0.0.1:9/v1", "model": "m",
              "api_key_ref": "k"}  # fmt: skip
    target = {"config": config, "secrets": {"k": "sk-unreach-0123"}}
    assert api.put(f"/agentbench/targets/{agent_id}", json=target).status_code == 200
    run = run_to_end(api, agent_id)
    assert run["summary"]["counts"]["ERROR"] > 0 and run["summary"]["passed"] == 0
    assert run["error"] and run["error"].startswith("no probe reached the agent"), run
    assert "sk-unreach" not in run["error"]
