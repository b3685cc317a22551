"""index alert_inbound_events on (org_id, received_at) for the retention prune

Revision ID: alerts_0007
Revises: alerts_0006
Create Date: 2026-11-28 16:15:09

threatvec.retention deletes an org's webhook events older than THREATVEC_EVENTS_KEEP_DAYS
in batches, oldest first: without this index each batch read the whole table.
"""

from __future__ import annotations

from alembic import op

revision = "alerts_0007"
down_revision = "alerts_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_inbound_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_inbound_events_org_received", ["org_id", "received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_inbound_events", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_inbound_events_org_received")
