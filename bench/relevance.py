"""Benchmark: AI-relevance accuracy on the labelled set, and decisions per second.

Labelled set: the 66 real NVD records in ../shared/data/nvd (labelled by hand
by reading each record) plus the synthetic NVD-shaped records in
tests/vectors/ai_relevance_extra.json (AI products NVD has not analysed yet
and hard negatives: "ray tracing", "Zabbix agent", "Zoho Notebook", "model
attribute", "nginx in front of Ollama", ...). Labels:
tests/vectors/ai_relevance_labels.jsonl.

    .venv/bin/python bench/relevance.py [--show-errors]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = Path(os.environ.get("THREATVEC_SHARED_DATA") or ROOT / ".." / "shared" / "data")
VECTORS = ROOT / "tests" / "vectors"

from threatvec.vulns.nvd import CveRecord, iter_nvd_file  # noqa: E402
from threatvec.vulns.relevance import classify  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show-errors", action="store_true")
    args = ap.parse_args()
    labels = {}
    for line in (VECTORS / "ai_relevance_labels.jsonl").read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            labels[row["id"]] = bool(row["ai_relevant"])
    sets = {
        "real NVD (66)": [
            DATA / "nvd" / "nvd_sample_dev.json",
            DATA / "nvd" / "nvd_sample_dev2.json",
        ],
        "synthetic + hard negatives": [VECTORS / "ai_relevance_extra.json"],
    }
    print("| set | records | accuracy | precision | recall | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    all_recs: list[CveRecord] = []
    totals = [0, 0, 0, 0]  # tp fp tn fn
    for name, files in sets.items():
        recs = [r for f in files for r in iter_nvd_file(f)]
        all_recs.extend(recs)
        tp = fp = tn = fn = 0
        for r in recs:
            d = classify(r)
            truth = labels[r.cve_id]
            if d.ai_relevant and truth:
                tp += 1
            elif d.ai_relevant:
                fp += 1
            elif truth:
                fn += 1
            else:
                tn += 1
            if d.ai_relevant != truth and args.show_errors:
                print(f"  wrong: {r.cve_id} label={truth} -> {d.reason}")
        for i, v in enumerate((tp, fp, tn, fn)):
            totals[i] += v
        _row(name, tp, fp, tn, fn)
    _row("all", *totals)
    loops = 200
    t0 = time.perf_counter()
    for _ in range(loops):
        for r in all_recs:
            classify(r)
    rate = loops * len(all_recs) / (time.perf_counter() - t0)
    print(f"\n{rate:,.0f} decisions/s (single thread)")


def _row(name: str, tp: int, fp: int, tn: int, fn: int) -> None:
    n = tp + fp + tn + fn
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"| {name} | {n} | {(tp + tn) / n:.3f} | {precision:.3f} | {recall:.3f} | {fp + fn} |")


if __name__ == "__main__":
    main()
