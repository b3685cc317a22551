"""Ingest throughput and latency (batches of 500) vs a plain bulk insert, SQLite and PostgreSQL.

For each store, in the same run:

* **ingest**: gzip batches of 500 SDK-shaped events (tool, LLM, MCP calls, some
  with detector verdicts) POSTed to /api/v1/ingest on the real server (uvicorn,
  real HTTP) by `--clients` threads: events/s and per-request p50/p99;
* **plain insert**: the same rows (`agent_events` columns, fresh ids) written with
  one multi-row INSERT per 500 and a commit, through the same driver
  (SQLAlchemy Core on sqlite3 / psycopg 3), by the same number of threads.

    .venv/bin/python bench/ingest.py [--batches 200] [--clients 4]

PostgreSQL: THREATVEC_BENCH_PG_URL (an admin URL), or a throwaway server from
tools/pg_temp.sh.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import LiveServer, create_org, free_port, make_migrated_engine  # noqa: E402
from tests.ingest.wire import batch, llm, mcp, tool  # noqa: E402

from bench._load import post_concurrently  # noqa: E402
from bench._pg import fresh_postgres_database  # noqa: E402
from threatvec.agents.models import Agent, AgentEvent  # noqa: E402
from threatvec.core.settings import Settings  # noqa: E402
from threatvec.ingest.store import event_flags, event_subject  # noqa: E402
from threatvec.server.app import create_app  # noqa: E402
from threatvec.store.engine import make_session_factory, session_scope  # noqa: E402

BATCH = 500


def make_events(rnd: random.Random, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        r = rnd.random()
        if r < 0.45:
            out.append(
                tool(
                    rnd.choice(["web_search", "crm_lookup", "send_email", "read_file"]),
                    rnd.choice([None, "api.example.com", "hooks.slack.com"]),
                    text="contact jane@example.com" if i % 25 == 0 else None,
                )
            )
        elif r < 0.9:
            out.append(llm(rnd.choice(["gpt-4o", "gpt-4o-mini", "claude-sonnet"])))
        else:
            out.append(mcp("mcp-server-git", "git_log"))
    return out


def ingest_run(url: str, key: str, bodies: list[bytes], clients: int) -> dict[str, float]:
    headers = {"X-Org-Key": key, "Content-Type": "application/json", "Content-Encoding": "gzip"}
    elapsed, latencies = post_concurrently(
        url,
        bodies,
        clients,
        lambda c, body: c.post("/api/v1/ingest", content=body),
        lambda r: r.status_code == 200 and len(r.json()["accepted"]) == BATCH,
        headers=headers,
    )
    return {
        "events_s": len(bodies) * BATCH / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
    }


def plain_rows(org_id: str, agent_id: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows = []
    for ev in events:
        a = ev["attributes"]
        rows.append(
            {
                "org_id": org_id,
                "event_id": uuid.uuid4().hex,
                "agent_id": agent_id,
                "instance_id": None,
                "type": ev["type"],
                "ts": datetime.fromisoformat(ev["timestamp"][:-1]).replace(tzinfo=UTC),
                "received_at": now,
                "source": a.get("source"),
                "outcome": a.get("outcome"),
                "subject": event_subject(ev["type"], a),
                "destination": a.get("destination_host"),
                "flags": event_flags(a),
                "attributes": a,
            }
        )
    return rows


def plain_run(engine, row_batches: list[list[dict[str, Any]]], clients: int) -> dict[str, float]:
    from sqlalchemy import insert

    work: queue.Queue[list[dict[str, Any]]] = queue.Queue()
    for rows in row_batches:
        work.put(rows)
    latencies: list[float] = []
    lock = threading.Lock()
    stmt = insert(AgentEvent.__table__)

    def worker() -> None:
        local = []
        while True:
            try:
                rows = work.get_nowait()
            except queue.Empty:
                break
            t0 = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(stmt, rows)
            local.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "events_s": len(row_batches) * BATCH / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
    }


def run_backend(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = make_migrated_engine(url)
    factory = make_session_factory(engine)
    org = create_org(factory, f"bench-{uuid.uuid4().hex[:6]}")
    rnd = random.Random(7)
    print(f"[{name}] building {args.batches} batches of {BATCH} events…", flush=True)
    agents = [f"bench-agent-{i}" for i in range(8)]
    bodies = [
        gzip.compress(json.dumps(batch(agents[i % 8], make_events(rnd, BATCH))).encode())
        for i in range(args.batches)
    ]
    settings = Settings(
        data_dir=tempfile.mkdtemp(),
        scheduler_enabled=False,
        secret_key="bench-" + "k" * 40,
        log_level="WARNING",
        ingest_rate_per_minute=10**7,
    )
    server = LiveServer(create_app(settings, engine=engine), free_port()).start()
    try:
        # Warm-up: creates the agents, fills caches.
        ingest_run(
            server.url,
            org.key,
            [gzip.compress(json.dumps(batch(a, make_events(rnd, BATCH))).encode()) for a in agents],
            1,
        )
        ingest = ingest_run(server.url, org.key, bodies, args.clients)
    finally:
        server.stop()
    with session_scope(factory) as s:
        agent_id = s.query(Agent.id).filter(Agent.org_id == org.id).first()[0]
    row_batches = [
        plain_rows(org.id, agent_id, make_events(rnd, BATCH)) for _ in range(args.batches)
    ]
    plain = plain_run(engine, row_batches, args.clients)
    engine.dispose()
    return {"store": name, "ingest": ingest, "plain": plain}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    logging.getLogger("threatvec").setLevel(logging.ERROR)
    results = [run_backend("SQLite", f"sqlite:///{tempfile.mkdtemp()}/bench.db", args)]
    if not args.skip_postgres:
        with fresh_postgres_database() as url:
            if url:
                results.append(run_backend("PostgreSQL", url, args))
    print(
        f"\n| store | path | events/s | p50 ms / batch | p99 ms / batch |"
        f"  ({args.batches} batches of {BATCH}, {args.clients} clients)"
    )
    print("|---|---|---:|---:|---:|")
    for r in results:
        for label, key in (
            ("ingest (HTTP, gzip, validate, dedupe, rollups, signal)", "ingest"),
            ("plain bulk INSERT, same rows, same driver", "plain"),
        ):
            m = r[key]
            print(
                f"| {r['store']} | {label} | {m['events_s']:.0f} | {m['p50_ms']:.1f} | "
                f"{m['p99_ms']:.1f} |"
            )
        ratio = r["ingest"]["events_s"] / r["plain"]["events_s"]
        print(f"| {r['store']} | **ingest / plain** | **{ratio:.0%}** | | |")


if __name__ == "__main__":
    main()
