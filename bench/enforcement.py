"""Enforcement webhook throughput and the gap scan, on SQLite (and PostgreSQL with --pg-url).

For each store, in the same run, one org with a fleet of `--agents` agents that
each called `--tools` tools (stored through the real ingest path):

* **webhook**: signed ``POST /api/v1/enforcement/webhook`` (HMAC-SHA256 of
  ``<timestamp>.<body>`` with the source's secret, the three X-ThreatVec headers)
  to the real server (uvicorn on 127.0.0.1, real HTTP) from 1 and from 4 client
  threads (`--clients`), in batches of 1 and of 100 events; every event new,
  named after a fleet agent and one of its tools, all from one source (one
  gateway). Events/s, requests/s and p50/p95 per request.
* **gap scan**: ``enforcement.gaps.scan`` in-process, before any decision and
  after the webhook runs stored theirs, and ``GET /api/v1/enforcement/gap-scan``
  through the server; p50/p95 over `--scans` runs each.

    .venv/bin/python bench/enforcement.py [--agents 100] [--tools 20] [--clients 1,4]
        [--single 1000] [--batched 200] [--scans 40] [--pg-url ADMIN_URL]

--pg-url is an admin URL: the run creates its own database there.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import LiveServer, create_org, free_port, make_migrated_engine  # noqa: E402
from tests.enforcement.helpers import add_agent, signed_headers  # noqa: E402

from bench._load import post_concurrently  # noqa: E402
from bench._pg import fresh_postgres_database  # noqa: E402
from threatvec.core.clock import utcnow  # noqa: E402
from threatvec.core.crypto import SecretBox  # noqa: E402
from threatvec.core.settings import Settings  # noqa: E402
from threatvec.enforcement import gaps, service  # noqa: E402
from threatvec.enforcement.schemas import SourceCreate  # noqa: E402
from threatvec.enforcement.webhook import PATH  # noqa: E402
from threatvec.server.app import create_app  # noqa: E402
from threatvec.store.engine import make_session_factory, session_scope  # noqa: E402

SECRET_KEY = "bench-" + "k" * 40
# 40 tool names over every kind the scan knows (trifecta legs, destructive, code)
# and some harmless ones; agent i uses 20 consecutive ones, so fleets differ.
TOOL_POOL = [
    "query_db", "read_file", "crm_lookup", "list_customers", "read_payroll", "vault_get",
    "web_fetch", "search_web", "browse_url", "read_email", "list_issues", "download_report",
    "send_email", "post_message", "slack_notify", "upload_file", "publish_post", "sms_send",
    "delete_record", "drop_table", "transfer_funds", "refund_order", "revoke_token",
    "deploy_service", "run_shell", "exec_python", "eval_expression", "terminal_run",
    "get_weather", "format_date", "translate_text", "summarize_text", "convert_units",
    "spell_check", "calc_total", "lookup_answer", "render_chart", "count_words", "make_uuid",
    "tell_time",
]  # fmt: skip
ACTIONS = ("blocked", "allowed", "redacted", "flagged")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def build_fleet(factory: Any, org_id: str, agents: int, tools: int) -> list[tuple[str, list[str]]]:
    fleet = []
    for i in range(agents):
        names = [TOOL_POOL[(i * 7 + k) % len(TOOL_POOL)] for k in range(tools)]
        if tools > len(TOOL_POOL):  # more tools than the pool: numbered harmless extras
            names += [f"helper_{k}" for k in range(tools - len(TOOL_POOL))]
        name = f"bench-agent-{i:03d}"
        add_agent(factory, org_id, name, [(t, None) for t in names[:tools]])
        fleet.append((name, names[:tools]))
    return fleet


def make_bodies(
    fleet: list[tuple[str, list[str]]], requests: int, batch: int, seed: int
) -> list[bytes]:
    """Request bodies built before timing; only a third of the fleet's pairs get decisions."""
    bodies, n = [], seed
    when = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    for _ in range(requests):
        events = []
        for _ in range(batch):
            agent, tools = fleet[n % len(fleet)]
            events.append(
                {
                    "event_id": uuid.uuid4().hex,
                    "time": when,
                    "action": ACTIONS[n % len(ACTIONS)],
                    "category": "tool_policy",
                    "severity": "high",
                    "agent": agent,
                    "tool": tools[(n // len(fleet)) % max(1, len(tools) // 3)],
                    "policy_id": "bench-policy",
                    "reason": "bench decision",
                }
            )
            n += 1
        bodies.append(json.dumps({"events": events}, separators=(",", ":")).encode())
    return bodies


def webhook_run(
    url: str, source: dict[str, str], bodies: list[bytes], batch: int, clients: int
) -> dict[str, float]:
    def send(c: httpx.Client, body: bytes) -> httpx.Response:
        # signed at send time, as a gateway would (±300 s replay window)
        return c.post(
            PATH, content=body, headers=signed_headers(source["id"], source["secret"], body)
        )

    elapsed, latencies = post_concurrently(
        url,
        bodies,
        clients,
        send,
        lambda r: r.status_code == 200 and len(r.json()["accepted"]) == batch,
    )
    return {
        "events_s": len(bodies) * batch / elapsed,
        "requests_s": len(bodies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": pct(latencies, 0.95) * 1000,
    }


def timed(fn: Callable[[], Any], reps: int) -> dict[str, float]:
    fn()  # warm-up: caches, first query plans
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"p50_ms": statistics.median(times) * 1000, "p95_ms": pct(times, 0.95) * 1000}


def scan_in_process(factory: Any, org_id: str, reps: int) -> tuple[dict[str, float], Any]:
    result: list[gaps.GapScan] = []

    def once() -> None:
        with session_scope(factory) as s:
            result[:] = [gaps.scan(session=s, org_id=org_id, now=utcnow())]

    stats = timed(once, reps)
    return stats, result[0]


def run_backend(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = make_migrated_engine(url)
    factory = make_session_factory(engine)
    org = create_org(factory, f"bench-{uuid.uuid4().hex[:6]}")
    t0 = time.perf_counter()
    fleet = build_fleet(factory, org.id, args.agents, args.tools)
    print(
        f"[{name}] fleet of {args.agents} agents × {args.tools} tools stored in "
        f"{time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    with session_scope(factory) as s:
        src, secret = service.create_source(
            session=s,
            org_id=org.id,
            data=SourceCreate(name="bench-gateway", kind="gateway"),
            box=SecretBox(SECRET_KEY),
            actor="bench",
        )
        source = {"id": src.id, "secret": secret}
    out: dict[str, Any] = {"store": name}
    out["scan_empty"], before = scan_in_process(factory, org.id, args.scans)
    out["pairs"], out["critical"] = (
        len(before.pairs),
        sum(1 for p in before.pairs if p.risk == "critical"),
    )

    settings = Settings(
        data_dir=tempfile.mkdtemp(),
        scheduler_enabled=False,
        secret_key=SECRET_KEY,
        log_level="WARNING",
        ingest_rate_per_minute=10**7,  # measure the store, not the per-org limit
    )
    server = LiveServer(create_app(settings, engine=engine), free_port()).start()
    try:
        webhook_run(server.url, source, make_bodies(fleet, 20, 1, seed=10**6), 1, 1)  # warm-up
        out["webhook"] = []
        seed = 0
        for clients in args.clients:
            for batch, requests in ((1, args.single), (100, args.batched)):
                bodies = make_bodies(fleet, requests, batch, seed=seed)
                seed += requests * batch
                m = webhook_run(server.url, source, bodies, batch, clients)
                out["webhook"].append((batch, clients, m))
                print(
                    f"[{name}] batch {batch}, {clients} client(s): {m['events_s']:.0f} events/s",
                    flush=True,
                )
        out["scan_full"], after = scan_in_process(factory, org.id, args.scans)
        out["decisions"], out["covered"] = after.decisions_7d, after.covered
        with httpx.Client(base_url=server.url, headers={"X-Org-Key": org.key}, timeout=60) as c:

            def http_scan() -> None:
                r = c.get("/api/v1/enforcement/gap-scan", params={"limit": 1000})
                assert r.status_code == 200, r.text
                assert r.json()["high_risk_pairs"] == len(after.pairs)

            out["scan_http"] = timed(http_scan, args.scans)
    finally:
        server.stop()
        engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=100)
    ap.add_argument("--tools", type=int, default=20)
    ap.add_argument(
        "--clients",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[1, 4],
        help="client thread counts, comma-separated",
    )
    ap.add_argument("--single", type=int, default=1000, help="requests of 1 event")
    ap.add_argument("--batched", type=int, default=200, help="requests of 100 events")
    ap.add_argument("--scans", type=int, default=40, help="timed gap scans per case")
    ap.add_argument("--pg-url", help="PostgreSQL admin URL (a fresh database is created there)")
    args = ap.parse_args()
    logging.getLogger("threatvec").setLevel(logging.ERROR)
    load = os.getloadavg()
    results = [run_backend("SQLite", f"sqlite:///{tempfile.mkdtemp()}/bench.db", args)]
    if args.pg_url:
        os.environ["THREATVEC_BENCH_PG_URL"] = args.pg_url
        with fresh_postgres_database() as url:
            assert url is not None
            results.append(run_backend("PostgreSQL", url, args))
    load_end = os.getloadavg()

    print(
        f"\nwebhook: {args.single} requests of 1 event, {args.batched} of 100 per case; "
        f"load average {load[0]:.1f} at start, {load_end[0]:.1f} at end ({os.cpu_count()} CPUs)"
    )
    print("| store | events / request | clients | events/s | requests/s | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        for batch, clients, m in sorted(r["webhook"], key=lambda w: (w[0], w[1])):
            print(
                f"| {r['store']} | {batch} | {clients} | {m['events_s']:,.0f} | "
                f"{m['requests_s']:,.0f} | {m['p50_ms']:.1f} | {m['p95_ms']:.1f} |"
            )
    print(
        f"\ngap scan: {args.agents} agents × {args.tools} tools, {args.scans} timed runs per case"
    )
    print("| store | case | high-risk pairs | decisions in window | p50 ms | p95 ms |")
    print("|---|---|---:|---:|---:|---:|")
    for r in results:
        pairs = f"{r['pairs']} ({r['critical']} critical)"
        rows = (
            ("`gaps.scan`, no decision yet", r["scan_empty"], "0"),
            (
                f"`gaps.scan`, after the webhook runs ({r['covered']} covered)",
                r["scan_full"],
                f"{r['decisions']:,}",
            ),
            (
                "`GET /enforcement/gap-scan?limit=1000` (HTTP)",
                r["scan_http"],
                f"{r['decisions']:,}",
            ),
        )
        for label, m, decisions in rows:
            print(
                f"| {r['store']} | {label} | {pairs} | {decisions} | {m['p50_ms']:.1f} | "
                f"{m['p95_ms']:.1f} |"
            )


if __name__ == "__main__":
    main()
