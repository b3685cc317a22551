"""integration receive tokens (inbound kinds such as Zscaler Cloud NSS)

Revision ID: integrations_0002
Revises: integrations_0001
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import threatvec.store.base

revision = "integrations_0002"
down_revision = "integrations_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only SHA-256 hashes of the tokens are stored; the plaintext is shown once.
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("token_hint", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("previous_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "previous_token_valid_until", threatvec.store.base.UTCDateTime(), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("token_rotated_at", threatvec.store.base.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35), not a batch copy: recreating `integrations` on
    # SQLite with foreign keys on drops the old table, and that deletes every
    # integration's run history first (integration_runs, ON DELETE CASCADE).
    for column in (
        "token_rotated_at",
        "previous_token_valid_until",
        "previous_token_hash",
        "token_hint",
        "token_hash",
    ):
        op.drop_column("integrations", column)
