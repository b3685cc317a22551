"""index redteam_runs and redteam_cycles on (org_id, created_at) for the retention prune

Revision ID: redteam_0005
Revises: redteam_0004
Create Date: 2026-11-28 20:15:00

threatvec.retention deletes an org's runs and learning cycles older than
THREATVEC_EVENTS_KEEP_DAYS in batches, oldest first: without these indexes each batch
read every run of the org (runs were indexed per agent only, cycles not at all).
Plain CREATE INDEX, as alerts_0007 (no batch copy of the tables).
"""

from __future__ import annotations

from alembic import op

revision = "redteam_0005"
down_revision = "redteam_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_redteam_runs_org_created", "redteam_runs", ["org_id", "created_at"])
    op.create_index("ix_redteam_cycles_org_created", "redteam_cycles", ["org_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_redteam_cycles_org_created", table_name="redteam_cycles")
    op.drop_index("ix_redteam_runs_org_created", table_name="redteam_runs")
