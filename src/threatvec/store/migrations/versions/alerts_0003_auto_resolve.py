"""alert rules can auto-resolve; an alert says why it was resolved

Revision ID: alerts_0003
Revises: alerts_0002
Create Date: 2026-11-28 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "alerts_0003"
down_revision = "alerts_0002"
branch_labels = None
depends_on = None

# The triggers whose condition can clear (alerts/clearing.py at this revision): existing
# rules of these kinds get the same default a new rule gets, on.
CLEARABLE = ("score_drop", "new_shadow_asset", "new_critical_cve", "mcp_rug_pull")


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy: recreating `alert_rules` on SQLite with foreign
    # keys on would unlink every alert from its rule (ON DELETE SET NULL).
    op.add_column(
        "alert_rules",
        sa.Column("auto_resolve", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("alerts", sa.Column("resolution", sa.String(length=500), nullable=True))
    rules = sa.table(
        "alert_rules", sa.column("trigger", sa.String), sa.column("auto_resolve", sa.Boolean)
    )
    op.execute(rules.update().where(rules.c.trigger.in_(CLEARABLE)).values(auto_resolve=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35), not a batch copy: recreating `alerts` or
    # `alert_rules` on SQLite with foreign keys on would cascade, deleting every delivery
    # (ON DELETE CASCADE) and unlinking every alert from its rule (SET NULL).
    op.drop_column("alerts", "resolution")
    op.drop_column("alert_rules", "auto_resolve")
