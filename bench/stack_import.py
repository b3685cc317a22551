"""Benchmark: a 10,000-row tech-stack import (the CVE-exposure stack upload).

Builds a fresh SQLite database (or uses ``--pg-url``), stores the shared NVD
samples (../shared/data/nvd), creates an org, and imports a CSV stack of N rows
(default 10,000: the real library names the CVEs mention, then made-up
``library<i>`` rows) the way ``POST /api/v1/tech-stack/import`` does. It prints
the wall time of the whole import and of its phases, and for the progress
job (``--progress``) how many progress updates a poller could see.

    .venv/bin/python bench/stack_import.py [--rows 10000] [--repeat 3]
        [--pg-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = Path(os.environ.get("THREATVEC_SHARED_DATA") or ROOT / ".." / "shared" / "data")

REAL = ["langchain", "transformers", "torch", "mlflow", "gradio", "ollama", "llama-index"]


def stack_csv(rows: int) -> bytes:
    lines = ["technology,version,vendor,asset_count"]
    for i in range(rows):
        name = REAL[i] if i < len(REAL) else f"library{i}"
        lines.append(f"{name},1.{i % 50}.{i % 7},Vendor {i % 90},{1 + i % 9}")
    return ("\n".join(lines) + "\n").encode()


def prepare(url: str) -> tuple[object, str]:
    from threatvec.orgs import service as orgs
    from threatvec.store.engine import make_engine, make_session_factory, session_scope
    from threatvec.store.migrate import upgrade
    from threatvec.store.models import load_all_models
    from threatvec.vulns.ingest import store_nvd_records
    from threatvec.vulns.nvd import iter_nvd_file

    load_all_models()
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    records = []
    for name in ("nvd_sample_dev.json", "nvd_sample_dev2.json"):
        records.extend(iter_nvd_file(str(DATA / "nvd" / name)))
    with session_scope(factory) as s:
        org, _ = orgs.create_org(session=s, name=f"bench-{time.time_ns()}")
        org_id = org.id
        store_nvd_records(s, records)
    return factory, org_id


def run_once(factory: object, org_id: str, data: bytes, *, progress: bool) -> dict[str, float]:
    from threatvec.store.engine import session_scope
    from threatvec.vulns import stack_service

    seen: list[int] = []
    t0 = time.perf_counter()
    with session_scope(factory) as s:  # type: ignore[arg-type]
        kwargs = {"progress": lambda done, total: seen.append(done)} if progress else {}
        result = stack_service.import_stack(session=s, org_id=org_id, data=data, **kwargs)
        # Undo, so each repeat imports the same rows into the same empty stack.
        elapsed = time.perf_counter() - t0
        s.rollback()
    return {"seconds": elapsed, "rows": result.rows, "updates": len(seen)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pg-url")
    ap.add_argument("--progress", action="store_true", help="pass a progress callback")
    ap.add_argument("--profile", action="store_true", help="print the top functions")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg_url or f"sqlite:///{tmp}/bench.db"
        factory, org_id = prepare(url)
        data = stack_csv(args.rows)
        runs = []
        for _ in range(args.repeat):
            if args.profile:
                prof = cProfile.Profile()
                prof.enable()
            runs.append(run_once(factory, org_id, data, progress=args.progress))
            if args.profile:
                prof.disable()
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
                print(out.getvalue())
        secs = [r["seconds"] for r in runs]
        print(
            json.dumps(
                {
                    "store": "postgres" if args.pg_url else "sqlite",
                    "rows": runs[0]["rows"],
                    "median_s": round(statistics.median(secs), 2),
                    "runs_s": [round(x, 2) for x in secs],
                    "progress_updates": runs[0]["updates"],
                }
            )
        )


if __name__ == "__main__":
    main()
