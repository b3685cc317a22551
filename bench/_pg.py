"""A fresh PostgreSQL database for a benchmark run.

THREATVEC_BENCH_PG_URL (an admin URL) if set, otherwise a throwaway server from
the local binaries (tools/pg_temp.sh), stopped again on exit. Yields None when
neither is available, so a bench can report SQLite alone.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def fresh_postgres_database() -> Iterator[str | None]:
    admin_url, stop = os.environ.get("THREATVEC_BENCH_PG_URL"), None
    if not admin_url:
        out = subprocess.run(
            [str(REPO / "tools" / "pg_temp.sh"), "start"],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode == 0:
            env = dict(
                line.removeprefix("export ").split("=", 1)
                for line in out.stdout.strip().splitlines()
            )
            admin_url = env["THREATVEC_TEST_DATABASE_URL"].strip("'")
            stop = env["PG_STOP"].strip("'")
    if not admin_url:
        yield None
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        with create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if stop:
            subprocess.run(stop, shell=True, check=False)


def each_backend(*, sqlite: bool = True, postgres: bool = True) -> Iterator[tuple[str, str]]:
    """(label, URL) of a fresh SQLite file, then of a fresh PostgreSQL database if one starts.

    Each database lives while its item is being used; PostgreSQL's absence is printed.
    """
    import tempfile

    if sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            yield "SQLite", f"sqlite:///{tmp}/bench.db"
    if not postgres:
        return
    with fresh_postgres_database() as pg:
        if pg is None:
            print("\nPostgreSQL: not available, skipped")
        else:
            yield "PostgreSQL", pg


def query_plan(session: Any, stmt: Any) -> str:
    """One line of the plan either backend chooses for ``stmt`` (its values inlined).

    On PostgreSQL a sequential scan over a still-empty table says nothing about the
    index, so the plan is asked again with sequential scans off, and marked so.
    """
    from sqlalchemy import text

    sql = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if session.get_bind().dialect.name != "postgresql":
        rows = session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
        return " / ".join(str(r[-1]) for r in rows)
    plan = " / ".join(r.strip() for r in session.execute(text(f"EXPLAIN {sql}")).scalars())
    if "Seq Scan" in plan:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        rows = session.execute(text(f"EXPLAIN {sql}")).scalars()
        plan = "(seqscan off) " + " / ".join(r.strip() for r in rows)
        session.rollback()
    return plan
