"""text search drives the list: a covering (org, CVE) index, PostgreSQL words in a side table

Issue #5. A text search with a few thousand matches deep in the priority
order is answered by taking the matches from the full-text index and sorting
only those; each match is then one probe of ``ix_cve_exposures_cve_rank``,
which holds every column that probe and the priority sort need, so no table
row is read until the page is known.

PostgreSQL: the words move to a narrow side table ``cves_tsv`` (CVE id,
``tsvector``) with its own GIN index, kept by a trigger on ``cves`` in the
same transaction as every insert and description update (a delete cascades).
It replaces the GIN expression index of vulns_0002, for two reasons measured
on 300,000 CVEs: a phrase (``<->``) needs positions a bitmap scan cannot give,
so every candidate row was re-parsed with ``to_tsvector``; and a ``cves`` row
(description, metrics, references) fills about a page, so reading 27,000
matches from it meant 23,000 page reads, where the side table packs dozens of
rows per page. SQLite keeps its FTS5 table (vulns_0002). The table is named
in ``metadata.info["unmanaged"]`` (threatvec.vulns.models): it exists on
PostgreSQL only, and no portable model describes a ``tsvector``.

Revision ID: vulns_0005
Revises: vulns_0004
Create Date: 2026-11-26 00:35:00
"""

from __future__ import annotations

from alembic import op

revision = "vulns_0005"
down_revision = "vulns_0004"
branch_labels = None
depends_on = None

_RANK_INDEX = "ix_cve_exposures_cve_rank"
_RANK_COLUMNS = ["org_id", "cve_id", "relevant", "priority", "id"]


_PG_UPGRADE = [
    "CREATE TABLE cves_tsv ("
    " cve_id VARCHAR(32) NOT NULL"
    " CONSTRAINT pk_cves_tsv PRIMARY KEY"
    " CONSTRAINT fk_cves_tsv_cve_id_cves REFERENCES cves (cve_id) ON DELETE CASCADE,"
    " words tsvector NOT NULL)",
    "INSERT INTO cves_tsv (cve_id, words)"
    " SELECT cve_id, to_tsvector('simple'::regconfig, description) FROM cves",
    "CREATE INDEX ix_cves_tsv_words ON cves_tsv USING gin (words)",
    # Upsert: an insert of a CVE and an update of its description both land here.
    "CREATE FUNCTION cves_tsv_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " INSERT INTO cves_tsv (cve_id, words)"
    " VALUES (NEW.cve_id, to_tsvector('simple'::regconfig, NEW.description))"
    " ON CONFLICT (cve_id) DO UPDATE SET words = EXCLUDED.words;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER cves_tsv_sync AFTER INSERT OR UPDATE OF description ON cves"
    " FOR EACH ROW EXECUTE FUNCTION cves_tsv_sync()",
    "DROP INDEX IF EXISTS ix_cves_description_fts",
    # The planner's estimate of how many CVEs a word matches comes from these statistics.
    "ANALYZE cves_tsv",
]


def upgrade() -> None:
    op.create_index(_RANK_INDEX, "cve_exposures", _RANK_COLUMNS, unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_cves_description_fts ON cves "
            "USING gin (to_tsvector('simple'::regconfig, description))"
        )
        op.execute("DROP TRIGGER IF EXISTS cves_tsv_sync ON cves")
        op.execute("DROP FUNCTION IF EXISTS cves_tsv_sync()")
        op.execute("DROP TABLE IF EXISTS cves_tsv")
    op.drop_index(_RANK_INDEX, table_name="cve_exposures")
