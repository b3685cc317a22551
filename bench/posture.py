"""Pure posture recompute: 10,000 agents, 1,000 MCP servers, shadow aggregates of 1,000,000 events.

Measures the pure part only (no database): scoring every agent, the three
dimensions with their ranked risks, the composite, the brief (deterministic
wording) and the weight advice. Inputs are generated with a fixed seed.

    .venv/bin/python bench/posture.py [--agents 10000] [--servers 1000]
                                      [--events 1000000] [--services 5000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from threatvec.agents.scoring import (
    ActivityCounts,
    AgentFacts,
    Footprint,
    RedTeamResults,
    ToolUse,
    score_agent,
)
from threatvec.posture.advisor import DeploymentProfile, advise_weights
from threatvec.posture.brief import HistoryPoint, build_brief
from threatvec.posture.composite import compute_posture
from threatvec.posture.dimensions import (
    McpServerScoreInput,
    ShadowServiceInput,
    agent_dimension,
    mcp_dimension,
    shadow_dimension,
)
from threatvec.posture.factors import Factor

TOOLS = [
    "query_db",
    "read_file",
    "web_fetch",
    "search",
    "send_email",
    "http_post",
    "slack_post",
    "get_time",
    "calculator",
    "delete_record",
    "run_shell",
    "crm_lookup",
]
RULES = [
    "prompt_injection_guard",
    "pii_redaction",
    "tool_allowlist",
    "egress_allowlist",
    "token_budget",
    "output_filtering",
]
MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "llama3", "mistral-large"]
HOSTS = [f"api{i}.example.com" for i in range(30)] + ["10.0.0.7", "svc.internal"]


def make_agents(n: int, rng: random.Random) -> list[AgentFacts]:
    out = []
    for i in range(n):
        tools = rng.sample(TOOLS, rng.randint(0, 5))
        dests = rng.sample(HOSTS, rng.randint(0, 4))
        models = rng.sample(MODELS, rng.randint(1, 2))
        base_tools = tools[: max(0, len(tools) - rng.randint(0, 1))]
        out.append(
            AgentFacts(
                f"agent-{i}",
                name=f"bot-{i}",
                capabilities={"private_data": rng.choice([True, False, None])},
                tools=tuple(ToolUse(t) for t in tools),
                destinations=tuple(dests),
                models=tuple(models),
                verified=rng.random() < 0.8,
                approved=rng.random() < 0.5,
                rules=frozenset(rng.sample(RULES, rng.randint(0, len(RULES)))),
                activity=ActivityCounts(
                    clean=rng.randint(0, 5000),
                    pii=rng.randint(0, 5),
                    injection=rng.randint(0, 3),
                    secrets=rng.randint(0, 1),
                    blocked=rng.randint(0, 4),
                ),
                red_team=None
                if rng.random() < 0.4
                else RedTeamResults(rng.randint(0, 40), rng.randint(0, 10)),
                baseline=Footprint.of(base_tools, models, dests[:-1]),
                recent=Footprint.of(tools, models, dests),
            )
        )
    return out


def make_servers(n: int, rng: random.Random) -> list[McpServerScoreInput]:
    out = []
    for i in range(n):
        pts = (rng.choice([35, 28, 20, 5]), rng.choice([35, 35, 15, 0]), rng.randint(0, 15))
        stab = rng.randint(6, 15)
        parts = tuple(
            Factor(name, p, m, "", (f"srv-{i}",))
            for name, p, m in zip(
                ("integrity", "covert", "catalog_trust", "schema_stability"),
                (*pts, stab),
                (35, 35, 15, 15),
                strict=True,
            )
        )
        out.append(McpServerScoreInput(f"srv-{i}", f"server-{i}", sum(pts) + stab, parts))
    return out


def make_services(events: int, services: int, rng: random.Random) -> list[ShadowServiceInput]:
    # a long tail: a few services carry most of the events, as in real shadow-AI data
    weights = [1 / (k + 1) for k in range(services)]
    scale = events / sum(weights)
    out = []
    for k, w in enumerate(weights):
        ev = max(1, round(w * scale))
        out.append(
            ShadowServiceInput(
                f"svc-{k}",
                f"ai-service-{k}.example",
                registered=rng.random() < 0.3,
                known=rng.random() < 0.7,
                pii_uploads=rng.randint(0, 3) if rng.random() < 0.1 else 0,
                events=ev,
                users=max(1, ev // 50),
            )
        )
    return out


def recompute(
    agents: list[AgentFacts],
    servers: list[McpServerScoreInput],
    services: list[ShadowServiceInput],
    now: datetime,
) -> dict[str, float]:
    t: dict[str, float] = {}

    def timed(key: str, fn: Callable[[], Any]) -> Any:
        start, cpu = time.perf_counter(), time.process_time()
        out = fn()
        t[key] = time.perf_counter() - start
        t[key + " (cpu)"] = time.process_time() - cpu
        return out

    scored = timed("score 10k agents", lambda: [score_agent(a) for a in agents])
    ad = timed("agent dimension", lambda: agent_dimension(scored))
    md = timed("mcp dimension", lambda: mcp_dimension(servers))
    sd = timed("shadow dimension", lambda: shadow_dimension(services))
    posture = timed("composite", lambda: compute_posture([ad, md, sd]))
    history = [HistoryPoint(now - timedelta(hours=h), 60.0) for h in range(0, 24 * 8, 1)]
    timed("brief", lambda: build_brief(posture, history=history, now=now))
    timed("advice", lambda: advise_weights(DeploymentProfile.from_posture(posture)))
    t["total"] = sum(v for k, v in t.items() if not k.endswith("(cpu)"))
    t["total (cpu)"] = sum(v for k, v in t.items() if k.endswith("(cpu)"))
    return t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=10_000)
    ap.add_argument("--servers", type=int, default=1_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--services", type=int, default=5_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(7)
    agents = make_agents(args.agents, rng)
    servers = make_servers(args.servers, rng)
    services = make_services(args.events, args.services, rng)
    now = datetime(2025, 3, 1, tzinfo=UTC)
    runs = [recompute(agents, servers, services, now) for _ in range(args.runs)]
    print(
        f"{args.agents} agents, {args.servers} MCP servers, {args.services} shadow services "
        f"({sum(s.events for s in services)} events); median of {args.runs} runs"
    )
    print(f"  {'step':<18} {'wall median':>12} {'wall max':>10} {'cpu median':>11}")
    for key in (k for k in runs[0] if not k.endswith("(cpu)")):
        wall = [r[key] for r in runs]
        cpu = [r[key + " (cpu)"] for r in runs]
        print(
            f"  {key:<18} {statistics.median(wall) * 1000:9.1f} ms {max(wall) * 1000:7.1f} ms "
            f"{statistics.median(cpu) * 1000:8.1f} ms"
        )


if __name__ == "__main__":
    main()
