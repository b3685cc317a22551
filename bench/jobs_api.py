"""The jobs API's reads on a large job_runs table, with and without its lookup indexes.

    .venv/bin/python bench/jobs_api.py [--runs 256000] [--orgs 20] [--rounds 3] [--no-pg]

Seeds ``--runs`` finished runs (``--orgs`` orgs; the per-org jobs for every org and
the global ones, 30 s apart, one in 50 an error) into a fresh SQLite file and, when
one can be started, a fresh PostgreSQL database. Then, alternating for ``--rounds``
rounds on the same rows: the schema at jobs_0001 (the job-name index only) and at
head (jobs_0002/0003: (job, started_at), (job, outcome, started_at), (org_id,
started_at)), timing what `GET /api/v1/jobs` and `GET /api/v1/jobs/runs` read
(jobs.service, the same code both times: only the indexes differ). Prints the median
of 5 calls per measurement, in milliseconds, after ANALYZE (as autovacuum would).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from sqlalchemy import Engine, insert, text  # noqa: E402

from bench._pg import each_backend  # noqa: E402
from threatvec.core.pagination import PageParams  # noqa: E402
from threatvec.jobs import service  # noqa: E402
from threatvec.jobs.models import JobRun  # noqa: E402
from threatvec.jobs.registry import load_all_jobs  # noqa: E402
from threatvec.orgs.models import Org  # noqa: E402
from threatvec.store.engine import make_engine, make_session_factory  # noqa: E402
from threatvec.store.migrate import alembic_config, upgrade  # noqa: E402

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def seed(engine: Engine, runs: int, orgs: int, *, span_s: float | None = None) -> str:
    """``runs`` finished runs over ``orgs`` orgs; the id of the org the reads are made as.

    One tick (every job once) each 30 s back from NOW, or spread over ``span_s``.
    """
    org_ids = [f"benchorg{i:024d}" for i in range(orgs)]
    jobs = load_all_jobs()
    per_org = sorted(n for n, j in jobs.items() if j.per_org)
    shared = sorted(n for n, j in jobs.items() if not j.per_org)
    # One tick: every per-org job for every org, and every global job.
    tick = [(name, org) for name in per_org for org in org_ids] + [(n, None) for n in shared]
    step_s = 30.0 if span_s is None else span_s / max(1, runs // len(tick))
    rows: list[dict[str, Any]] = []
    with engine.begin() as conn:
        conn.execute(insert(Org), [{"id": o, "name": o, "key_hash": o} for o in org_ids])
        i = 0
        while i < runs:
            at = NOW - timedelta(seconds=step_s * (i // len(tick)))
            name, org = tick[i % len(tick)]
            rows.append({
                "id": f"r{i:031d}", "job": name, "org_id": org, "started_at": at,
                "finished_at": at + timedelta(seconds=1), "trigger": "schedule",
                "outcome": "error" if i % 50 == 0 else "ok", "detail": {},
                "error": "HTTPError: 503" if i % 50 == 0 else None,
            })  # fmt: skip
            i += 1
            if len(rows) == 10_000:
                conn.execute(insert(JobRun), rows)
                rows = []
        if rows:
            conn.execute(insert(JobRun), rows)
    return org_ids[0]


def _at(engine: Engine, revision: str) -> None:
    """The schema at ``revision``, with fresh planner statistics (as autovacuum keeps them)."""
    if revision == "heads":
        upgrade(engine)
    else:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE job_runs" if engine.dialect.name == "postgresql" else "ANALYZE"))


def _median_ms(call: Callable[[], object]) -> float:
    times = []
    for _ in range(5):
        t = time.perf_counter()
        call()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def measure(engine: Engine, org_id: str) -> dict[str, float]:
    factory = make_session_factory(engine)
    error_job = next(n for n, j in sorted(load_all_jobs().items()) if not j.per_org)

    def with_session(fn: Callable[..., object], **kw: Any) -> Callable[[], object]:
        def call() -> object:
            with factory() as s:
                return fn(session=s, org_id=org_id, **kw)

        return call

    return {
        "GET /jobs": _median_ms(with_session(service.job_states)),
        "GET /jobs/runs (first page)": _median_ms(
            with_session(service.list_run_page, page=PageParams(limit=50))
        ),
        f"GET /jobs/runs?job={error_job}&outcome=error": _median_ms(
            with_session(
                service.list_run_page, page=PageParams(limit=50), job=error_job, outcome="error"
            )
        ),
    }


def run(label: str, url: str, args: argparse.Namespace) -> None:
    engine = make_engine(url)
    upgrade(engine)
    org_id = seed(engine, args.runs, args.orgs)
    results: dict[str, dict[str, list[float]]] = {"jobs_0001": {}, "head": {}}
    for rnd in range(args.rounds):
        order = ("jobs_0001", "head") if rnd % 2 == 0 else ("head", "jobs_0001")
        for schema in order:
            _at(engine, "jobs_0001" if schema == "jobs_0001" else "heads")
            for name, ms in measure(engine, org_id).items():
                results[schema].setdefault(name, []).append(ms)
    engine.dispose()
    print(f"\n{label}: {args.runs:,} runs, {args.orgs} orgs, median of {args.rounds} rounds (ms)")
    print("| read | jobs_0001 | head |\n|---|---:|---:|")
    for name in results["head"]:
        old = statistics.median(results["jobs_0001"][name])
        new = statistics.median(results["head"][name])
        print(f"| {name} | {old:.1f} | {new:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=256_000)
    parser.add_argument("--orgs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    for label, url in each_backend(sqlite=not args.no_sqlite, postgres=not args.no_pg):
        run(label, url, args)


if __name__ == "__main__":
    main()
