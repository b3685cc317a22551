"""Ingest speed of POST /api/v1/mcp/scans: first scan, unchanged re-scan, changed re-scan.

A report of N servers with T tools each (built by the real scanning library)
goes through the real server over real HTTP (uvicorn on 127.0.0.1); then the
same report again (nothing changed), then one where every server changed a
description (every snapshot stored and diffed).

    .venv/bin/python bench/mcp_inventory.py [--servers 50] [--tools 10] [--pg]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import (  # noqa: E402
    LiveServer,
    create_org,
    free_port,
    make_migrated_engine,
    settings_for_tests,
)

from threatvec.mcp.demo import scan_report  # noqa: E402
from threatvec.mcp.snapshot import ServerSnapshot  # noqa: E402
from threatvec.mcp.spec import ServerSpec  # noqa: E402
from threatvec.server.app import create_app  # noqa: E402
from threatvec.store.engine import make_session_factory  # noqa: E402


def _servers(n: int, tools: int, version: int) -> list[tuple[ServerSpec, ServerSnapshot]]:
    out = []
    for i in range(n):
        spec = ServerSpec(
            name=f"srv{i}", transport="stdio", command="npx", args=("-y", f"@acme/mcp-{i}@1.0.{i}")
        )
        defs = [
            {
                "name": f"tool_{j}",
                "description": f"Look up record {j} in the catalogue (rev {version}).",
                "inputSchema": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "limit": {"type": "integer"}},
                    "required": ["id"],
                },
                "annotations": {"readOnlyHint": True},
            }
            for j in range(tools)
        ]
        out.append(
            (spec, ServerSnapshot(server_info={"name": f"acme-{i}", "version": "1"}, tools=defs))
        )
    return out


def _pg_url() -> tuple[str, str | None]:
    url = os.environ.get("THREATVEC_BENCH_PG_URL")
    if url:
        return url, None
    out = subprocess.run(
        ["bash", str(REPO / "tools" / "pg_temp.sh"), "start"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines())
    return env["THREATVEC_TEST_DATABASE_URL"].strip("'"), env["PG_STOP"].strip("'")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=50)
    ap.add_argument("--tools", type=int, default=10)
    ap.add_argument("--pg", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    stop = None
    if args.pg:
        admin, stop = _pg_url()
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        eng = create_engine(admin, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text('CREATE DATABASE "tv_bench_mcp"'))
        url = make_url(admin).set(database="tv_bench_mcp").render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
    engine = make_migrated_engine(url)
    org = create_org(make_session_factory(engine))
    server = LiveServer(create_app(settings_for_tests(tmp), engine=engine), free_port()).start()
    try:
        first = scan_report(_servers(args.servers, args.tools, 1))
        changed = scan_report(_servers(args.servers, args.tools, 2))
        with httpx.Client(base_url=server.url, headers=org.headers, timeout=300) as client:
            for label, report in (
                ("first scan", first),
                ("unchanged", first),
                ("changed", changed),
            ):
                t0 = time.perf_counter()
                r = client.post("/api/v1/mcp/scans", json=report)
                dt = time.perf_counter() - t0
                assert r.status_code == 201, r.text
                n = args.servers
                print(
                    f"{label:10s} {n} servers x {args.tools} tools: {dt * 1000:8.0f} ms "
                    f"({n / dt:6.1f} servers/s, {n * args.tools / dt:7.0f} tools/s)"
                )
            t0 = time.perf_counter()
            for _ in range(20):
                client.get("/api/v1/mcp/servers", params={"sort": "-score", "limit": 50})
            print(f"GET /mcp/servers (50 rows): {(time.perf_counter() - t0) / 20 * 1000:.1f} ms")
    finally:
        server.stop()
        engine.dispose()
        if stop:
            subprocess.run(["bash", "-c", stop], check=False)


if __name__ == "__main__":
    main()
