"""a deleted alert channel is kept (hidden) until its queued resolves are sent

Revision ID: alerts_0004
Revises: alerts_0003
Create Date: 2026-11-28 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "alerts_0004"
down_revision = "alerts_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of alert_channels on SQLite (foreign keys on) would
    # delete every delivery row through ON DELETE CASCADE.
    op.add_column("alert_channels", sa.Column("deleted_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    # The older code knows no deleted channel: it would list these again and send through
    # them. Delete them as that code did (their deliveries go with them, by cascade).
    channels = sa.table("alert_channels", sa.column("deleted_at", sa.DateTime()))
    op.execute(channels.delete().where(channels.c.deleted_at.is_not(None)))
    op.drop_column("alert_channels", "deleted_at")
