"""word table for text search: one (word, CVE) row per lexeme, answered index-only (PostgreSQL)

Issue #5. A text search whose matches are many and deep in the priority
order still missed 100 ms p95 on PostgreSQL after vulns_0005: a GIN index
cannot answer index-only, so every match cost a heap page of ``cves_tsv``
(one page per match on the bench data, 27,273 pages for ``remote code
execution``). ``cve_words`` holds the same lexemes as ``cves_tsv`` (from the
same ``to_tsvector('simple', description)``), one row per (word, CVE), and
its primary key (word, CVE id) answers "which CVEs have this word" from a
few hundred index pages with no table read once the table is vacuumed.

``word`` is ``COLLATE "C"``: a prefix (``vulnerab*``) is then a byte range
of the index whatever the database's collation. No foreign key: ``cves_tsv``
rows are removed by the cascade from ``cves``, and a trigger on ``cves_tsv``
deletes the CVE's words through the primary key (a foreign key would need a
second index on ``cve_id`` to cascade). PostgreSQL only; SQLite keeps FTS5.

Revision ID: vulns_0006
Revises: vulns_0005
Create Date: 2026-11-26 02:45:00
"""

from __future__ import annotations

from alembic import op

revision = "vulns_0006"
down_revision = "vulns_0005"
branch_labels = None
depends_on = None

_PG_UPGRADE = [
    'CREATE TABLE cve_words (word TEXT COLLATE "C" NOT NULL, cve_id VARCHAR(32) NOT NULL)',
    "INSERT INTO cve_words (word, cve_id)"
    " SELECT unnest(tsvector_to_array(words)), cve_id FROM cves_tsv",
    # Built after the bulk insert: sorting once is much faster than growing it row by row.
    "ALTER TABLE cve_words ADD CONSTRAINT pk_cve_words PRIMARY KEY (word, cve_id)",
    # Kept from cves_tsv (itself kept from cves), in the same transaction as the CVE change.
    "CREATE FUNCTION cve_words_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " IF TG_OP <> 'INSERT' THEN"
    "  DELETE FROM cve_words WHERE cve_id = OLD.cve_id"
    "  AND word = ANY (tsvector_to_array(OLD.words));"
    " END IF;"
    " IF TG_OP <> 'DELETE' THEN"
    "  INSERT INTO cve_words (word, cve_id)"
    "  SELECT unnest(tsvector_to_array(NEW.words)), NEW.cve_id;"
    " END IF;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER cve_words_sync AFTER INSERT OR UPDATE OR DELETE ON cves_tsv"
    " FOR EACH ROW EXECUTE FUNCTION cve_words_sync()",
    # How many CVEs a word has, for the planner; a VACUUM (outside this
    # transaction; ingest.refresh_statistics or autovacuum) then marks the
    # pages all-visible so the scans read no table page.
    "ANALYZE cve_words",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cve_words_sync ON cves_tsv")
        op.execute("DROP FUNCTION IF EXISTS cve_words_sync()")
        op.execute("DROP TABLE IF EXISTS cve_words")
