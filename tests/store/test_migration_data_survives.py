"""Migrations keep every existing row and every foreign-key link, up and down.

On SQLite, Alembic's batch mode rebuilds a table by copying it and dropping the
old one; with foreign keys enforced, that DROP deletes (ON DELETE CASCADE) or
unlinks (SET NULL) every child row first. These tests fill parents and children
with rows, run the migrations for real on a database file (or PostgreSQL), and
check that nothing went.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    select,
)

from tests.conftest import new_database_url
from threatvec.store.engine import make_engine
from threatvec.store.migrate import alembic_config, upgrade
from threatvec.store.models import load_all_models

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

# Rows the older code cannot read are removed on purpose by a downgrade (alerts_0002: a
# delivery that is not a trigger; alerts_0004: a deleted channel). The representative
# rows are the ones every revision understands.
OVERRIDES: dict[str, dict[str, Any]] = {
    "alert_deliveries": {"action": "trigger", "status": "sent"},
    "alert_channels": {"deleted_at": None},
}

Snapshot = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    load_all_models()
    engine = make_engine(new_database_url(tmp_path))
    try:
        yield engine
    finally:
        engine.dispose()


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _value(table: str, column: Any, n: int) -> Any:
    """A valid, non-null value for any column type the migrations use (n keeps it unique)."""
    kind = column.type
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, Integer):
        return n
    if isinstance(kind, Float | Numeric):
        return 1.5
    if isinstance(kind, DateTime):
        return NOW
    if isinstance(kind, Date):
        return date(2026, 11, 27)
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, String):
        text = f"{table[:8]}{column.name[:8]}{n}"
        return text[: kind.length] if kind.length else text
    raise AssertionError(f"{table}.{column.name}: no sample value for {kind!r}")


def _managed(conn: Connection) -> MetaData:
    """The database's tables as they are now, limited to the ones the models own."""
    names = set(load_all_models().metadata.tables)
    db = MetaData()
    db.reflect(conn, only=lambda name, _meta: name in names)
    return db


def _fill_empty_tables(engine: Engine) -> None:
    """One row in every empty table, every column set, each foreign key at its parent's row."""
    counter = itertools.count(1)
    with engine.begin() as conn:
        db = _managed(conn)
        for table in db.sorted_tables:
            if conn.execute(select(table).limit(1)).first() is not None:
                continue
            row = {c.name: _value(table.name, c, next(counter)) for c in table.columns}
            for fk in table.foreign_keys:
                # sorted_tables puts parents first: each has its one row already.
                row[fk.parent.name] = conn.execute(select(fk.column).limit(1)).scalar_one()
            row.update(OVERRIDES.get(table.name, {}))
            conn.execute(table.insert(), [row])


def _snapshot(engine: Engine) -> Snapshot:
    """Per table, each row's primary key and foreign-key columns: the rows and their links."""
    with engine.connect() as conn:
        db = _managed(conn)
        snap: Snapshot = {}
        for table in db.sorted_tables:
            cols = [*table.primary_key.columns]
            cols += [fk.parent for fk in table.foreign_keys if fk.parent not in cols]
            cols.sort(key=lambda c: c.name)
            rows = conn.execute(select(*cols)).all()
            snap[table.name] = sorted(tuple(r) for r in rows)
        return snap


def _first_revisions() -> list[str]:
    """Each domain branch's first revision: every domain's tables exist from there on."""
    script = ScriptDirectory.from_config(alembic_config())
    return sorted(
        rev.revision for rev in script.walk_revisions() if rev.down_revision == "0001_foundation"
    )


def _lost(before: Snapshot, after: Snapshot) -> dict[str, list[tuple[Any, ...]]]:
    """Rows (with their links) that were in a table before and are not now."""
    lost = {}
    for name, rows in before.items():
        if name in after:
            gone = sorted(set(rows) - set(after[name]))
            if gone:
                lost[name] = gone
    return lost


@pytest.mark.db
def test_integrations_token_downgrade_keeps_integration_runs(engine: Engine) -> None:
    upgrade(engine, "integrations_0002")
    _fill_empty_tables(engine)
    before = _snapshot(engine)
    assert before["integrations"] and before["integration_runs"]

    # The token columns go; the integrations and their run history stay.
    _downgrade(engine, "integrations_0001")
    assert _lost(before, _snapshot(engine)) == {}
    upgrade(engine, "integrations_0002")
    assert _lost(before, _snapshot(engine)) == {}


@pytest.mark.db
def test_shadow_pii_split_downgrade_keeps_service_events_and_users(engine: Engine) -> None:
    upgrade(engine, "shadow_0003")
    _fill_empty_tables(engine)
    before = _snapshot(engine)
    children = ("shadow_events", "shadow_daily", "shadow_service_users", "shadow_service_pii")
    assert all(before[name] for name in children)

    # The per-type PII columns go; every service keeps its events, days, users and PII.
    _downgrade(engine, "shadow_0002")
    assert _lost(before, _snapshot(engine)) == {}
    upgrade(engine, "shadow_0003")
    assert _lost(before, _snapshot(engine)) == {}
