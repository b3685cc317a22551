"""the PagerDuty webhook events applied to alerts (a redelivered event applies nothing)

Revision ID: alerts_0005
Revises: alerts_0004
Create Date: 2026-11-28 08:44:04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import threatvec.store.base

revision = "alerts_0005"
down_revision = "alerts_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_inbound_events",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("alert_id", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("received_at", threatvec.store.base.UTCDateTime(), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_inbound_events_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["alert_channels.id"],
            name=op.f("fk_alert_inbound_events_channel_id_alert_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_alert_inbound_events_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_inbound_events")),
        sa.UniqueConstraint("channel_id", "event_id", name="uq_alert_inbound_event"),
    )
    op.create_index(op.f("ix_alert_inbound_events_alert_id"), "alert_inbound_events", ["alert_id"])
    op.create_index(op.f("ix_alert_inbound_events_org_id"), "alert_inbound_events", ["org_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_inbound_events_org_id"), table_name="alert_inbound_events")
    op.drop_index(op.f("ix_alert_inbound_events_alert_id"), table_name="alert_inbound_events")
    op.drop_table("alert_inbound_events")
