"""Sustained ingest: N SDK processes recording for D seconds against one server; zero lost?

Each process is a real host program using `ThreatVec` (default settings except a
1 s flush interval) that records tool and LLM calls at `--rate` events/s for
`--seconds`, then stops (flushing) and prints its own counters. Afterwards the
events stored per agent are counted in the database and compared with what each
process recorded, and the drop counters the SDKs reported are read back.

    .venv/bin/python bench/sustained.py [--procs 4] [--seconds 60] [--rate 500]
        [--postgres]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402
from tests.conftest import LiveServer, create_org, free_port, make_migrated_engine  # noqa: E402

from threatvec.agents.models import Agent, AgentEvent, AgentInstance  # noqa: E402
from threatvec.core.settings import Settings  # noqa: E402
from threatvec.server.app import create_app  # noqa: E402
from threatvec.store.engine import make_session_factory, session_scope  # noqa: E402

HOST = textwrap.dedent(
    """
    import json, sys, time
    from threatvec import ThreatVec

    url, name, key = sys.argv[1:4]
    seconds, rate = float(sys.argv[4]), int(sys.argv[5])
    tv = ThreatVec(server_url=url, agent_name=name, org_key=key, integrations=False,
                   flush_interval=1.0, shutdown_timeout=30.0)
    tv.start()
    recorded = 0
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        target = int(elapsed * rate)
        while recorded < target:
            if recorded % 2:
                tv.record_tool_call("web_search", destination="api.example.com", latency_ms=3.2,
                                    metadata={"seq": recorded})
            else:
                tv.record_llm_call("openai", "gpt-4o-mini", input_tokens=12, output_tokens=40,
                                   latency_ms=250.0, metadata={"seq": recorded})
            recorded += 1
        time.sleep(0.005)
    tv.stop(timeout=60)
    print(json.dumps({"name": name, "recorded": recorded, "stats": tv.stats()}))
    """
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=int, default=500, help="events/s per process")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    logging.getLogger("threatvec").setLevel(logging.ERROR)

    stop_pg = None
    if args.postgres:
        out = subprocess.run(
            [str(REPO / "tools" / "pg_temp.sh"), "start"],
            capture_output=True,
            text=True,
            check=True,
        )
        env = dict(
            line.removeprefix("export ").split("=", 1) for line in out.stdout.strip().splitlines()
        )
        admin, stop_pg = env["THREATVEC_TEST_DATABASE_URL"].strip("'"), env["PG_STOP"].strip("'")
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        db = f"sustained_{uuid.uuid4().hex[:8]}"
        with create_engine(admin, isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(text(f'CREATE DATABASE "{db}"'))
        url = make_url(admin).set(database=db).render_as_string(hide_password=False)
        store = "PostgreSQL"
    else:
        url, store = f"sqlite:///{tempfile.mkdtemp()}/sustained.db", "SQLite"
    engine = make_migrated_engine(url)
    factory = make_session_factory(engine)
    org = create_org(factory, "sustained")
    settings = Settings(
        data_dir=tempfile.mkdtemp(),
        scheduler_enabled=False,
        secret_key="bench-" + "k" * 40,
        log_level="WARNING",
    )
    server = LiveServer(create_app(settings, engine=engine), free_port()).start()
    script = Path(tempfile.mkdtemp()) / "host.py"
    script.write_text(HOST)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    try:
        started = time.monotonic()
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(script),
                    server.url,
                    f"sustained-{i}",
                    org.key,
                    str(args.seconds),
                    str(args.rate),
                ],
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            for i in range(args.procs)
        ]
        reports = [json.loads(p.communicate(timeout=args.seconds + 180)[0]) for p in procs]
        wall = time.monotonic() - started
    finally:
        server.stop()
    with session_scope(factory) as s:
        stored = dict(
            s.execute(
                select(Agent.name, func.count(AgentEvent.id))
                .join(AgentEvent, AgentEvent.agent_id == Agent.id)
                .where(Agent.org_id == org.id, AgentEvent.type.in_(("tool.call", "llm.call")))
                .group_by(Agent.name)
            ).all()
        )
        reported_drops = sum(
            sum(i.dropped().values())
            for i in s.scalars(select(AgentInstance).where(AgentInstance.org_id == org.id))
        )
    engine.dispose()
    if stop_pg:
        subprocess.run(stop_pg, shell=True, check=False)
    total_recorded = sum(r["recorded"] for r in reports)
    total_stored = sum(stored.values())
    print("| store | processes | seconds | recorded | stored | lost | SDK drops | events/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    lost = total_recorded - total_stored
    drops = sum(r["stats"]["dropped_total"] for r in reports)
    print(
        f"| {store} | {args.procs} | {args.seconds:.0f} | {total_recorded} | {total_stored} | "
        f"{lost} | {drops} (server saw {reported_drops}) | {total_stored / wall:.0f} |"
    )
    for r in reports:
        print(
            f"  {r['name']}: recorded {r['recorded']}, stored {stored.get(r['name'], 0)}, "
            f"batches {r['stats']['batches']}, retries {r['stats']['retries']}, "
            f"duplicates {r['stats']['duplicates']}"
        )
    if lost or drops:
        raise SystemExit("events were lost")


if __name__ == "__main__":
    main()
