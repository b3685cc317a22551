"""Caller-side cost of `ThreatVec.record_mcp_use`: what the agent's thread pays per call.

    .venv/bin/python bench/sdk_mcp_hook.py [--calls 200]

A real SDK client ships to a local stdlib HTTP server that accepts every batch;
only the call itself is timed (the worker's conversion and sending run on its
own thread). Tool definitions are the MCP SDK's own `mcp.types.Tool` models
when it is installed (pydantic models, as `ClientSession.list_tools` returns),
otherwise plain dicts.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sdk import ingest_server  # bench/ is on the path when run as a script
from threatvec import ThreatVec


def tools(n: int) -> list[Any]:
    schema = {
        "type": "object",
        "properties": {f"arg{i}": {"type": "string", "description": "x" * 80} for i in range(20)},
        "required": ["arg0"],
    }
    try:
        from mcp.types import Tool

        return [Tool(name=f"tool{i}", description="d" * 400, inputSchema=schema) for i in range(n)]
    except ImportError:
        return [
            {"name": f"tool{i}", "description": "d" * 400, "inputSchema": schema} for i in range(n)
        ]


def time_calls(call: Callable[[], None], n: int) -> list[int]:
    samples = [0] * n
    gc.disable()
    try:
        for i in range(n):
            start = time.perf_counter_ns()
            call()
            samples[i] = time.perf_counter_ns() - start
    finally:
        gc.enable()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    server = ingest_server()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    tv = ThreatVec(server_url=url, agent_name="bench", integrations=False).start()
    names = [f"tool{i}" for i in range(1_000_000)]
    info = {f"k{i}": i for i in range(100_000)}
    cases: list[tuple[str, Callable[[], None], int]] = [
        ("2 tool names", lambda: tv.record_mcp_use("s", tools_listed=["a", "b"]), args.calls),
        ("50 Tool models", lambda t=tools(50): tv.record_mcp_use("s", tools_listed=t), args.calls),
        ("500 Tool models", lambda t=tools(500): tv.record_mcp_use("s", tools_listed=t), 40),
        ("1,000,000 tool names", lambda: tv.record_mcp_use("s", tools_listed=names), 40),
        ("server_info, 100,000 keys", lambda: tv.record_mcp_use("s", server_info=info), 40),
    ]
    print("| arguments | calls | median µs | p99 µs |")
    print("|---|---:|---:|---:|")
    for label, call, n in cases:
        samples = sorted(time_calls(call, n))
        tv.flush(60)  # the worker's share, outside the timed calls
        p99 = samples[max(0, int(len(samples) * 0.99) - 1)]
        print(f"| {label} | {n} | {statistics.median(samples) / 1000:,.1f} | {p99 / 1000:,.1f} |")
    tv.stop(timeout=10)
    server.shutdown()


if __name__ == "__main__":
    main()
