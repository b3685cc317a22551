"""A first prune of a year and a half of raw events: how long, the longest batch, the plans.

    .venv/bin/python bench/events_retention.py [--events 200000] [--days 500] [--no-pg]

Seeds ``--events`` shadow_events and as many agent_events spread evenly over ``--days``
days (10 orgs, 20 agents and 5 services each) in a fresh SQLite file and, when one can
be started, a fresh PostgreSQL database; prints each raw table's batch query plan, then
runs ``threatvec.retention.prune_events`` for every org with the default 400 days kept
(what the hourly ``retention.prune_events`` job does on its first run after an upgrade)
and once more (which should find nothing), timing each and every batch's DELETE.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
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
from threatvec.agents.models import Agent, AgentEvent  # noqa: E402
from threatvec.orgs.models import Org  # noqa: E402
from threatvec.retention import service  # noqa: E402
from threatvec.shadow.models import ShadowEvent, ShadowService  # noqa: E402
from threatvec.store.engine import make_engine, make_session_factory  # noqa: E402
from threatvec.store.migrate import upgrade  # noqa: E402
from threatvec.store.models import load_all_models  # noqa: E402

ORGS, AGENTS, SERVICES, KEEP_DAYS = 10, 20, 5, 400


def _parents(engine: Engine) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    orgs = [f"benchorg{i:024d}" for i in range(ORGS)]
    agents = [(o, f"a{o[-6:]}{j:025d}") for o in orgs for j in range(AGENTS)]
    services = [(o, f"s{o[-6:]}{j:025d}") for o in orgs for j in range(SERVICES)]
    with engine.begin() as conn:
        conn.execute(insert(Org), [{"id": o, "name": o, "key_hash": o} for o in orgs])
        conn.execute(insert(Agent), [{"id": a, "org_id": o, "name": a} for o, a in agents])
        conn.execute(
            insert(ShadowService),
            [
                {"id": s, "org_id": o, "domain": f"{s}.example", "name": s,
                 "first_seen": NOW, "last_seen": NOW}
                for o, s in services
            ],
        )  # fmt: skip
    return orgs, agents, services


def seed(engine: Engine, events: int, days: int) -> list[str]:
    """``events`` shadow and agent events each, oldest first (as they arrived); the orgs."""
    orgs, agents, services = _parents(engine)
    step = timedelta(days=days) / events
    with engine.begin() as conn:
        for start in range(0, events, 10_000):
            shadow, agent = [], []
            for i in range(start, min(events, start + 10_000)):
                at = NOW - timedelta(days=days) + step * i
                o, s = services[i % len(services)]
                shadow.append({
                    "org_id": o, "event_id": str(uuid.uuid4()), "service_id": s,
                    "domain": f"{s}.example", "event_type": "visit", "occurred_at": at,
                    "received_at": at, "pii_categories": [], "pii_counts": {}, "signals": {},
                    "unknown_service": False, "source": "extension",
                })  # fmt: skip
                o, a = agents[i % len(agents)]
                agent.append({
                    "org_id": o, "event_id": uuid.uuid4().hex, "agent_id": a,
                    "type": "tool.call", "ts": at, "received_at": at, "flags": [],
                    "attributes": {"tool": "search"},
                })  # fmt: skip
            conn.execute(insert(ShadowEvent), shadow)
            conn.execute(insert(AgentEvent), agent)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))  # fresh statistics, as autovacuum keeps them
    return orgs


def _plan(session: Session, table: service.RawTable, org_id: str) -> str:
    """The plan of a batch after the first (with the cursor), as most batches run."""
    found = service.groups(session, table, org_id)
    group = found[0] if found else "none"
    pk = table.model.__mapper__.primary_key[0]
    last_id: Any = 0 if pk.type.python_type is int else ""
    after = (NOW - timedelta(days=450), last_id)
    stmt = service.batch_query(
        table, org_id, group, NOW - timedelta(days=KEEP_DAYS), 1000, after=after
    )
    return query_plan(session, stmt)


def _prune_all(session: Session, orgs: list[str]) -> dict[str, int]:
    total: dict[str, int] = {}
    for org_id in orgs:
        counts = service.prune_events(session=session, org_id=org_id, keep_days=KEEP_DAYS, now=NOW)
        for name, n in counts.items():
            total[name] = total.get(name, 0) + n
    return total


def run(label: str, url: str, args: argparse.Namespace) -> None:
    load_all_models()
    engine = make_engine(url)
    upgrade(engine)
    t = time.perf_counter()
    orgs = seed(engine, args.events, args.days)
    seeded = time.perf_counter() - t
    factory = make_session_factory(engine)
    print(f"\n{label}: {args.events:,} shadow + {args.events:,} agent events over "
          f"{args.days} days, {KEEP_DAYS} kept (seeded in {seeded:.0f} s)")  # fmt: skip
    with factory() as s:
        for table in service.TABLES:
            print(f"  plan {table.name}: {_plan(s, table, orgs[0])}")
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
            for m in (ShadowEvent, AgentEvent)
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
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=500)
    parser.add_argument("--no-pg", action="store_true")
    args: Any = parser.parse_args()
    for label, url in each_backend(postgres=not args.no_pg):
        run(label, url, args)


if __name__ == "__main__":
    main()
