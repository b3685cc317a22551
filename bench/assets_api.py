"""Requests/s and latency of GET /api/v1/assets with 1,000 assets, SQLite vs PostgreSQL.

Both stores are measured in the same run, through the real server (uvicorn on
127.0.0.1) and real HTTP, with the same client and the same data.

    .venv/bin/python bench/assets_api.py [--requests 2000] [--clients 4]

PostgreSQL: THREATVEC_BENCH_PG_URL (an admin URL), or a throwaway server
started from the local binaries (tools/pg_temp.sh).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import LiveServer, create_org, free_port, make_migrated_engine  # noqa: E402

from bench._pg import fresh_postgres_database  # noqa: E402
from threatvec.assets.models import Asset  # noqa: E402
from threatvec.core.settings import Settings  # noqa: E402
from threatvec.server.app import create_app  # noqa: E402
from threatvec.store.engine import make_session_factory, session_scope  # noqa: E402


def seed(factory, org_id: str, n: int) -> None:
    with session_scope(factory) as s:
        s.add_all(
            Asset(
                org_id=org_id,
                kind=("agent", "mcp_server", "ai_service")[i % 3],
                name=f"asset-{i:05d}",
                tags=["bench", f"t{i % 7}"],
                approved=i % 2 == 0,
                meta={"i": i},
            )
            for i in range(n)
        )


def measure(url: str, key: str, *, requests: int, clients: int, params: dict) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = requests // clients

    def worker() -> None:
        local = []
        with httpx.Client(base_url=url, headers={"X-Org-Key": key}, timeout=30) as c:
            for _ in range(per_client):
                t0 = time.perf_counter()
                r = c.get("/api/v1/assets", params=params)
                local.append(time.perf_counter() - t0)
                assert r.status_code == 200
        with lock:
            latencies.extend(local)

    # Warm up (connection pools, statement caches).
    with httpx.Client(base_url=url, headers={"X-Org-Key": key}) as c:
        for _ in range(50):
            c.get("/api/v1/assets", params=params)
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def run_backend(name: str, url: str, args: argparse.Namespace) -> list[tuple]:
    engine = make_migrated_engine(url)
    factory = make_session_factory(engine)
    org = create_org(factory, f"bench-{uuid.uuid4().hex[:6]}")
    seed(factory, org.id, 1000)
    settings = Settings(
        data_dir=tempfile.mkdtemp(),
        scheduler_enabled=False,
        secret_key="bench-" + "k" * 40,
        log_level="WARNING",
    )
    server = LiveServer(create_app(settings, engine=engine), free_port()).start()
    rows = []
    try:
        for label, params in (
            ("first page (limit 50)", {}),
            ("full list (limit 500, 2 pages)", {"limit": 500}),
            ("filtered: kind+tag, sort -name", {"kind": "agent", "tag": "t3", "sort": "-name"}),
        ):
            m = measure(
                server.url, org.key, requests=args.requests, clients=args.clients, params=params
            )
            rows.append((name, label, m))
    finally:
        server.stop()
        engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    import logging

    logging.getLogger("threatvec").setLevel(logging.WARNING)
    rows = run_backend("SQLite", f"sqlite:///{tempfile.mkdtemp()}/bench.db", args)
    with fresh_postgres_database() as url:
        if url:
            rows += run_backend("PostgreSQL", url, args)
    print(
        f"| store | request | requests/s | p50 ms | p99 ms |  ({args.clients} clients, "
        f"{args.requests} requests each)"
    )
    print("|---|---|---:|---:|---:|")
    for backend, label, m in rows:
        print(f"| {backend} | {label} | {m['rps']:.0f} | {m['p50_ms']:.1f} | {m['p99_ms']:.1f} |")


if __name__ == "__main__":
    main()
