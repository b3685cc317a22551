"""index mcp_scans on (org_id, received_at) and mcp_snapshots on scan_id for retention

Revision ID: mcp_0002
Revises: mcp_0001
Create Date: 2026-11-28 20:15:00

threatvec.retention deletes an org's scan reports older than THREATVEC_EVENTS_KEEP_DAYS
in batches, oldest first (the first index), and keeps every report a stored snapshot
names (the second: one seek per batch instead of reading the org's snapshots).
"""

from __future__ import annotations

from alembic import op

revision = "mcp_0002"
down_revision = "mcp_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_mcp_scans_org_received", "mcp_scans", ["org_id", "received_at"])
    op.create_index("ix_mcp_snapshots_scan_id", "mcp_snapshots", ["scan_id"])


def downgrade() -> None:
    op.drop_index("ix_mcp_snapshots_scan_id", table_name="mcp_snapshots")
    op.drop_index("ix_mcp_scans_org_received", table_name="mcp_scans")
