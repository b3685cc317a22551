"""drop ix_mcp_scans_received_at: (org_id, received_at) serves every read of mcp_scans

Revision ID: mcp_0003
Revises: mcp_0002
Create Date: 2026-11-28 20:25:00

Every read of the scan reports is one org's (the list sorted by received_at, the
compliance "last scan", the retention prune). PostgreSQL planned the retention batches on
this single-column index, presorted but reading every org's reports of those days, rather
than on ix_mcp_scans_org_received (bench/README.md, "History retention").
"""

from __future__ import annotations

from alembic import op

revision = "mcp_0003"
down_revision = "mcp_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_mcp_scans_received_at", table_name="mcp_scans")


def downgrade() -> None:
    op.create_index("ix_mcp_scans_received_at", "mcp_scans", ["received_at"])
