"""Covert-instruction detector: quality and throughput.

Prints recall / false-positive rate of the rules alone, the learned model
alone and the shipped combination (rules OR model) on the shared dev set
(../shared/data/mcp/tool_descriptions_dev.jsonl, or $THREATVEC_SHARED_DATA)
and on each split of the project's own cases (tests/vectors/covert_cases.jsonl),
then single-core throughput in tool definitions per second (CPU time of this
process, ``time.process_time``). Only the ``tool`` object of each record is
given to the detector.

Throughput is measured cold (the per-string evidence cache is emptied before
every pass over the corpus, so only repeats inside one pass are served from
it) and warm (a re-scan of definitions already seen, as when monitoring
unchanged servers for rug pulls).

    .venv/bin/python bench/covert.py [--seconds 3] [--misses] [--throughput-only]
        [--src DIR] [--cli LINES]

``--src DIR`` imports ``threatvec`` from DIR instead of src/ (e.g. a copy of
the detector from before a change, for a side-by-side run at the same load).
``--cli LINES`` also times ``threatvec detect covert --jsonl`` (a real
subprocess, start-up included) on a file of LINES ``{id, tool}`` records: the
project's own cases repeated, each copy with a unique tool name so the
whole-result cache never hits (repeated strings still hit per-string caches).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# --src is read before the imports below: it decides which detector they load.
_SRC = REPO / "src"
if "--src" in sys.argv[:-1]:
    _SRC = Path(sys.argv[sys.argv.index("--src") + 1]).resolve()
sys.path.insert(0, str(_SRC))

from threatvec.detect._covert_model import load_model  # noqa: E402
from threatvec.detect.covert import clear_cache, rules_only_scan, scan_tool  # noqa: E402

SHARED = Path(os.environ.get("THREATVEC_SHARED_DATA", REPO.parent / "shared" / "data"))
DEV = SHARED / "mcp" / "tool_descriptions_dev.jsonl"
CASES = REPO / "tests" / "vectors" / "covert_cases.jsonl"


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def metrics(rows: list[dict[str, Any]], show_misses: bool) -> dict[str, dict[str, float]]:
    """Recall / FPR of the rules alone, the model alone, and the shipped combination."""
    t = load_model().threshold
    preds: dict[str, list[bool]] = {"rules": [], "model": [], "combined": []}
    for row in rows:
        result = scan_tool(row["tool"])
        preds["rules"].append(rules_only_scan(row["tool"]).verdict == "poisoned")
        preds["model"].append((result.model_probability or 0.0) >= t)
        preds["combined"].append(result.verdict == "poisoned")
        actual = row["label"] == "poisoned"
        if show_misses and preds["combined"][-1] != actual:
            kind = "false negative" if actual else "false positive"
            print(f"    {kind}: {row['id']} ({row.get('technique', '')})")
    out: dict[str, dict[str, float]] = {}
    for name, pred in preds.items():
        tp = sum(p and r["label"] == "poisoned" for p, r in zip(pred, rows, strict=True))
        fp = sum(p and r["label"] != "poisoned" for p, r in zip(pred, rows, strict=True))
        pos = sum(r["label"] == "poisoned" for r in rows)
        neg = len(rows) - pos
        out[name] = {"recall": tp / pos if pos else 1.0, "fpr": fp / neg if neg else 0.0,
                     "tp": tp, "fp": fp, "pos": pos, "neg": neg}  # fmt: skip
    return out


def report(name: str, rows: list[dict[str, Any]], show_misses: bool) -> None:
    m = metrics(rows, show_misses)
    parts = "  ".join(f"{k}={v['recall']:.3f}/{v['fpr']:.3f}" for k, v in m.items())
    c = m["combined"]
    print(f"{name:<34} n={len(rows):>3}  {parts}  (combined tp={c['tp']}/{c['pos']} "
          f"fp={c['fp']}/{c['neg']})")  # fmt: skip


def throughput(
    tools: list[dict[str, Any]], seconds: float, *, cold: bool, scan: Any = scan_tool
) -> float:
    for t in tools:  # warm-up: imports, regex compilation, model file
        scan(t)
    n = 0
    busy = 0.0
    while busy < seconds:
        if cold:
            clear_cache()
        start = time.process_time()
        for t in tools:
            scan(t)
        busy += time.process_time() - start
        n += len(tools)
    return n / busy


def cli_run(cases: list[dict[str, Any]], lines: int) -> tuple[float, float, int]:
    """Wall and child CPU seconds of the CLI on ``lines`` records, and the lines it printed."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tools.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for i in range(lines):
                row = cases[i % len(cases)]
                tool = dict(row["tool"])
                tool["name"] = f"{tool.get('name', 'tool')}_{i}"
                fh.write(json.dumps({"id": f"{row['id']}#{i}", "tool": tool}) + "\n")
        env = {**os.environ, "PYTHONPATH": str(_SRC)}
        before = os.times()
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", "import sys; from threatvec.cli import main; sys.exit(main())",
             "detect", "covert", "--jsonl", str(path)],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        wall = time.perf_counter() - start
        after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu, done.stdout.count("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--misses", action="store_true", help="list misclassified ids")
    parser.add_argument("--throughput-only", action="store_true", help="skip recall / FPR")
    parser.add_argument("--src", type=Path, default=_SRC, help="directory to import threatvec from")
    parser.add_argument("--cli", type=int, default=0, metavar="LINES", help="also time the CLI")
    args = parser.parse_args()
    print(f"detector from {_SRC}")

    rows_all: list[dict[str, Any]] = []
    if DEV.is_file():
        dev = load(DEV)
        rows_all += dev
        if not args.throughput_only:
            report("dev set (shared)", dev, args.misses)
    else:
        print(f"dev set not found at {DEV}; skipped")
    cases = load(CASES)
    rows_all += cases
    for split in dict.fromkeys(r["split"] for r in cases):
        if args.throughput_only:
            break
        part = [r for r in cases if r["split"] == split]
        kind = "blind, never tuned" if split.startswith("blind") else "tuned on"
        report(f"own {split} ({kind})", part, args.misses)
    if not args.throughput_only:
        report("own cases, all splits", cases, args.misses)

    tools = [r["tool"] for r in rows_all]
    benign = [r["tool"] for r in rows_all if r["label"] == "benign"]
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for label, corpus in ((f"all {len(tools)}", tools), (f"{len(benign)} benign", benign)):
        rate = throughput(corpus, args.seconds, cold=True)
        print(f"throughput, {label} definitions, cold: {rate:,.0f} definitions/s (1 core)")
    rate = throughput(tools, args.seconds, cold=True, scan=rules_only_scan)
    print(f"throughput, all {len(tools)} definitions, cold, rules alone: {rate:,.0f} definitions/s")
    unseen = [r["tool"] for r in cases if r["split"].startswith("blind")]
    if unseen:
        # Never trained on: many words are outside the model's vocabulary table.
        rate = throughput(unseen, args.seconds, cold=True)
        print(f"throughput, {len(unseen)} blind definitions, cold: {rate:,.0f} definitions/s")
    rate = throughput(tools, args.seconds, cold=False)
    print(f"throughput, all {len(tools)} definitions, warm re-scan: {rate:,.0f} definitions/s")
    if args.cli > 0:
        wall, cpu, printed = cli_run(cases, args.cli)
        print(f"CLI, {args.cli:,} lines ({printed:,} printed): {wall:.1f} s wall, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
