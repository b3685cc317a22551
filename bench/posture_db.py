"""Posture recompute on a real database: full, and incremental after one event.

Data per org: 10,000 agents (with 30 days of usage and 7 days of activity
rollups), 1,000 scored MCP servers, 200 shadow AI services with 1,000,000
shadow events. Measured on SQLite and on PostgreSQL (a throwaway server from
tools/pg_temp.sh, or THREATVEC_BENCH_PG_URL), in the same run:

* full recompute: every provider recomputes its dimension, the composite is
  stored as a snapshot (`posture.service.recompute(changed=None)`);
  "cold" forgets what the Agent provider kept before each run (every agent is
  re-scored, as in a fresh process); "warm" keeps it (agents whose facts did
  not change keep their score, as in the server's hourly recompute);
* incremental: one agent event goes through the real ingest path
  (`ingest.service.store_agent_events`) and is committed; the commit hook marks
  the agent; the recompute re-scores that agent only and reuses the other
  dimensions from the latest snapshot (what the debounced recomputer does).

With ``--before-src DIR`` the full recompute is also timed, on the same data
in the same run, by another checkout's code (``DIR/src``), e.g. the last
commit: ``git archive HEAD src | tar -x -C /tmp/before``.

    .venv/bin/python bench/posture_db.py [--agents 10000] [--servers 1000]
                                         [--events 1000000] [--runs 5] [--no-pg]
                                         [--before-src DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from _pg import fresh_postgres_database  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from tests.conftest import create_org, make_migrated_engine  # noqa: E402

from threatvec.agents.models import Agent, AgentActivity, AgentUsage  # noqa: E402
from threatvec.core.clock import utcnow  # noqa: E402
from threatvec.ingest.service import store_agent_events, validate_events  # noqa: E402
from threatvec.mcp.models import McpServer  # noqa: E402
from threatvec.posture import recompute as debounce  # noqa: E402
from threatvec.posture import service  # noqa: E402
from threatvec.sdk.events import format_timestamp  # noqa: E402
from threatvec.shadow.models import ShadowEvent, ShadowService  # noqa: E402
from threatvec.store.engine import make_session_factory, session_scope  # noqa: E402

TOOLS = [
    "crm_lookup",
    "kb_search",
    "send_email",
    "web_fetch",
    "query_db",
    "run_shell",
    "read_file",
    "post_slack_message",
    "summarise",
    "translate",
]
RULES = [
    "token_budget",
    "pii_redaction",
    "prompt_injection_guard",
    "tool_allowlist",
    "egress_allowlist",
    "output_filtering",
    "secret_scanning",
]
BATCH = 10_000


def _bulk(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[i : i + BATCH])


def seed(factory: Any, org_id: str, *, agents: int, servers: int, events: int) -> list[str]:
    rnd = random.Random(7)
    now = utcnow()
    today = now.date()
    ids = [uuid.uuid4().hex for _ in range(agents)]
    legs = ("private_data", "untrusted_content", "external_comms")
    with session_scope(factory) as s:
        _bulk(
            s,
            Agent,
            [
                {
                    "id": aid,
                    "org_id": org_id,
                    "name": f"agent-{i:05d}",
                    "source": "sdk",
                    "registered": i % 2 == 0,
                    "capabilities": {leg: True for leg in legs[: i % 4]},
                    "rules": RULES[: i % 5],
                    "frameworks": [],
                    "integrations": [],
                    "capture_content": False,
                    "first_seen": now - timedelta(days=40),
                    "last_seen": now,
                    "events_total": 100,
                    "created_at": now,
                    "updated_at": now,
                }
                for i, aid in enumerate(ids)
            ],
        )
        usage, activity = [], []
        for i, aid in enumerate(ids):
            tools = rnd.sample(TOOLS, 3)
            for day_ago in (20, 10, 0):
                day = today - timedelta(days=day_ago)
                for facet, item in [("tool", t) for t in tools] + [
                    ("model", "gpt-4o"),
                    ("destination", f"api{i % 50}.example.com"),
                ]:
                    usage.append(
                        {
                            "org_id": org_id,
                            "agent_id": aid,
                            "facet": facet,
                            "item": item,
                            "day": day,
                            "count": 5,
                            "last_seen": now,
                        }
                    )
            for day_ago in range(7):
                activity.append(
                    {
                        "org_id": org_id,
                        "agent_id": aid,
                        "day": today - timedelta(days=day_ago),
                        "events": 20,
                        "clean": 19,
                        "pii": int(i % 3 == 0),
                        "injection": 0,
                        "secrets": 0,
                        "blocked": 1 if i % 7 == 0 else 0,
                        "errors": 0,
                    }
                )
        _bulk(s, AgentUsage, usage)
        _bulk(s, AgentActivity, activity)
        _bulk(
            s,
            McpServer,
            [
                {
                    "id": uuid.uuid4().hex,
                    "org_id": org_id,
                    "identity_key": f"mcp:{j:032x}",
                    "name": f"server-{j:04d}",
                    "transport": "stdio",
                    "target": "",
                    "labels": [],
                    "identity": {},
                    "groups": [],
                    "trust": {},
                    "score": sc,
                    "score_rank": sc,
                    "score_parts": {
                        "integrity": {"points": min(35, sc * 0.35), "max": 35, "evidence": []},
                        "covert": {"points": min(35, sc * 0.35), "max": 35, "evidence": []},
                        "catalog_trust": {"points": min(15, sc * 0.15), "max": 15, "evidence": []},
                        "schema_stability": {
                            "points": min(15, sc * 0.15),
                            "max": 15,
                            "evidence": [],
                        },
                    },
                    "created_at": now,
                    "updated_at": now,
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
                for j in range(servers)
                for sc in [rnd.choice((100, 92, 85, 70, 60, 45, 30))]
            ],
        )
        services = [uuid.uuid4().hex for _ in range(200)]
        per = events // len(services)
        _bulk(
            s,
            ShadowService,
            [
                {
                    "id": sid,
                    "org_id": org_id,
                    "domain": f"ai{k}.example.net",
                    "name": f"AI {k}",
                    "category": "chat",
                    "kind": "consumer",
                    "known": k % 3 != 0,
                    "source": "extension",
                    "first_seen": now - timedelta(days=20),
                    "last_seen": now,
                    "events": per,
                    "visits": per,
                    "pastes": 0,
                    "uploads": 0,
                    "submits": 0,
                    "pii_uploads": 2 if k % 10 == 0 else 0,
                    "users": 5,
                    "risk": "MEDIUM",
                    "risk_rank": 2,
                    "risk_reasons": [],
                    "registered": k % 4 == 0,
                    "approved": k % 4 == 0,
                    "created_at": now,
                }
                for k, sid in enumerate(services)
            ],
        )
    # events in their own transactions, so no single transaction holds a million rows
    made = 0
    while made < events:
        with session_scope(factory) as s:
            n = min(100_000, events - made)
            _bulk(
                s,
                ShadowEvent,
                [
                    {
                        "org_id": org_id,
                        "event_id": f"{made + e:036d}",
                        "service_id": services[(made + e) % len(services)],
                        "domain": "ai.example.net",
                        "event_type": "visit",
                        "pii_categories": [],
                        "pii_counts": {},
                        "occurred_at": now - timedelta(minutes=(made + e) % 40000),
                        "received_at": now,
                        "unknown_service": False,
                        "source": "extension",
                        "signals": {},
                    }
                    for e in range(n)
                ],
            )
            made += n
    return ids


def one_event(factory: Any, org_id: str, agent_name: str) -> None:
    raw = [
        {
            "event_id": uuid.uuid4().hex,
            "type": "tool.call",
            "timestamp": format_timestamp(time.time()),
            "attributes": {
                "tool_name": "send_email",
                "destination_host": "smtp.example.com",
                "outcome": "ok",
                "latency_ms": 12.0,
                "source": "manual",
            },
        }
    ]
    good, bad = validate_events(raw, now=utcnow())
    assert not bad, bad
    with session_scope(factory) as s:
        store_agent_events(
            session=s,
            org_id=org_id,
            agent_name=agent_name,
            instance_id=None,
            events=good,
            source="sdk",
        )


Row = tuple[str, str, float, float]


def _forget_agent_scores() -> None:
    """Drop what the Agent provider kept, so the next full recompute starts cold."""
    from threatvec.posture.providers import registry

    provider = registry.get("agent")
    inner = getattr(provider, "_load", lambda: provider)()
    forget = getattr(inner, "forget", None)
    if forget is not None:
        forget()


def time_full(factory: Any, org_id: str, runs: int, *, cold: bool) -> tuple[float, float, Any]:
    """Median wall and CPU ms of `runs` full recomputes (and the last snapshot)."""
    wall: list[float] = []
    cpu: list[float] = []
    snap = None
    for _ in range(runs):
        if cold:
            _forget_agent_scores()
        with session_scope(factory) as s:
            t, c = time.perf_counter(), time.process_time()
            snap = service.recompute(session=s, org_id=org_id, trigger="bench")
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu), snap


def time_before(src: str, url: str, org_id: str, runs: int) -> tuple[float, float]:
    """The full recompute timed by another checkout's code, in a child process."""
    env = {**os.environ, "PYTHONPATH": str(Path(src) / "src")}
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, org_id, "--runs", str(runs)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    return float(got["wall"]), float(got["cpu"])


def run_backend(name: str, url: str, args: argparse.Namespace) -> list[Row]:
    engine = make_migrated_engine(url)
    factory = make_session_factory(engine)
    org = create_org(factory, f"bench-{uuid.uuid4().hex[:6]}")
    t0 = time.perf_counter()
    seed(factory, org.id, agents=args.agents, servers=args.servers, events=args.events)
    print(f"{name}: seeded in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    rows: list[Row] = []
    if args.before_src:
        wall, cpu = time_before(args.before_src, url, org.id, args.runs)
        rows.append((name, "full recompute, before (--before-src code)", wall, cpu))
    wall, cpu, snap = time_full(factory, org.id, args.runs, cold=True)
    rows.append((name, "full recompute, cold (every agent re-scored)", wall, cpu))
    wall, cpu, snap = time_full(factory, org.id, args.runs, cold=False)
    rows.append((name, "full recompute, warm (unchanged agents keep their score)", wall, cpu))
    values = {k: (None if v is None else round(v, 1)) for k, v in snap.values.items()}
    print(f"{name}: composite {snap.composite:.1f}, dimensions {values}", file=sys.stderr)
    assert all(v is not None for v in values.values()), "a dimension had no data"
    # the recomputer the server runs; its worker is not started, we drive it by hand
    rec = debounce.Recomputer(factory, quiet_s=3600, max_wait_s=3600)
    key = id(engine)
    debounce._BY_ENGINE[key] = (engine, rec, 1)
    inc, inc_cpu, ingest_ms = [], [], []
    try:
        for i in range(args.runs * 4):
            t = time.perf_counter()
            one_event(factory, org.id, f"agent-{(i * 37) % args.agents:05d}")
            ingest_ms.append((time.perf_counter() - t) * 1000)
            changed = rec.take(org.id)
            assert changed is not None and changed.get("agent"), changed
            with session_scope(factory) as s:
                t, c = time.perf_counter(), time.process_time()
                service.recompute(session=s, org_id=org.id, trigger="change", changed=changed)
                inc.append((time.perf_counter() - t) * 1000)
                inc_cpu.append((time.process_time() - c) * 1000)
    finally:
        debounce._BY_ENGINE.pop(key, None)
    rows.append(
        (
            name,
            "incremental recompute after one agent event",
            statistics.median(inc),
            statistics.median(inc_cpu),
        )
    )
    rows.append(
        (name, "(ingest of that one event, for scale)", statistics.median(ingest_ms), float("nan"))
    )
    for _, label, ms, cpu in rows:
        print(f"{name}: {label}: {ms:.1f} ms wall, {cpu:.1f} ms CPU", file=sys.stderr, flush=True)
    engine.dispose()
    return rows


def child(url: str, org_id: str, runs: int) -> None:
    """--child: time full recomputes of an already seeded org with whatever code is importable."""
    from threatvec.store.engine import make_engine

    engine = make_engine(url)
    wall, cpu, _ = time_full(make_session_factory(engine), org_id, runs, cold=False)
    engine.dispose()
    print(json.dumps({"wall": wall, "cpu": cpu}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=1_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--before-src", help="another checkout to time the full recompute with")
    parser.add_argument("--child", nargs=2, metavar=("URL", "ORG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.getLogger("threatvec").setLevel(logging.WARNING)
    if args.child:
        child(args.child[0], args.child[1], args.runs)
        return
    rows = run_backend("SQLite", f"sqlite:///{tempfile.mkdtemp()}/bench.db", args)
    if not args.no_pg:
        with fresh_postgres_database() as url:
            if url:
                rows += run_backend("PostgreSQL", url, args)
    print(
        f"| store | operation | wall ms | client CPU ms |  ({args.agents} agents, "
        f"{args.servers} MCP servers, {args.events} shadow events; median of {args.runs})"
    )
    print("|---|---|---:|---:|")
    for backend, label, ms, cpu in rows:
        print(f"| {backend} | {label} | {ms:.1f} | {cpu:.1f} |")


if __name__ == "__main__":
    main()
