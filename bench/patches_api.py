"""Latency of GET /api/v1/patches over 300,000 CVEs, SQLite vs PostgreSQL.

The 66 real NVD records of ../shared/data/nvd are replicated round-robin under
new ids (CVE-2100-...), with publication dates and EPSS percentiles spread so
priorities differ, and stored exactly as the ingest stores them (same derived
columns, same products, raw JSON included). One org with the demo tech stack
gets its exposure rows, scored by the same functions as the product
(``exposures.priority_of``), inserted in bulk to keep the set-up short. Then
the real server (uvicorn on 127.0.0.1) answers list requests over real HTTP,
one client at a time, and p50/p95 are reported per request shape.

    .venv/bin/python bench/patches_api.py [--cves 300000] [--requests 200]
        [--only sqlite|postgres] [--sqlite-db PATH] [--pg-url URL]

PostgreSQL: ``--pg-url`` (a database kept between runs: seeded the first
time, reused after), else THREATVEC_BENCH_PG_URL (an admin URL), else a
throwaway server from the local binaries (tools/pg_temp.sh). On PostgreSQL the
shared CVE rows are replicated by the server itself (INSERT ... SELECT over
generate_series) and the org's rows streamed with COPY: about 2 minutes for
300,000 CVEs instead of ~35 row by row. The rows are the same either way.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import insert, text  # noqa: E402
from tests.conftest import (  # noqa: E402
    LiveServer,
    OrgHandle,
    create_org,
    free_port,
    make_migrated_engine,
)

from bench._pg import fresh_postgres_database  # noqa: E402
from threatvec.core.settings import Settings  # noqa: E402
from threatvec.server.app import create_app  # noqa: E402
from threatvec.store.engine import make_session_factory, session_scope  # noqa: E402
from threatvec.vulns.demo import DEMO_STACK_CSV  # noqa: E402
from threatvec.vulns.exposures import ScoreInputs, load_stack, priority_of  # noqa: E402
from threatvec.vulns.ingest import _cve_values, _products  # noqa: E402
from threatvec.vulns.models import Cve, CveExposure, CveProduct, EpssRecord  # noqa: E402
from threatvec.vulns.nvd import parse_cve  # noqa: E402
from threatvec.vulns.stack import match_stack  # noqa: E402
from threatvec.vulns.stack_service import import_stack  # noqa: E402

DATA = Path(os.environ.get("THREATVEC_SHARED_DATA", REPO.parent / "shared" / "data"))
QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("default: AI-relevant or in stack, by priority", {}),
    ("severity=CRITICAL&status=open, by priority", {"severity": "CRITICAL", "status": "open"}),
    ("stack_only, by priority", {"stack_only": "true"}),
    ("kev=true, by priority", {"kev": "true"}),
    ("technology=linux, by priority", {"technology": "linux"}),
    ("technology=redis (no CVEs), by priority", {"technology": "redis"}),
    ("overdue=true, sort=due", {"overdue": "true", "sort": "due"}),
    ("scope=all, sort=-epss", {"scope": "all", "sort": "-epss"}),
    ("ai_only, sort=-published", {"ai_only": "true", "sort": "-published"}),
    ("page 2 (cursor), by priority", {"_page2": True}),
    ("text=deserialization, by priority", {"text": "deserialization"}),
    ("text=remote code execution (3 words), by priority", {"text": "remote code execution"}),
    ('text="path traversal" (phrase), by priority', {"text": '"path traversal"'}),
    ("text=vulnerab* (prefix, most CVEs), by priority", {"text": "vulnerab*"}),
    ("text=CVE-2100-00012* (id prefix), by priority", {"text": "CVE-2100-00012*"}),
    ("text=qwertyuiop (no match), by priority", {"text": "qwertyuiop"}),
    ("technology=linux&text=kernel, by priority", {"technology": "linux", "text": "kernel"}),
]


def _templates(factory, org_id: str) -> tuple[list[tuple], list]:
    """The 66 real records parsed once, and the org's demo stack imported."""
    raw = []
    for name in ("nvd_sample_dev.json", "nvd_sample_dev2.json"):
        raw += [v["cve"] for v in json.loads((DATA / "nvd" / name).read_text())["vulnerabilities"]]
    with session_scope(factory) as s:
        import_stack(session=s, org_id=org_id, data=DEMO_STACK_CSV.encode(), fmt="csv")
        stack = load_stack(s, org_id)
    entries = [e for _, e in stack]
    templates = []
    for obj in raw:
        rec = parse_cve(obj)
        values = _cve_values(rec, [])
        match = match_stack(rec, entries)
        entry_id = next((i for i, e in stack if e is match.entry), None)
        templates.append((obj, values, sorted(_products(rec, [])), match, entry_id))
    return templates, stack


def _published(i: int) -> datetime:
    return datetime(2019, 1, 1, tzinfo=UTC) + timedelta(minutes=17 * i)


def _org_rows(
    templates: list[tuple], org_id: str, start: int, stop: int, rng: random.Random
) -> tuple[list[dict], list[dict]]:
    """EPSS and exposure rows of CVEs ``start..stop`` (the random draws in a fixed order)."""
    now = datetime.now(UTC)
    today = now.date()
    epss, exposures = [], []
    for i in range(start, stop):
        _obj, values, _names, match, entry_id = templates[i % len(templates)]
        cve_id = f"CVE-2100-{i:06d}"
        published = _published(i)
        pct = rng.random()
        if i % 3:
            epss.append(
                {
                    "cve_id": cve_id,
                    "epss": pct / 10,
                    "percentile": pct,
                    "model_version": "bench",
                    "score_date": today,
                }
            )
        in_stack = match.matched
        relevant = values["ai_relevant"] or in_stack
        affected = now - timedelta(days=rng.randint(0, 400))
        x = CveExposure(
            org_id=org_id,
            cve_id=cve_id,
            status=rng.choice(["open"] * 6 + ["investigating", "fixed", "deployed", "wont_fix"]),
            stack_level=match.level,
            stack_reason=match.reason,
            affected_since=affected,
            scored_on=today,
            clock_stopped_on=None,
        )
        inputs = ScoreInputs(
            values["cvss_score"],
            values["severity"],
            pct / 10 if i % 3 else None,
            pct if i % 3 else None,
            values["nvd_kev_due"],
        )
        pr = priority_of(x, inputs, today=today)
        exposures.append(
            {
                "id": uuid.uuid4().hex,
                "org_id": org_id,
                "cve_id": cve_id,
                "status": x.status,
                "first_seen_at": affected,
                "affected_since": affected,
                "ever_relevant": relevant,
                "ai_relevant": values["ai_relevant"],
                "in_stack": in_stack,
                "relevant": relevant,
                "severity": values["severity"],
                "cvss_sort": values["cvss_score"] if values["cvss_score"] is not None else -1.0,
                "epss_sort": pct if i % 3 else -1.0,
                "kev": values["nvd_kev_due"] is not None,
                "published": published,
                "stack_level": match.level,
                "stack_reason": match.reason,
                "stack_entry_id": entry_id,
                "stack_matched_on": match.matched_on,
                "due_at": datetime.combine(pr.sla.due, datetime.min.time(), tzinfo=UTC),
                "priority": pr.score,
                "scored_on": today,
            }
        )
    return epss, exposures


def seed(factory, org_id: str, n: int) -> None:
    """Row-by-row through the ORM's bulk insert (any store; ~20 min for 300k on SQLite)."""
    templates, _ = _templates(factory, org_id)
    rng = random.Random(5)
    t0 = time.perf_counter()
    for start in range(0, n, 5000):
        stop = min(start + 5000, n)
        cves, products = [], []
        for i in range(start, stop):
            obj, values, names, _match, _entry = templates[i % len(templates)]
            cve_id = f"CVE-2100-{i:06d}"
            published = _published(i)
            cves.append(
                {
                    **values,
                    "cve_id": cve_id,
                    "published": published,
                    "last_modified": published,
                    "raw": {**obj, "id": cve_id},
                }
            )
            products += [{"cve_id": cve_id, "name": nm} for nm in names]
        epss, exposures = _org_rows(templates, org_id, start, stop, rng)
        with session_scope(factory) as s:
            s.execute(insert(Cve), cves)
            s.execute(insert(CveProduct), products)
            if epss:
                s.execute(insert(EpssRecord), epss)
            s.execute(insert(CveExposure), exposures)
        if stop % 50000 == 0 or stop == n:
            print(f"  seeded {stop:,} CVEs ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)


def seed_postgres(factory, org_id: str, n: int) -> None:
    """The same rows as :func:`seed`, made by PostgreSQL itself (minutes instead of ~35).

    The 66 template CVEs go in through the ORM; PostgreSQL then replicates them
    with ``INSERT ... SELECT`` over ``generate_series`` (ids, dates and the
    ``raw`` id rewritten in SQL), and the org's EPSS and exposure rows, which
    need the product's scoring in Python, are streamed with ``COPY``.
    """
    templates, _ = _templates(factory, org_id)
    k = len(templates)
    t0 = time.perf_counter()
    with session_scope(factory) as s:
        rows = []
        for i in range(min(k, n)):
            obj, values, names, _match, _entry = templates[i]
            cve_id = f"CVE-2100-{i:06d}"
            rows.append(
                {
                    **values,
                    "cve_id": cve_id,
                    "published": _published(i),
                    "last_modified": _published(i),
                    "raw": {**obj, "id": cve_id},
                }
            )
        s.execute(insert(Cve), rows)
        s.execute(
            insert(CveProduct),
            [
                {"cve_id": r["cve_id"], "name": nm}
                for r, t in zip(rows, templates, strict=False)
                for nm in t[2]
            ],
        )
    cols = [c.name for c in Cve.__table__.columns]
    derived = {
        "cve_id": "n.cve_id",
        "published": "n.published",
        "last_modified": "n.published",
        "raw": "jsonb_set(t.raw, '{id}', to_jsonb(n.cve_id))",
    }
    select_list = ", ".join(derived.get(c, f't."{c}"') for c in cols)
    numbered = (
        "SELECT 'CVE-2100-' || lpad(i::text, 6, '0') AS cve_id,"
        " 'CVE-2100-' || lpad((i % :k)::text, 6, '0') AS tpl,"
        " timestamptz '2019-01-01 00:00:00+00' + make_interval(mins => 17 * i) AS published"
        " FROM generate_series(:k, :n - 1) AS i"
    )
    with session_scope(factory) as s:
        s.execute(
            text(
                f"INSERT INTO cves ({', '.join(chr(34) + c + chr(34) for c in cols)}) "
                f"SELECT {select_list} FROM ({numbered}) n JOIN cves t ON t.cve_id = n.tpl"
            ),
            {"k": k, "n": n},
        )
        s.execute(
            text(
                f"INSERT INTO cve_products (cve_id, name) SELECT n.cve_id, p.name "
                f"FROM ({numbered}) n JOIN cve_products p ON p.cve_id = n.tpl"
            ),
            {"k": k, "n": n},
        )
    print(f"  CVEs replicated in SQL ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    epss, exposures = _org_rows(templates, org_id, 0, n, random.Random(5))
    with session_scope(factory) as s:
        raw_conn = s.connection().connection.driver_connection
        for table, data in (("epss_scores", epss), ("cve_exposures", exposures)):
            names = list(data[0])
            with (
                raw_conn.cursor() as cur,
                cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
            ):
                for row in data:
                    copy.write_row([row[c] for c in names])
    print(f"  seeded {n:,} CVEs ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)


def measure(url: str, key: str, params: dict[str, Any], requests: int) -> dict[str, float]:
    lat: list[float] = []
    with httpx.Client(base_url=url, headers={"X-Org-Key": key}, timeout=60) as c:
        q = dict(params)
        if q.pop("_page2", False):
            first = c.get("/api/v1/patches").json()
            q["cursor"] = first["next_cursor"]
        for _ in range(10):  # warm-up
            r = c.get("/api/v1/patches", params=q)
            assert r.status_code == 200, r.text
        items = len(r.json()["items"])
        for _ in range(requests):
            t = time.perf_counter()
            r = c.get("/api/v1/patches", params=q)
            lat.append(time.perf_counter() - t)
            assert r.status_code == 200
    lat.sort()
    return {
        "p50": statistics.median(lat) * 1000,
        "p95": lat[int(len(lat) * 0.95) - 1] * 1000,
        "items": items,
    }


def _reuse_org(factory) -> OrgHandle:
    """The org of an already-seeded bench database, with a fresh key (only hashes are kept)."""
    from sqlalchemy import select

    from threatvec.core import keys
    from threatvec.orgs.models import Org

    with session_scope(factory) as s:
        org = s.scalars(select(Org).where(Org.name.like("bench-%"))).one()
        key = keys.generate_key()
        org.key_hash, org.key_prefix = keys.hash_key(key), keys.key_prefix(key)
        return OrgHandle(org.id, org.name, key)


def _seeded(url: str) -> bool:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy import text as sql

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            if not inspect(c).has_table("orgs"):
                return False
            return bool(c.execute(sql("SELECT 1 FROM orgs WHERE name LIKE 'bench-%'")).first())
    finally:
        engine.dispose()


def run_backend(
    name: str, url: str, args: argparse.Namespace, *, reuse: bool = False
) -> list[tuple[str, str, dict]]:
    engine = make_migrated_engine(url)
    factory = make_session_factory(engine)
    if reuse:
        org = _reuse_org(factory)
    else:
        org = create_org(factory, f"bench-{uuid.uuid4().hex[:6]}")
        print(f"{name}: seeding {args.cves:,} CVEs", file=sys.stderr)
        seeder = seed_postgres if engine.dialect.name == "postgresql" else seed
        seeder(factory, org.id, args.cves)
    # Planner statistics, as autovacuum / a DBA would have them. PostgreSQL:
    # VACUUM too (outside a transaction), as autovacuum does after a bulk
    # load, so the visibility map lets the word lookups run index-only.
    with engine.connect() as c:
        if engine.dialect.name == "postgresql":
            c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")
        else:
            c.exec_driver_sql("ANALYZE")
            c.commit()
    settings = Settings(
        data_dir=tempfile.mkdtemp(),
        scheduler_enabled=False,
        secret_key="bench-" + "k" * 40,
        log_level="WARNING",
    )
    server = LiveServer(create_app(settings, engine=engine), free_port()).start()
    rows = []
    try:
        for label, params in QUERIES:
            m = measure(server.url, org.key, params, args.requests)
            rows.append((name, label, m))
            print(f"  {label}: p50 {m['p50']:.1f} ms, p95 {m['p95']:.1f} ms", file=sys.stderr)
    finally:
        server.stop()
        engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cves", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", choices=["sqlite", "postgres"], default=None)
    parser.add_argument(
        "--sqlite-db", help="SQLite bench database: reused if it exists, else seeded and kept"
    )
    parser.add_argument(
        "--pg-url", help="PostgreSQL bench database: reused if already seeded, else seeded and kept"
    )
    args = parser.parse_args()
    import logging

    logging.getLogger("threatvec").setLevel(logging.WARNING)
    rows: list[tuple[str, str, dict]] = []
    if args.only != "postgres":
        path = args.sqlite_db or f"{tempfile.mkdtemp()}/bench.db"
        # An existing --sqlite-db is reused as seeded; a new path is seeded and kept.
        reuse = Path(path).exists()
        print(f"SQLite database: {path} ({'reused' if reuse else 'new'})", file=sys.stderr)
        rows += run_backend("SQLite", f"sqlite:///{path}", args, reuse=reuse)
    if args.only != "sqlite":
        if args.pg_url:
            # A database seeded by an earlier run is reused (its bench org exists).
            rows += run_backend("PostgreSQL", args.pg_url, args, reuse=_seeded(args.pg_url))
        else:
            with fresh_postgres_database() as url:
                if url:
                    rows += run_backend("PostgreSQL", url, args)
    print(f"\n| store | request ({args.cves:,} CVEs, limit 50) | items | p50 ms | p95 ms |")
    print("|---|---|---:|---:|---:|")
    for backend, label, m in rows:
        print(f"| {backend} | {label} | {m['items']} | {m['p50']:.1f} | {m['p95']:.1f} |")


if __name__ == "__main__":
    main()
