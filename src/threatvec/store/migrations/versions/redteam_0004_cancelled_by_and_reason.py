"""who cancelled a run or learning cycle, and the reason they gave

Revision ID: redteam_0004
Revises: redteam_0003
Create Date: 2026-11-28 09:05:00

A run cancel recorded nobody, and neither cancel took a reason. Rows cancelled
before this revision keep NULL in both (a cycle's ``error`` still says who).
Plain ADD/DROP COLUMN, as in redteam_0003 (no batch copy of the indexed tables).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "redteam_0004"
down_revision = "redteam_0003"
branch_labels = None
depends_on = None

TABLES = ("redteam_runs", "redteam_cycles")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("cancelled_by", sa.String(length=200), nullable=True))
        op.add_column(table, sa.Column("cancel_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "cancel_reason")
        op.drop_column(table, "cancelled_by")
