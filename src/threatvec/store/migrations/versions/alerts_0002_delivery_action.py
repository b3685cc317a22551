"""alert deliveries carry an action (trigger | acknowledge | resolve)

Revision ID: alerts_0002
Revises: alerts_0001
Create Date: 2026-11-28 01:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "alerts_0002"
down_revision = "alerts_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every row before this revision was a trigger: the server default keeps them valid.
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("action", sa.String(length=12), nullable=False, server_default="trigger")
        )


def downgrade() -> None:
    # The older code reads every row as a trigger and knows no 'cancelled' status: an
    # acknowledge/resolve row would be re-sent as a second "alert fired", and a cancelled
    # one would fail the API's status check. Remove the first, keep the second as failed.
    deliveries = sa.table(
        "alert_deliveries", sa.column("action", sa.String), sa.column("status", sa.String)
    )
    op.execute(deliveries.delete().where(deliveries.c.action != "trigger"))
    op.execute(
        deliveries.update().where(deliveries.c.status == "cancelled").values(status="failed")
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_column("action")
