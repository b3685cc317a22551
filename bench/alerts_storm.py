"""An alert storm: N matches folding into one alert, old code and new side by side.

    .venv/bin/python bench/alerts_storm.py [--sizes 1000,10000,50000] [--ref 5ffc2fe^]
                                           [--old-max 10000] [--backends sqlite,postgres]

One org, one ``new_shadow_asset`` rule with auto-resolve and a 60-minute cooldown, N
``shadow.new_service`` signals for N distinct unregistered services (a proxy log of a big
org imported at once): every match after the first folds into the one alert. Evaluations
run until the cursor is empty (each commits, as the scheduler's do) and are timed together;
then one more evaluation with nothing new (the auto-resolve check alone). Printed per
run: wall time, SQL statements, bytes of bound parameters sent (what the statements
write: the whole subject list on every fold, before), and the alert row's JSON size.

Each run is a subprocess whose PYTHONPATH is the code under test (``--ref`` via
``git archive``, or the working tree) on its own fresh database (SQLite file, or a new
database on the PostgreSQL of bench/_pg.py). Old code above ``--old-max`` is not run: it
rewrites the whole list per fold, so 50,000 would write ~45 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _param_bytes(params: Any) -> int:
    if isinstance(params, dict):
        return sum(_param_bytes(v) for v in params.values())
    if isinstance(params, list | tuple):
        return sum(_param_bytes(v) for v in params)
    if isinstance(params, str | bytes):
        return len(params)
    if hasattr(params, "obj"):  # psycopg's Json/Jsonb wrapper: what it sends is the JSON text
        return len(json.dumps(params.obj))
    return 8 if params is not None else 0


def measure(url: str, size: int) -> None:
    """Seed the storm and fold it with the code on PYTHONPATH; print one JSON line."""
    from sqlalchemy import event, insert, select

    import threatvec
    from threatvec.alerts import flows, service
    from threatvec.alerts.models import Alert
    from threatvec.alerts.schemas import RuleCreate
    from threatvec.orgs import service as orgs
    from threatvec.shadow.models import ShadowService
    from threatvec.signals import service as signals
    from threatvec.store.engine import make_engine, make_session_factory, session_scope
    from threatvec.store.migrate import upgrade
    from threatvec.store.models import load_all_models

    load_all_models()
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with session_scope(factory) as s:
        org, _key = orgs.create_org(session=s, name=f"storm-{uuid.uuid4().hex[:8]}")
        org_id = org.id
        body = {"name": "storm", "condition": {"trigger": "new_shadow_asset"},
                "cooldown_minutes": 60, "auto_resolve": True}  # fmt: skip
        service.create_rule(session=s, org_id=org_id, data=RuleCreate.model_validate(body))
    ids = [uuid.uuid4().hex for _ in range(size)]
    now = datetime.now(UTC)
    with session_scope(factory) as s:
        for i in range(0, size, 5000):
            chunk = ids[i : i + 5000]
            s.execute(insert(ShadowService), [
                {"id": sid, "org_id": org_id, "domain": f"ai{i + n}.example", "name": f"ai{i + n}",
                 "first_seen": now, "last_seen": now}
                for n, sid in enumerate(chunk)
            ])  # fmt: skip
            signals.publish_many(session=s, org_id=org_id, signals=[
                ("shadow.new_service", {"service_id": sid, "domain": f"ai{i + n}.example",
                                        "risk": "HIGH"})
                for n, sid in enumerate(chunk)
            ])  # fmt: skip
    counted = {"statements": 0, "bytes": 0}

    def count(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        counted["statements"] += 1
        counted["bytes"] += len(statement) + _param_bytes(params)

    event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    evaluations = folded = 0
    while True:
        with session_scope(factory) as s:
            res = flows.evaluate(session=s, org_id=org_id)
        evaluations += 1
        folded += res.alerts_folded
        if res.signals == 0:
            break
    fold_s = time.perf_counter() - started
    fold = dict(counted)
    counted.update(statements=0, bytes=0)
    started = time.perf_counter()
    with session_scope(factory) as s:
        res = flows.evaluate(session=s, org_id=org_id)
    check_ms = (time.perf_counter() - started) * 1000
    event.remove(engine, "before_cursor_execute", count)
    with session_scope(factory) as s:
        alert = s.scalars(select(Alert).where(Alert.org_id == org_id)).one()
        row_bytes = len(json.dumps(alert.details))
        assert alert.status == "open" and alert.occurrences == size, (
            alert.status,
            alert.occurrences,
        )
    if folded != size - 1 or res.auto_resolved:
        raise SystemExit(f"folded {folded} of {size - 1}, auto-resolved {res.auto_resolved}")
    engine.dispose()
    print(json.dumps({
        "code": str(Path(threatvec.__file__).parent), "fold_s": fold_s,
        "evaluations": evaluations, "fold_statements": fold["statements"],
        "fold_bytes": fold["bytes"], "row_json_bytes": row_bytes, "check_ms": check_ms,
        "check_statements": counted["statements"],
    }))  # fmt: skip


def _new_pg_database(url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"storm_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _run(src: Path, url: str, size: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, __file__, "--measure", url, str(size)],
                          env=env, capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    out = done.stdout
    got: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    if Path(got["code"]).resolve() != (src / "threatvec").resolve():
        raise SystemExit(f"ran {got['code']}, not {src}")
    return got


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--ref", default="5ffc2fe^", help="git revision of the old code")
    ap.add_argument("--old-max", type=int, default=10_000)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--codes", default="old,new", help="which of old,new to run")
    ap.add_argument("--measure", nargs=2, metavar=("URL", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(args.measure[0], int(args.measure[1]))
        return
    sys.path.insert(0, str(ROOT))
    from bench._pg import fresh_postgres_database

    tmp = Path(tempfile.mkdtemp(prefix="alerts-storm-"))
    archive = subprocess.run(["git", "archive", args.ref, "src"], cwd=ROOT, check=True,
                             capture_output=True).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(tmp / "old", filter="data")
    code = {"old": tmp / "old" / "src", "new": ROOT / "src"}
    code = {k: v for k, v in code.items() if k in args.codes.split(",")}
    sizes = [int(x) for x in args.sizes.split(",")]
    backends = args.backends.split(",")
    print("| backend | N | code | fold: wall s | statements | bytes sent | alert JSON | check ms |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    with fresh_postgres_database() if "postgres" in backends else _none() as pg:
        for backend in backends:
            if backend == "postgres" and pg is None:
                print("| postgres | — | — | no PostgreSQL available |")
                continue
            for size in sizes:
                for label, src in code.items():
                    if label == "old" and size > args.old_max:
                        print(f"| {backend} | {size:,} | old | not run (quadratic) | | | | |")
                        continue
                    url = (f"sqlite:///{tmp / f'{label}-{size}-{uuid.uuid4().hex[:6]}.db'}"
                           if backend == "sqlite" else _new_pg_database(str(pg)))  # fmt: skip
                    r = _run(src, url, size)
                    print(f"| {backend} | {size:,} | {label} | {r['fold_s']:.1f} | "
                          f"{r['fold_statements']:,} | {r['fold_bytes'] / 1e6:,.1f} MB | "
                          f"{r['row_json_bytes'] / 1e3:,.1f} KB | {r['check_ms']:.0f} "
                          f"({r['check_statements']} stmts) |", flush=True)  # fmt: skip


class _none:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


if __name__ == "__main__":
    main()
