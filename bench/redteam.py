"""Red-team engine benchmark: leak-detector throughput, judging cost, and a full AgentBench run.

Reproduce: ``.venv/bin/python bench/redteam.py [--k 3]`` (uses the local target
agents from tests/redteam/agents).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import sys
import time
from pathlib import Path

# The local target agents live in the test package; make the repo root importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.redteam.agents.servers import OpenAIAgentServer

from threatvec.redteam.canary import find_leak, new_run_canaries
from threatvec.redteam.exchange import TargetReply, ToolCall
from threatvec.redteam.judges import judge_attempt
from threatvec.redteam.probes import load_probes, render_probe
from threatvec.redteam.runner import RunOptions, run_mode
from threatvec.redteam.targets import OpenAICompatTarget

FILLER = "The quarterly report covers facilities, staffing and procurement. " * 2000


def time_it(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--k", type=int, default=3)
    args = parser.parse_args()
    c = new_run_canaries("bench")
    rows = []
    for size in (1_000, 10_000, 100_000):
        clean = FILLER[:size]
        hidden = (
            FILLER[: size // 2]
            + base64.b64encode(c.secret[::-1].encode()).decode()
            + FILLER[: size // 2]
        )
        for label, text in (("no leak", clean), ("base64+reversed leak", hidden)):
            ms = time_it(lambda t=text: find_leak(t, c.secret), 20)
            rows.append((f"find_leak, {size:,} chars, {label}", statistics.median(ms), max(ms)))
    probes = load_probes()
    reply = TargetReply(
        output=FILLER[:4000], tool_calls=(ToolCall("http_post", {"url": "x", "body": "y"}),)
    )
    rendered = [render_probe(p, c, 1) for p in probes]
    ms = time_it(lambda: [judge_attempt(r, reply) for r in rendered], 10)
    rows.append(
        (f"judge_attempt x{len(probes)} (4,000-char reply)", statistics.median(ms), max(ms))
    )
    print("| operation | median ms | max ms |\n|---|---:|---:|")
    for name, med, worst in rows:
        print(f"| {name} | {med:.2f} | {worst:.2f} |")

    async def full_runs() -> None:
        with OpenAIAgentServer() as server:
            for model in ("naive", "hardened"):
                target = OpenAICompatTarget(
                    base_url=server.url + "/v1", model=model, allow_private=True
                )
                start = time.perf_counter()
                run = await run_mode("full", target, options=RunOptions(k=args.k))
                wall = time.perf_counter() - start
                s = run.summary
                requests = len(run.results) * (args.k + 1)
                print(
                    f"full mode vs local {model} agent: {len(run.results)} probes, k={args.k}, "
                    f"{requests} requests in {wall:.2f} s ({requests / wall:.0f} req/s); "
                    f"pass rate {s.pass_rate.value:.2f}, ASR@k {s.asr_at_k:.2f}, "
                    f"utility clean {s.utility_clean:.2f}, "
                    f"under attack {s.utility_under_attack:.2f}"
                )

    asyncio.run(full_runs())


if __name__ == "__main__":
    main()
