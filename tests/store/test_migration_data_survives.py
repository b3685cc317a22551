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
from threatvec.store.migrate import alembic_config
from threatvec.store.models import load_all_models

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

# Rows the older code cannot read are removed on purpose by a downgrade (alerts_0002: a
# delivery that is not a trigger; alerts_0004: a deleted channel). The representative
# rows are the ones every revision understands.
OVERRIDES: dict[str, dict[str, Any]] = {
    "alert_deliveries": {"action": "trigger", "status": "sent"},
    "alert_channels": {"deleted_at": None},
}

# shadow_0002 keys every stored user pseudonym with the org's new secret, on purpose.
REKEYED = frozenset({"shadow_events.user_hash", "shadow_service_users.user_hash"})

Snapshot = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    load_all_models()
    engine = make_engine(new_database_url(tmp_path))
    try:
        yield engine
    finally:
        engine.dispose()


def _upgrade(engine: Engine, revision: str = "heads") -> None:
    # Foreign keys stay on here (not store.migrate.migration_connection, which turns them
    # off): each migration must keep the rows by itself, whoever runs it.
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


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
    """Per table, every row (all its columns, links included) by primary key."""
    with engine.connect() as conn:
        snap: Snapshot = {}
        for table in _managed(conn).sorted_tables:
            pk = [c.name for c in table.primary_key.columns]
            rows = conn.execute(select(table)).mappings().all()
            snap[table.name] = {tuple(r[c] for c in pk): dict(r) for r in rows}
        return snap


def _first_revisions() -> list[str]:
    """Each domain branch's first revision: every domain's tables exist from there on."""
    script = ScriptDirectory.from_config(alembic_config())
    return sorted(
        rev.revision for rev in script.walk_revisions() if rev.down_revision == "0001_foundation"
    )


def _lost(before: Snapshot, after: Snapshot, rewritten: frozenset[str] = frozenset()) -> list[str]:
    """Rows that were in a table and are gone, or changed in a column both states have.

    A table that is not there any more was dropped by its migration, on purpose.
    ``rewritten`` names the "table.column"s a migration rewrites on purpose.
    """
    lost = []
    for name, rows in before.items():
        now = after.get(name)
        if now is None:
            continue
        for key, row in rows.items():
            if key not in now:
                lost.append(f"{name} {key}: gone")
                continue
            common = row.keys() & now[key].keys()
            changed = sorted(c for c in common if row[c] != now[key][c])
            changed = [c for c in changed if f"{name}.{c}" not in rewritten]
            if changed:
                lost.append(f"{name} {key}: {', '.join(changed)} changed")
    return lost


@pytest.mark.db
def test_integrations_token_downgrade_keeps_integration_runs(engine: Engine) -> None:
    _upgrade(engine, "integrations_0002")
    _fill_empty_tables(engine)
    before = _snapshot(engine)
    assert before["integrations"] and before["integration_runs"]

    # The token columns go; the integrations and their run history stay.
    _downgrade(engine, "integrations_0001")
    down = _snapshot(engine)
    assert _lost(before, down) == []
    _upgrade(engine, "integrations_0002")
    assert _lost(down, _snapshot(engine)) == []


@pytest.mark.db
def test_shadow_pii_split_downgrade_keeps_service_events_and_users(engine: Engine) -> None:
    _upgrade(engine, "shadow_0003")
    _fill_empty_tables(engine)
    before = _snapshot(engine)
    children = ("shadow_events", "shadow_daily", "shadow_service_users", "shadow_service_pii")
    assert all(before[name] for name in children)

    # The per-type PII columns go; every service keeps its events, days, users and PII.
    _downgrade(engine, "shadow_0002")
    down = _snapshot(engine)
    assert _lost(before, down) == []
    _upgrade(engine, "shadow_0003")
    assert _lost(down, _snapshot(engine)) == []


@pytest.mark.db
def test_every_migration_keeps_rows_and_links_from_first_revisions_to_heads_and_back(
    engine: Engine,
) -> None:
    firsts = _first_revisions()
    for revision in firsts:
        _upgrade(engine, revision)
    _fill_empty_tables(engine)
    oldest = _snapshot(engine)
    parents = {fk.column.table.name for t in load_all_models().metadata.tables.values()
               for fk in t.foreign_keys}  # fmt: skip
    assert all(oldest[name] for name in parents if name in oldest)

    # Up: every row written at the first revisions is still there, with its links (a
    # migration may add rows, e.g. shadow_0002's per-org key).
    _upgrade(engine)
    assert _lost(oldest, _snapshot(engine), REKEYED) == []
    _fill_empty_tables(engine)  # the tables later revisions added get a row too
    heads = _snapshot(engine)

    # Down to every branch's first revision, then up again: nothing is lost either way
    # (tables a later revision created go with it, by design).
    for revision in firsts:
        _downgrade(engine, revision)
    down = _snapshot(engine)
    assert _lost(heads, down) == []
    assert _lost(down, heads) == []
    _upgrade(engine)
    assert _lost(down, _snapshot(engine)) == []
