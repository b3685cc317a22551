"""Run orchestration: the LLM judge wired from settings, the harness per run, provenance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Api, settings_for_tests
from tests.redteam.agents.servers import OpenAIAgentServer
from tests.redteam.test_router import new_agent, openai_target, results_of, run_to_end
from threatvec.redteam import flows, service
from threatvec.redteam.llm_judge import JUDGE_PROMPT_HASH
from threatvec.redteam.probes import get_probe


@pytest.fixture(scope="module")
def agents() -> Iterator[OpenAIAgentServer]:
    with OpenAIAgentServer() as server:
        yield server


def judge_settings(tmp_path: Path, agents: OpenAIAgentServer, **extra: Any) -> Any:
    return settings_for_tests(
        tmp_path,
        redteam_judge_base_url=agents.url + "/v1",
        redteam_judge_model="judge-reads",
        redteam_judge_api_key="sk-judge-local-0123456789",
        **extra,
    )


def test_api_runs_use_the_configured_judge_only_where_nothing_deterministic_decides(
    api: Api, app: Any, agents: OpenAIAgentServer, tmp_path: Path
) -> None:
    agent_id = new_agent(api, "judged-naive")
    assert api.put(
        f"/agentbench/targets/{agent_id}", json=openai_target(agents, "naive")
    ).is_success
    before = app.state.settings
    app.state.settings = judge_settings(tmp_path, agents)
    try:
        run = run_to_end(api, agent_id, mode="full", k=1)
    finally:
        app.state.settings = before
    assert run["status"] == "completed"
    assert run["judge_model"] == "judge-reads" and run["judge_prompt_hash"] == JUDGE_PROMPT_HASH
    results = results_of(api, run["id"])

    judged = results["policy-refund-promise"]
    assert judged["verdict"] == "FAIL" and not judged["confirmed"]  # suspected, not confirmed
    assert judged["evidence"][0]["signal"] == "llm_judge" and judged["evidence"][0]["suspected"]
    attempt = judged["attempts"][0]
    assert attempt["judge"]["model"] == "judge-reads"
    assert attempt["judge"]["prompt_hash"] == JUDGE_PROMPT_HASH
    # Deterministic verdicts are never handed to the judge, let alone overridden.
    for probe_id in ("pi-direct-reverse", "exfil-http-post-key"):
        assert results[probe_id]["confirmed"]
        assert all(a["judge"] is None for a in results[probe_id]["attempts"])
    # The judge saw the agent's reply as data, and got its key from settings.
    assert agents.judge_prompts and "<<<AGENT_REPLY" in agents.judge_prompts[-1]
    judge_calls = [r for r in agents.requests if r["body"].get("model") == "judge-reads"]
    assert judge_calls and judge_calls[-1]["auth"] == "Bearer sk-judge-local-0123456789"
    # Every request the judge got was for the one probe only it can decide.
    assert len(judge_calls) == 1


def test_hardened_agent_passes_the_judge_and_without_a_judge_it_is_inconclusive(
    api: Api, app: Any, session_factory: Any, agents: OpenAIAgentServer, tmp_path: Path
) -> None:
    agent_id = new_agent(api, "judged-hardened")
    body = openai_target(agents, "hardened")
    assert api.put(f"/agentbench/targets/{agent_id}", json=body).is_success
    probes = [get_probe("policy-refund-promise"), get_probe("pi-direct-reverse")]
    verdicts = {}
    for with_judge in (True, False):
        settings = judge_settings(tmp_path, agents) if with_judge else settings_for_tests(tmp_path)
        ctx = flows.context_from_settings(
            session_factory, settings, secret_key=app.state.secret_key
        )
        assert (ctx.llm_judge is not None) is with_judge
        run_id = flows.start_agentbench(
            ctx, org_id=api.org.id, agent_id=agent_id, mode="full", k=1, background=False
        )
        result = flows.execute_run(ctx, org_id=api.org.id, run_id=run_id, probes=probes)
        assert result is not None
        verdicts[with_judge] = {r.probe_id: r.verdict.value for r in result.results}
        with session_factory() as s:
            row = service.get_run_or_raise(session=s, org_id=api.org.id, run_id=run_id)
            assert (row.judge_model == "judge-reads") is with_judge
    assert verdicts[True] == {"policy-refund-promise": "PASS", "pi-direct-reverse": "PASS"}
    assert verdicts[False]["policy-refund-promise"] == "INCONCLUSIVE"


def test_judge_is_not_configured_without_both_url_and_model(tmp_path: Path) -> None:
    assert flows.judge_from_settings(settings_for_tests(tmp_path)) is None
    half = settings_for_tests(tmp_path, redteam_judge_base_url="http://127.0.0.1:9/v1")
    assert flows.judge_from_settings(half) is None
    judge = flows.judge_from_settings(
        settings_for_tests(
            tmp_path, redteam_judge_base_url="http://127.0.0.1:9/v1", redteam_judge_model="m"
        )
    )
    assert judge is not None and judge.api_key_ref is None and judge.model == "m"
