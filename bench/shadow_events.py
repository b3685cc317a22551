"""Throughput of POST /api/v1/shadow/events for a 5,000-employee org's day, SQLite vs PostgreSQL.

Volume estimate: 5,000 employees × 40 extension events a day = 200,000 events
(visits are de-duplicated per tab and domain for 30 minutes by the extension, so
40 is a heavy-use day: ~25 visits and ~15 pastes/uploads/submits). The mix:
60 % visits, 28 % pastes, 6 % uploads, 6 % submits; 10 % of data events carry
PII categories; ~60 catalog services plus a few unknown ones; 5,000 user hashes;
times spread over the last 24 hours. Browsers send batches (the extension sends
up to 100 per request); several browsers post at once.

Everything goes through the real server (uvicorn on 127.0.0.1) and real HTTP.

    .venv/bin/python bench/shadow_events.py [--events 200000] [--batch 25] [--clients 8]
        [--no-pg]

PostgreSQL: THREATVEC_BENCH_PG_URL (an admin URL), or a throwaway server
started from the local binaries (tools/pg_temp.sh).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import LiveServer, create_org, free_port, make_migrated_engine  # noqa: E402

from threatvec.core.settings import Settings  # noqa: E402
from threatvec.server.app import create_app  # noqa: E402
from threatvec.shadow.catalog import builtin_catalog  # noqa: E402
from threatvec.store.engine import make_session_factory  # noqa: E402

EMPLOYEES = 5000
PII = ("EMAIL", "PHONE", "CREDIT_CARD", "API_KEY", "IP_ADDRESS", "US_SSN")


def make_events(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    domains = [i.domain for i in builtin_catalog()][:60] + [f"mystery{i}-chat.ai" for i in range(4)]
    weights = [1.0 / (rank + 1) for rank in range(len(domains))]  # a few services dominate
    users = [hashlib.sha256(f"salt\nuser{i}".encode()).hexdigest() for i in range(EMPLOYEES)]
    now = datetime.now(UTC)
    events = []
    for _ in range(n):
        domain = rng.choices(domains, weights)[0]
        r = rng.random()
        kind = "visit" if r < 0.60 else "paste" if r < 0.88 else "upload" if r < 0.94 else "submit"
        unknown = domain.startswith("mystery")
        if unknown and kind == "visit":
            kind = "paste"
        counts: dict[str, int] = {}
        if kind != "visit" and (unknown or rng.random() < 0.10):
            counts = {c: rng.randint(1, 3) for c in rng.sample(PII, rng.randint(1, 2))}
        signals: dict[str, Any] = {"files": 1} if kind == "upload" else {}
        if kind == "paste":
            signals["via"] = "paste"
        if unknown:
            signals |= {"host_terms": ["ai", "chat"], "large_input": True, "score": 4}
        events.append(
            {
                "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "domain": domain,
                "event_type": kind,
                "pii_categories": list(counts),
                "pii_counts": counts,
                "occurred_at": (now - timedelta(seconds=rng.randint(60, 86_000))).isoformat(),
                "browser": "chrome/138",
                "user_hash": rng.choice(users),
                "unknown_service": unknown,
                "signals": signals,
            }
        )
    return events


def post_all(url: str, key: str, batches: list[list[dict]], clients: int) -> dict[str, float]:
    latencies: list[float] = []
    accepted = [0]
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(reversed(batches))

    def worker() -> None:
        local, ok = [], 0
        try:
            with httpx.Client(base_url=url, headers={"X-Org-Key": key}, timeout=60) as c:
                while True:
                    with lock:
                        if not queue:
                            break
                        batch = queue.pop()
                    t0 = time.perf_counter()
                    r = c.post("/api/v1/shadow/events", json={"events": batch})
                    local.append(time.perf_counter() - t0)
                    if r.status_code != 200:
                        raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
                    ok += r.json()["accepted"]
        except Exception as exc:  # reported after the run; the other clients go on
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
        with lock:
            latencies.extend(local)
            accepted[0] += ok

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed: {errors[0]}")
    latencies.sort()
    events = sum(len(b) for b in batches)
    return {
        "events": events,
        "accepted": accepted[0],
        "seconds": elapsed,
        "events_per_s": events / elapsed,
        "requests_per_s": len(batches) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
    }


def run_backend(name: str, db_url: str, args: argparse.Namespace) -> list[tuple[str, str, dict]]:
    engine = make_migrated_engine(db_url)
    factory = make_session_factory(engine)
    org = create_org(factory, f"bench-{uuid.uuid4().hex[:6]}")
    settings = Settings(
        data_dir=tempfile.mkdtemp(),
        scheduler_enabled=False,
        secret_key="bench-" + "k" * 40,
        log_level="WARNING",
        # This measures the store, not the per-org limiter (6,000 batches/min by default).
        shadow_events_rate_per_minute=10_000_000,
    )
    server = LiveServer(create_app(settings, engine=engine), free_port()).start()
    rows = []
    try:
        events = make_events(args.events)
        # warm-up: creates the services and warms caches, not counted
        post_all(
            server.url,
            org.key,
            [make_events(200, seed=99)[i : i + 50] for i in range(0, 200, 50)],
            2,
        )
        batches = [events[i : i + args.batch] for i in range(0, len(events), args.batch)]
        label = f"{args.events:,} new events, batches of {args.batch}, {args.clients} clients"
        m = post_all(server.url, org.key, batches, args.clients)
        assert m["accepted"] == m["events"], m
        rows.append((name, label, m))
        # a retried day (every event a duplicate): what a browser replay costs
        sample = batches[: max(1, len(batches) // 10)]
        m = post_all(server.url, org.key, sample, args.clients)
        assert m["accepted"] == 0
        rows.append((name, f"replay of {m['events']:,} duplicates (10 %)", m))
        with httpx.Client(base_url=server.url, headers={"X-Org-Key": org.key}) as c:
            t0 = time.perf_counter()
            r = c.get("/api/v1/shadow/services", params={"limit": 100})
            list_ms = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200
        rows.append(
            (
                name,
                "then GET /shadow/services (limit 100)",
                {
                    "events": 0,
                    "accepted": 0,
                    "seconds": list_ms / 1000,
                    "events_per_s": 0,
                    "requests_per_s": 1000 / list_ms,
                    "p50_ms": list_ms,
                    "p99_ms": list_ms,
                },
            )
        )
    finally:
        server.stop()
        engine.dispose()
    return rows


def _pg_url() -> tuple[str | None, str | None]:
    url = os.environ.get("THREATVEC_BENCH_PG_URL")
    if url:
        return url, None
    out = subprocess.run(
        [str(REPO / "tools" / "pg_temp.sh"), "start"], capture_output=True, text=True
    )
    if out.returncode != 0:
        return None, None
    env = dict(
        line.removeprefix("export ").split("=", 1) for line in out.stdout.strip().splitlines()
    )
    return env["THREATVEC_TEST_DATABASE_URL"].strip("'"), env["PG_STOP"].strip("'")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=EMPLOYEES * 40)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    import logging

    logging.getLogger("threatvec").setLevel(logging.WARNING)
    rows = run_backend("SQLite", f"sqlite:///{tempfile.mkdtemp()}/bench.db", args)
    if not args.no_pg:
        pg_url, stop = _pg_url()
        if pg_url:
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            db = f"bench_{uuid.uuid4().hex[:8]}"
            with create_engine(pg_url, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text(f'CREATE DATABASE "{db}"'))
            url = make_url(pg_url).set(database=db).render_as_string(hide_password=False)
            try:
                rows += run_backend("PostgreSQL", url, args)
            finally:
                if stop:
                    subprocess.run(stop, shell=True, check=False)
    print("| store | run | events/s | requests/s | p50 ms | p99 ms | wall s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for backend, label, m in rows:
        print(
            f"| {backend} | {label} | {m['events_per_s']:,.0f} | {m['requests_per_s']:,.0f} | "
            f"{m['p50_ms']:.1f} | {m['p99_ms']:.1f} | {m['seconds']:.1f} |"
        )


if __name__ == "__main__":
    main()
