"""MCP scan speed: one real stdio server end to end, and the offline analysis per tool.

    .venv/bin/python bench/mcp_scan.py [--rounds 5]

1. wall time of `scan_servers_sync` on the test benign server over stdio
   (process start, negotiation, listing) — median of N rounds;
2. the same for 4 servers at concurrency 4;
3. offline analysis (pins, labels, covert detector, diff against itself) of
   the tool definitions in ../shared/data/mcp/tool_descriptions_dev.jsonl,
   in tool definitions per second on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from threatvec.mcp.analysis import covert_findings  # noqa: E402
from threatvec.mcp.diff import diff_snapshots  # noqa: E402
from threatvec.mcp.labels import label_tools  # noqa: E402
from threatvec.mcp.scanner import scan_servers_sync  # noqa: E402
from threatvec.mcp.snapshot import ServerSnapshot  # noqa: E402
from threatvec.mcp.spec import ServerSpec  # noqa: E402

DATA = Path(os.environ.get("THREATVEC_SHARED_DATA", REPO.parent / "shared" / "data"))


def _spec(i: int = 0) -> ServerSpec:
    script = REPO / "tests" / "mcp" / "servers" / "benign.py"
    return ServerSpec(name=f"b{i}", transport="stdio", command=sys.executable, args=(str(script),))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    one: list[float] = []
    four: list[float] = []
    for _ in range(args.rounds):
        t = time.perf_counter()
        [o] = scan_servers_sync([_spec()], allow_stdio=True)
        one.append(time.perf_counter() - t)
        assert o.status == "ok", o.error
        t = time.perf_counter()
        outs = scan_servers_sync([_spec(i) for i in range(4)], allow_stdio=True, concurrency=4)
        four.append(time.perf_counter() - t)
        assert all(o.status == "ok" for o in outs)
    print(f"1 stdio server: median {statistics.median(one):.2f} s over {args.rounds} rounds")
    print(f"4 stdio servers, concurrency 4: median {statistics.median(four):.2f} s")

    path = DATA / "mcp" / "tool_descriptions_dev.jsonl"
    if not path.exists():
        print(f"skip offline analysis: {path} missing")
        return
    tools = [json.loads(line)["tool"] for line in path.read_text().splitlines() if line.strip()]
    seen: set[str] = set()
    unique = [t for t in tools if not (t["name"] in seen or seen.add(t["name"]))]
    snap = ServerSnapshot(tools=unique)
    reps = 20
    t = time.perf_counter()
    for _ in range(reps):
        covert_findings(snap)
        label_tools("s", "k", snap.tools)
        diff_snapshots(snap.to_dict(), snap, approved=True)
    elapsed = time.perf_counter() - t
    rate = reps * len(unique) / elapsed
    print(f"offline analysis: {len(unique)} tools x {reps}: {rate:,.0f} tool definitions/s")


if __name__ == "__main__":
    main()
