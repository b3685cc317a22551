"""Covert-instruction detector: quality and throughput.

Prints precision, recall and false-positive rate on the shared dev set
(../shared/data/mcp/tool_descriptions_dev.jsonl, or $THREATVEC_SHARED_DATA)
and on each split of the project's own cases (tests/vectors/covert_cases.jsonl),
then single-core throughput in tool definitions per second (CPU time of this
process, ``time.process_time``). Only the ``tool`` object of each record is
given to the detector.

Throughput is measured cold (the per-string evidence cache is emptied before
every pass over the corpus, so only repeats inside one pass are served from
it) and warm (a re-scan of definitions already seen, as when monitoring
unchanged servers for rug pulls).

    .venv/bin/python bench/covert.py [--seconds 3] [--misses]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from threatvec.detect.covert import clear_cache, scan_tool  # noqa: E402

SHARED = Path(os.environ.get("THREATVEC_SHARED_DATA", REPO.parent / "shared" / "data"))
DEV = SHARED / "mcp" / "tool_descriptions_dev.jsonl"
CASES = REPO / "tests" / "vectors" / "covert_cases.jsonl"


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def metrics(rows: list[dict[str, Any]], show_misses: bool) -> dict[str, float]:
    tp = fp = fn = tn = 0
    for row in rows:
        predicted = scan_tool(row["tool"]).verdict == "poisoned"
        actual = row["label"] == "poisoned"
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
        tn += not predicted and not actual
        if show_misses and predicted != actual:
            kind = "false negative" if actual else "false positive"
            print(f"    {kind}: {row['id']} ({row.get('technique', '')})")
    return {
        "n": len(rows),
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "fpr": fp / (fp + tn) if fp + tn else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def report(name: str, rows: list[dict[str, Any]], show_misses: bool) -> None:
    m = metrics(rows, show_misses)
    print(
        f"{name:<34} n={m['n']:>3}  precision={m['precision']:.3f}  recall={m['recall']:.3f}  "
        f"FPR={m['fpr']:.3f}  (tp={m['tp']} fp={m['fp']} fn={m['fn']} tn={m['tn']})"
    )


def throughput(tools: list[dict[str, Any]], seconds: float, *, cold: bool) -> float:
    for t in tools:  # warm-up: imports, regex compilation
        scan_tool(t)
    n = 0
    busy = 0.0
    while busy < seconds:
        if cold:
            clear_cache()
        start = time.process_time()
        for t in tools:
            scan_tool(t)
        busy += time.process_time() - start
        n += len(tools)
    return n / busy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--misses", action="store_true", help="list misclassified ids")
    args = parser.parse_args()

    rows_all: list[dict[str, Any]] = []
    if DEV.is_file():
        dev = load(DEV)
        rows_all += dev
        report("dev set (shared)", dev, args.misses)
    else:
        print(f"dev set not found at {DEV}; skipped")
    cases = load(CASES)
    rows_all += cases
    for split in dict.fromkeys(r["split"] for r in cases):
        part = [r for r in cases if r["split"] == split]
        kind = "blind, never tuned" if split.startswith("blind") else "tuned on"
        report(f"own {split} ({kind})", part, args.misses)
    report("own cases, all splits", cases, args.misses)

    tools = [r["tool"] for r in rows_all]
    benign = [r["tool"] for r in rows_all if r["label"] == "benign"]
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for label, corpus in ((f"all {len(tools)}", tools), (f"{len(benign)} benign", benign)):
        rate = throughput(corpus, args.seconds, cold=True)
        print(f"throughput, {label} definitions, cold: {rate:,.0f} definitions/s (1 core)")
    rate = throughput(tools, args.seconds, cold=False)
    print(f"throughput, all {len(tools)} definitions, warm re-scan: {rate:,.0f} definitions/s")


if __name__ == "__main__":
    main()
