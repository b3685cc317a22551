"""Benchmark what the issue-8 audit added around a run (issue 8).

Times: drawing per-run canaries now that tokens are re-drawn until they carry
letters (the fix for the flaky learning-cycle test), listing an agent's own
MCP server over streamable HTTP before a run (``mcp_url`` → tool
capabilities), and one LLM mapping suggestion for an unmapped CVE against the
project's fake OpenAI-compatible model on 127.0.0.1 (the engine's overhead;
a real model's latency dominates).

    .venv/bin/python bench/redteam_discovery.py [--n 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the target agents live in tests/redteam/agents

from tests.redteam.agents.servers import AgentMcpServer, OpenAIAgentServer  # noqa: E402

from threatvec.core.llm import LlmClient  # noqa: E402
from threatvec.redteam.canary import new_run_canaries  # noqa: E402
from threatvec.redteam.cve_rules import CveFacts  # noqa: E402
from threatvec.redteam.rule_suggestions import suggest_mapping  # noqa: E402
from threatvec.redteam.tool_discovery import discover_tools  # noqa: E402


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def report(name: str, values: list[float]) -> None:
    p50 = statistics.median(values) * 1000
    print(f"| {name} | p50 {p50:.3f} ms, max {max(values) * 1000:.3f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    print("| operation | result |\n|---|---|")
    report("`new_run_canaries` (7 tokens, letters guaranteed)", timed(
        lambda: new_run_canaries("bench"), args.n * 100))  # fmt: skip
    tools = {"send_email": "Send an email", "lookup_order": "Look up an order"}
    with AgentMcpServer(tools) as mcp:
        report("`discover_tools` (SSRF check + MCP initialize + tools/list)", timed(
            lambda: asyncio.run(discover_tools(mcp.url, allow_private=True)), args.n))  # fmt: skip
    cve = CveFacts("CVE-2024-28088", "LangChain through 0.1.10 allows ../ directory traversal")
    with OpenAIAgentServer() as model:
        llm = LlmClient(base_url=model.url + "/v1", model="mapper", retries=0)
        report("`suggest_mapping` (prompt + local model + validation)", timed(
            lambda: suggest_mapping(cve, llm), args.n))  # fmt: skip


if __name__ == "__main__":
    main()
