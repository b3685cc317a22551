"""full-text index over CVE descriptions

SQLite: a contentless FTS5 table ``cves_fts`` whose rowid is packed from the
CVE id (year, digit count, sequence), kept in sync by triggers on ``cves`` so
every insert, update and delete of a CVE updates the index in the same
transaction. The rowid is computed rather than taken from ``cves.rowid``
because VACUUM may renumber the rowids of a table without an INTEGER PRIMARY
KEY. PostgreSQL: a GIN index on ``to_tsvector('simple', description)``.

Both are raw DDL no model can describe; ``threatvec.vulns.models`` lists their
names in ``metadata.info["unmanaged"]`` so autogenerate leaves them alone.

Revision ID: vulns_0002
Revises: vulns_0001
Create Date: 2026-11-25 23:20:00
"""

from __future__ import annotations

from alembic import op

# ruff: noqa: S608 - DDL built from constant column names; no user input reaches it

revision = "vulns_0002"
down_revision = "vulns_0001"
branch_labels = None
depends_on = None

# Frozen copy of threatvec.vulns.text_search.sqlite_rowid_sql (a test checks they agree).
_SEQ_DIGITS_MAX = 13


def _rowid(col: str) -> str:
    return (
        f"((CAST(substr({col}, 5, 4) AS INTEGER) * 20 + (length({col}) - 9))"
        f" * 10000000000000 + CAST(substr({col}, 10) AS INTEGER))"
    )


def _indexable(col: str) -> str:
    return (
        f"{col} GLOB 'CVE-[0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]*' "
        f"AND length({col}) <= {9 + _SEQ_DIGITS_MAX}"
    )


def _sqlite_upgrade() -> None:
    # tokenchars none, remove_diacritics 2: words are runs of letters and digits, accents folded.
    op.execute(
        "CREATE VIRTUAL TABLE cves_fts USING fts5("
        "description, content='', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        f"INSERT INTO cves_fts(rowid, description) "
        f"SELECT {_rowid('cve_id')}, description FROM cves WHERE {_indexable('cve_id')}"
    )
    op.execute(
        f"CREATE TRIGGER cves_fts_insert AFTER INSERT ON cves WHEN {_indexable('new.cve_id')} "
        f"BEGIN INSERT INTO cves_fts(rowid, description) "
        f"VALUES ({_rowid('new.cve_id')}, new.description); END"
    )
    # A contentless table forgets a row only when told its old text: triggers still have it.
    op.execute(
        f"CREATE TRIGGER cves_fts_delete AFTER DELETE ON cves WHEN {_indexable('old.cve_id')} "
        f"BEGIN INSERT INTO cves_fts(cves_fts, rowid, description) "
        f"VALUES ('delete', {_rowid('old.cve_id')}, old.description); END"
    )
    op.execute(
        f"CREATE TRIGGER cves_fts_update AFTER UPDATE OF description ON cves "
        f"WHEN {_indexable('old.cve_id')} "
        f"BEGIN INSERT INTO cves_fts(cves_fts, rowid, description) "
        f"VALUES ('delete', {_rowid('old.cve_id')}, old.description); "
        f"INSERT INTO cves_fts(rowid, description) "
        f"VALUES ({_rowid('new.cve_id')}, new.description); END"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        op.execute(
            "CREATE INDEX ix_cves_description_fts ON cves "
            "USING gin (to_tsvector('simple'::regconfig, description))"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("cves_fts_insert", "cves_fts_delete", "cves_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS cves_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_cves_description_fts")
