"""record the process executing a run or cycle (host, pid, boot/namespace/start token)

Revision ID: redteam_0003
Revises: redteam_0002
Create Date: 2026-11-28 08:45:00

A process killed without cleanup (SIGKILL, out of memory) left its run 'running'
and the agent locked out (409) for the 15-minute stale rule. With the owner on
the row, a process on the same host sees at once that the owner is gone. Rows
from before this revision have no owner: the stale rule still ends those.

Plain ADD/DROP COLUMN (no batch copy of the table): a copy would have to carry
the partial unique indexes of redteam_0002 over by hand.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "redteam_0003"
down_revision = "redteam_0002"
branch_labels = None
depends_on = None

TABLES = ("redteam_runs", "redteam_cycles")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("owner_host", sa.String(length=255), nullable=True))
        op.add_column(table, sa.Column("owner_pid", sa.Integer(), nullable=True))
        op.add_column(table, sa.Column("owner_token", sa.String(length=120), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        for column in ("owner_token", "owner_pid", "owner_host"):
            op.drop_column(table, column)
