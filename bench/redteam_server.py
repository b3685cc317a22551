"""Red-team server benchmarks: SDK probe hand-over through the database, and run storage.

    .venv/bin/python bench/redteam_server.py [--exchanges 200]

1. DbProbeTransport round trip: the runner dispatches a probe, an "agent"
   thread long-polls it (`next_probe_async`, as the endpoint does), replies;
   measured per exchange (same process, SQLite file in a temp dir).
2. A full AgentBench run (k=3) against the in-process demo agent, then
   storing its results (`service.store_results`) and reading `pass_counts`
   and `coverage_report` back.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from pathlib import Path

from threatvec.orgs import service as orgs
from threatvec.redteam import service
from threatvec.redteam.demo import DemoAgent
from threatvec.redteam.exchange import ProbeRequest
from threatvec.redteam.runner import RunOptions, run_mode
from threatvec.redteam.targets.sdk_probe import envelope_for
from threatvec.redteam.transport_db import DbProbeTransport
from threatvec.store.engine import make_engine, make_session_factory
from threatvec.store.migrate import upgrade
from threatvec.store.models import load_all_models


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exchanges", type=int, default=200)
    args = parser.parse_args()
    load_all_models()
    engine = make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as s:
        org = orgs.ensure_default_org(session=s, org_key=None)
        s.commit()
        org_id = org.id
    transport = DbProbeTransport(factory, org_id)
    stop = threading.Event()

    def agent() -> None:
        async def loop() -> None:
            while not stop.is_set():
                env = await transport.next_probe_async("bench-agent", 1.0)
                if env is not None:
                    transport.submit_reply(env.probe_id, {"output": "ok", "tool_calls": []})

        asyncio.run(loop())

    thread = threading.Thread(target=agent, daemon=True)
    thread.start()
    latencies = []

    async def runner() -> None:
        for i in range(args.exchanges):
            env = envelope_for("bench-agent", ProbeRequest("p", i, "s", "direct", "hello"))
            t0 = time.perf_counter()
            reply = await transport.dispatch(env, 10.0)
            latencies.append((time.perf_counter() - t0) * 1000)
            assert reply.error is None, reply.error

    started = time.perf_counter()
    asyncio.run(runner())
    total = time.perf_counter() - started
    stop.set()
    thread.join(timeout=3)
    q = statistics.quantiles(latencies, n=100)
    print(
        f"probe hand-over: {args.exchanges} exchanges in {total:.2f} s "
        f"({args.exchanges / total:.0f}/s); p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms"
    )

    t0 = time.perf_counter()
    result = asyncio.run(
        run_mode("full", DemoAgent("bench", obeys_documents=True), options=RunOptions(k=3))
    )
    t_run = time.perf_counter() - t0
    with factory() as s:
        from threatvec.assets import service as assets
        from threatvec.assets.schemas import AssetCreate

        asset = assets.create(
            session=s, org_id=org_id, data=AssetCreate(kind="agent", name="bench-agent")
        )
        ref = service.resolve_agent(session=s, org_id=org_id, agent_id=asset.id)
        t1 = time.perf_counter()
        run = service.create_run(
            session=s, org_id=org_id, agent=ref, mode="full", k=3, target_type="demo"
        )
        service.store_results(session=s, org_id=org_id, run=run, result=result)
        run.status = "completed"
        s.commit()
        t_store = time.perf_counter() - t1
        t2 = time.perf_counter()
        counts = service.pass_counts(session=s, org_id=org_id, agent_id=ref.id)
        t_counts = time.perf_counter() - t2
        t3 = time.perf_counter()
        service.coverage_report(session=s, org_id=org_id)
        t_cov = time.perf_counter() - t3
    print(
        f"full run k=3 in-process ({len(result.results)} probes): engine {t_run * 1000:.0f} ms, "
        f"store {t_store * 1000:.0f} ms, pass_counts {t_counts * 1000:.1f} ms {counts}, "
        f"coverage {t_cov * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
