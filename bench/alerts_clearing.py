"""Auto-resolve check cost per evaluation: the old per-alert reads and the batched ones, same run.

    .venv/bin/python bench/alerts_clearing.py [--alerts 1000] [--runs 15] [--rounds 3]
                                             [--ref 621f10a^]

One org on a fresh SQLite database holding ``--alerts`` open alerts of auto-resolve
rules, split over ``new_shadow_asset`` (unregistered services), ``mcp_rug_pull``
(approved servers whose tools changed) and ``score_drop`` (the score is still low),
so none of them clears and every evaluation checks them all again. An evaluation
with no new signals is then timed ``--runs`` times (rolled back; the median is
printed), with the code of ``--ref`` (``git archive``, the per-alert check) and with
the working tree's, alternating for ``--rounds`` rounds, on copies of the same file.
It prints the median wall time and the SQL statements one evaluation issues.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RULES: list[dict[str, Any]] = [
    {"trigger": "new_shadow_asset"},
    {"trigger": "mcp_rug_pull"},
    {"trigger": "score_drop", "points": 10},
]


def seed(db: Path, alerts: int) -> str:
    """The database with ``alerts`` open, holding alerts; the org id."""
    sys.path.insert(0, str(ROOT))
    from tests.conftest import create_org, make_migrated_engine

    from threatvec.alerts import flows, service
    from threatvec.alerts.schemas import RuleCreate
    from threatvec.mcp.models import McpServer
    from threatvec.shadow.models import ShadowService
    from threatvec.signals import service as signals
    from threatvec.store.engine import make_session_factory, session_scope

    engine = make_migrated_engine(f"sqlite:///{db}")
    factory = make_session_factory(engine)
    org = create_org(factory)
    now = datetime.now(UTC)
    with session_scope(factory) as s:
        for cond in RULES:
            body = {"name": cond["trigger"], "condition": cond, "cooldown_minutes": 0}
            service.create_rule(session=s, org_id=org.id, data=RuleCreate.model_validate(body))
    with session_scope(factory) as s:
        for i in range(alerts):
            data: dict[str, Any]
            kind = i % 3
            if kind == 0:
                svc = ShadowService(org_id=org.id, domain=f"ai{i}.example", name=f"ai{i}",
                                    first_seen=now, last_seen=now)  # fmt: skip
                s.add(svc)
                s.flush()
                data = {"service_id": svc.id, "domain": svc.domain, "risk": "HIGH"}
                signals.publish(session=s, org_id=org.id, kind="shadow.new_service", data=data)
            elif kind == 1:
                srv = McpServer(org_id=org.id, identity_key=f"mcp:{i:036d}", name=f"m{i}",
                                transport="stdio", approved=True, approved_hash="a",
                                current_hash="b")  # fmt: skip
                s.add(srv)
                s.flush()
                data = {"server_id": srv.id, "server": srv.name, "severity": "high"}
                signals.publish(session=s, org_id=org.id, kind="mcp.rug_pull", data=data)
            else:
                data = {"value": 50.0, "previous": 80.0}
                signals.publish(session=s, org_id=org.id, kind="posture.updated", data=data)
    created = 0
    while True:
        with session_scope(factory) as s:
            res = flows.evaluate(session=s, org_id=org.id)
        created += res.alerts_created
        if res.signals == 0:
            break
    if created != alerts:
        raise SystemExit(f"seeded {created} alerts, wanted {alerts}")
    engine.dispose()
    return org.id


def measure(db: str, org_id: str, runs: int) -> None:
    """Run in a subprocess whose PYTHONPATH picks the code under test."""
    from sqlalchemy import event

    import threatvec
    from threatvec.alerts import flows
    from threatvec.store.engine import make_engine, make_session_factory

    engine = make_engine(f"sqlite:///{db}")
    factory = make_session_factory(engine)
    statements: list[str] = []
    times: list[float] = []

    def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    for i in range(runs + 1):  # the first one warms the caches and is not timed
        counted = i == 1  # statements of one evaluation
        if counted:
            event.listen(engine, "before_cursor_execute", count)
        with factory() as s:
            started = time.perf_counter()
            res = flows.evaluate(session=s, org_id=org_id)
            took = time.perf_counter() - started
            s.rollback()
        if counted:
            event.remove(engine, "before_cursor_execute", count)
        if res.auto_resolved or res.alerts_created:
            raise SystemExit("an evaluation changed something: the alerts must all hold")
        if i:
            times.append(took)
    print(json.dumps({"code": str(Path(threatvec.__file__).parent), "median_ms":
                      statistics.median(times) * 1000, "statements": len(statements)}))  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--alerts", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ref", default="621f10a^", help="git revision of the old code")
    ap.add_argument("--measure", nargs=2, metavar=("DB", "ORG"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(args.measure[0], args.measure[1], args.runs)
        return
    tmp = Path(tempfile.mkdtemp(prefix="alerts-clearing-"))
    try:
        db = tmp / "seed.db"
        started = time.perf_counter()
        org_id = seed(db, args.alerts)
        print(f"seeded {args.alerts} open alerts in {time.perf_counter() - started:.1f} s")
        archive = subprocess.run(["git", "archive", args.ref, "src"], cwd=ROOT, check=True,
                                 capture_output=True).stdout  # fmt: skip
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp / "old", filter="data")
        code = {"old": tmp / "old" / "src", "new": ROOT / "src"}
        results: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
        for _ in range(args.rounds):
            for label, src in code.items():
                copy = tmp / f"{label}.db"
                shutil.copyfile(db, copy)
                env = {**os.environ, "PYTHONPATH": str(src)}
                out = subprocess.run(
                    [sys.executable, __file__, "--measure", str(copy), org_id,
                     "--runs", str(args.runs)],
                    env=env, check=True, capture_output=True, text=True,
                ).stdout  # fmt: skip
                got = json.loads(out.strip().splitlines()[-1])
                if Path(got["code"]).resolve() != (src / "threatvec").resolve():
                    raise SystemExit(f"{label} ran {got['code']}, not {src}")
                results[label].append(got)
        for label, rows in results.items():
            ms = ", ".join(f"{r['median_ms']:.0f}" for r in rows)
            print(f"{label} ({args.ref if label == 'old' else 'working tree'}): "
                  f"{rows[0]['statements']} SQL statements per evaluation; "
                  f"median ms per round: {ms}")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
