"""A first prune of 500 days of red-team runs and MCP scan reports: time, batches, plans.

    .venv/bin/python bench/history_retention.py [--runs 20000] [--results 10] [--days 500] [--no-pg]

Seeds ``--runs`` finished AgentBench runs with ``--results`` results each and as many MCP
scan reports, spread evenly over ``--days`` days (10 orgs, 20 agents each), in a fresh
SQLite file and, when one can be started, a fresh PostgreSQL database; prints the batch
query plans, then runs ``threatvec.retention.history.prune_history`` for every org with
the default 400 days kept (what the hourly ``retention.prune_history`` job does on its
first run after an upgrade) and once more (which should find nothing), timing each and
every batch's DELETE.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench._pg import each_backend, query_plan  # noqa: E402
from bench.jobs_api import NOW  # noqa: E402
from bench.jobs_retention import _timed_deletes  # noqa: E402
from threatvec.mcp.models import McpScan  # noqa: E402
from threatvec.orgs.models import Org  # noqa: E402
from threatvec.redteam.models import RedTeamResult, RedTeamRun  # noqa: E402
from threatvec.retention import history  # noqa: E402
from threatvec.store.engine import make_engine, make_session_factory  # noqa: E402
from threatvec.store.migrate import upgrade  # noqa: E402
from threatvec.store.models import load_all_models  # noqa: E402

ORGS, AGENTS, KEEP_DAYS = 10, 20, 400


def seed(engine: Engine, runs: int, results: int, days: int) -> list[str]:
    """``runs`` runs with their results and ``runs`` scan reports, oldest first; the orgs."""
    orgs = [f"benchorg{i:024d}" for i in range(ORGS)]
    agents = [(o, f"a{o[-6:]}{j:025d}") for o in orgs for j in range(AGENTS)]
    with engine.begin() as conn:
        conn.execute(insert(Org), [{"id": o, "name": o, "key_hash": o} for o in orgs])
    step = timedelta(days=days) / runs
    with engine.begin() as conn:
        for start in range(0, runs, 2_000):
            run_rows, result_rows, scans = [], [], []
            for i in range(start, min(runs, start + 2_000)):
                at = NOW - timedelta(days=days) + step * i
                o, a = agents[i % len(agents)]
                run_id = f"r{i:031d}"
                run_rows.append({
                    "id": run_id, "org_id": o, "agent_id": a, "agent_name": a,
                    "kind": "agentbench", "mode": "quick", "status": "completed", "k": 3,
                    "summary": {"pass_rate": 0.9}, "created_at": at, "updated_at": at,
                    "started_at": at, "finished_at": at + timedelta(minutes=5),
                })  # fmt: skip
                result_rows += [
                    {
                        "id": f"x{i:025d}{j:06d}", "org_id": o, "run_id": run_id, "agent_id": a,
                        "position": j, "probe_id": f"probe-{j}", "family": "pi",
                        "category": "injection", "title": "probe", "channel": "direct",
                        "severity": "high", "verdict": "PASS", "reason": "", "atlas": [],
                        "owasp": [], "evidence": [], "attempts": [], "created_at": at,
                    }
                    for j in range(results)
                ]  # fmt: skip
                scans.append({
                    "id": f"s{i:031d}", "org_id": o, "received_at": at, "rejected": [],
                })  # fmt: skip
            conn.execute(insert(RedTeamRun), run_rows)
            conn.execute(insert(RedTeamResult), result_rows)
            conn.execute(insert(McpScan), scans)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))  # fresh statistics, as autovacuum keeps them
    return orgs


def _plan(session: Session, name: str, org_id: str) -> str:
    """The plan of a batch after the first (with the cursor), as most batches run."""
    after = (NOW - timedelta(days=450), "")
    stmt = history.batch_query(name, org_id, NOW - timedelta(days=KEEP_DAYS), 1000, after)
    return query_plan(session, stmt)


def _prune_all(session: Session, orgs: list[str]) -> dict[str, int]:
    total: dict[str, int] = {}
    for org_id in orgs:
        counts = history.prune_history(session=session, org_id=org_id, keep_days=KEEP_DAYS, now=NOW)
        for name, n in counts.items():
            total[name] = total.get(name, 0) + n
    return total


def run(label: str, url: str, args: argparse.Namespace) -> None:
    load_all_models()
    engine = make_engine(url)
    upgrade(engine)
    t = time.perf_counter()
    orgs = seed(engine, args.runs, args.results, args.days)
    seeded = time.perf_counter() - t
    factory = make_session_factory(engine)
    print(f"\n{label}: {args.runs:,} runs x {args.results} results and {args.runs:,} "
          f"scan reports over {args.days} days, {KEEP_DAYS} kept "
          f"(seeded in {seeded:.0f} s)")  # fmt: skip
    with factory() as s:
        for name in history.HISTORY_TABLES:
            if name not in ("redteam_results", "redteam_cycle_outcomes"):  # by parent id
                print(f"  plan {name}: {_plan(s, name, orgs[0])}")
    deletes = _timed_deletes(engine)
    with factory() as s:
        t = time.perf_counter()
        first = _prune_all(s, orgs)
        first_s = time.perf_counter() - t
        batches = list(deletes)
        t = time.perf_counter()
        again = _prune_all(s, orgs)
        second_ms = (time.perf_counter() - t) * 1000
        left = {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (RedTeamRun, RedTeamResult, McpScan)
        }
    engine.dispose()
    deleted = {k: v for k, v in first.items() if v}
    print(f"  first prune: {sum(first.values()):,} deleted in {first_s:.1f} s {deleted} "
          f"(left {left})")  # fmt: skip
    print(f"  batch DELETEs: {len(batches)}, median {statistics.median(batches or [0]):.1f} ms, "
          f"slowest {max(batches or [0]):.1f} ms")  # fmt: skip
    print(f"  second prune: {sum(again.values())} deleted in {second_ms:.1f} ms "
          f"({ORGS} orgs, {ORGS * AGENTS} agents)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--results", type=int, default=10)
    parser.add_argument("--days", type=int, default=500)
    parser.add_argument("--no-pg", action="store_true")
    args: Any = parser.parse_args()
    for label, url in each_backend(postgres=not args.no_pg):
        run(label, url, args)


if __name__ == "__main__":
    main()
