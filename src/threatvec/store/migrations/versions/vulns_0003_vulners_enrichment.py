"""vulners enrichment

Revision ID: vulns_0003
Revises: vulns_0002
Create Date: 2026-11-25 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import threatvec.store.base

revision = "vulns_0003"
down_revision = "vulns_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vulners_enrichment",
        sa.Column("cve_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("href", sa.String(length=500), nullable=True),
        sa.Column("cvss_score", sa.Float(), nullable=True),
        sa.Column("exploited_in_wild", sa.Boolean(), nullable=True),
        sa.Column("exploit_count", sa.Integer(), nullable=False),
        sa.Column("fetched_at", threatvec.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("cve_id", name=op.f("pk_vulners_enrichment")),
    )


def downgrade() -> None:
    op.drop_table("vulners_enrichment")
