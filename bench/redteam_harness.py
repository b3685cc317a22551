"""Benchmark the AgentBench run harness and the tool loop (issue 8).

Times: opening and closing a run's harness (loopback listener + honeypot MCP
server), canary egress requests recorded per second, one honeypot MCP tool
call over streamable HTTP (official ``mcp`` client, new session per call, as
an agent would), and a full run with the OpenAI-compatible tool loop against
the project's naive and hardened target agents.

    .venv/bin/python bench/redteam_harness.py [--k 3] [--n 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the target agents live in tests/redteam/agents

from tests.redteam.agents.servers import OpenAIAgentServer  # noqa: E402

from threatvec.redteam.harness import ListenerSettings, open_run_harness  # noqa: E402
from threatvec.redteam.probes import load_probes  # noqa: E402
from threatvec.redteam.runner import RunOptions, run_probes  # noqa: E402
from threatvec.redteam.targets import OpenAICompatTarget  # noqa: E402


def ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"


async def mcp_call(url: str) -> None:
    from mcp import Client

    async with Client(url) as client:
        await client.call_tool("send_email", {"to": "a@b.invalid", "subject": "s", "body": "b"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    settings = ListenerSettings()

    with open_run_harness("warm", settings):  # imports (uvicorn, mcp) out of the timings
        pass
    opens, closes = [], []
    for i in range(args.n // 5 or 1):
        t0 = time.perf_counter()
        h = open_run_harness(f"run_{i}", settings)
        t1 = time.perf_counter()
        h.close()
        opens.append(t1 - t0)
        closes.append(time.perf_counter() - t1)
    print(f"harness open (hub start + MCP session manager): {ms(opens)}")
    print(f"harness close (last run: hub stops):            {ms(closes)}")

    with open_run_harness("keep", settings) as keep:  # a hub already running (another run)
        shared = []
        for i in range(args.n):
            t0 = time.perf_counter()
            open_run_harness(f"shared_{i}", settings).close()
            shared.append(time.perf_counter() - t0)
        print(f"open+close with the hub already up:             {ms(shared)}")
        url = keep.canaries.canary_url("bench", 1)
        t0 = time.perf_counter()
        for _ in range(args.n * 10):
            urllib.request.urlopen(url, timeout=5).close()
        rate = args.n * 10 / (time.perf_counter() - t0)
        assert keep.egress is not None and len(keep.egress.hits) == args.n * 10
        print(f"canary egress recorded: {rate:.0f} requests/s (sequential, one client)")
        calls = []
        for _ in range(args.n):
            t0 = time.perf_counter()
            asyncio.run(mcp_call(keep.honeypot_url or ""))
            calls.append(time.perf_counter() - t0)
        print(f"honeypot MCP tool call (new session each):      {ms(calls)}")

    probes = load_probes()
    with OpenAIAgentServer() as agents:
        for model in ("naive", "hardened"):
            target = OpenAICompatTarget(
                base_url=agents.url + "/v1", model=model, allow_private=True, timeout=30
            )
            before = len(agents.requests)
            t0 = time.perf_counter()
            with open_run_harness(f"full_{model}", settings) as h:
                result = asyncio.run(
                    run_probes(
                        probes, target, options=RunOptions(k=args.k), canaries=h.canaries,
                        honeypot=h.honeypot, egress=h.egress, honeypot_url=h.honeypot_url,
                    )
                )  # fmt: skip
            took = time.perf_counter() - t0
            s = result.summary
            requests = len(agents.requests) - before
            print(
                f"full run k={args.k}, {len(probes)} probes, {model}: {took:.2f} s incl. harness, "
                f"{requests} model requests ({requests / took:.0f}/s), pass rate "
                f"{s.pass_rate.value:.2f}, ASR@k {s.asr_at_k:.2f}, honeypot calls "
                f"{len(h.honeypot.calls) if h.honeypot else 0}, egress hits "
                f"{len(h.egress.hits) if h.egress else 0}"
            )


if __name__ == "__main__":
    main()
