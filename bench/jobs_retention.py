"""A first prune of a large job_runs table: how long, and the longest batch.

    .venv/bin/python bench/jobs_retention.py [--runs 400000] [--days 40] [--no-pg]

Seeds ``--runs`` finished runs spread evenly over ``--days`` days (the alert jobs'
mix: per-org jobs for 20 orgs and the global ones, one in 50 an error) in a fresh
SQLite file and, when one can be started, a fresh PostgreSQL database; then runs
``jobs.retention.prune_runs`` with the default 30 days kept, timing the whole prune
and each batch's DELETE, and a second prune (which should find nothing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, event, func, select  # noqa: E402

from bench._pg import each_backend  # noqa: E402
from bench.jobs_api import NOW, seed  # noqa: E402
from threatvec.jobs.models import JobRun  # noqa: E402
from threatvec.jobs.retention import prune_runs  # noqa: E402
from threatvec.store.engine import make_engine, make_session_factory  # noqa: E402
from threatvec.store.migrate import upgrade  # noqa: E402


def _timed_deletes(engine: Engine) -> list[float]:
    """Wall time of every DELETE the engine runs from now on (ms)."""
    times: list[float] = []
    started: dict[int, float] = {}

    def before(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            started[id(cursor)] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        t = started.pop(id(cursor), None)
        if t is not None:
            times.append((time.perf_counter() - t) * 1000)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    return times


def run(label: str, url: str, args: argparse.Namespace) -> None:
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, args.runs, 20, span_s=args.days * 86400)
    factory = make_session_factory(engine)
    deletes = _timed_deletes(engine)
    with factory() as s:
        t = time.perf_counter()
        deleted = prune_runs(s, keep_days=30, now=NOW)
        first = time.perf_counter() - t
        t = time.perf_counter()
        again = prune_runs(s, keep_days=30, now=NOW)
        second = (time.perf_counter() - t) * 1000
        left = s.scalar(select(func.count()).select_from(JobRun))
    engine.dispose()
    print(f"\n{label}: {args.runs:,} runs over {args.days} days, 30 kept")
    print(f"  first prune: {deleted:,} deleted in {first:.1f} s ({left:,} left)")
    print(f"  batch DELETEs: {len(deletes)}, median {statistics.median(deletes or [0]):.1f} ms, "
          f"slowest {max(deletes or [0]):.1f} ms")  # fmt: skip
    print(f"  second prune: {again} deleted in {second:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400_000)
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    for label, url in each_backend(postgres=not args.no_pg):
        run(label, url, args)


if __name__ == "__main__":
    main()
