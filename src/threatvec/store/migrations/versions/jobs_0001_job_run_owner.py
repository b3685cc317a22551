"""record the process executing a job run (host, pid, boot/namespace/start token)

Revision ID: jobs_0001
Revises: 0001_foundation
Create Date: 2026-11-28 09:45:00

A `threatvec jobs run` (or a server) killed mid-run without cleanup (SIGKILL,
out of memory) left its job_runs row 'running' for good, and — being the job's
latest run — made the scheduler wait a whole interval before running it again.
With the owner on the row, a process on the same host sees at once that the
owner is gone (core/owner.py) and ends the row. Rows from before this revision
have no owner and stay as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "jobs_0001"
down_revision = "0001_foundation"
branch_labels = ("jobs",)
depends_on = None


def upgrade() -> None:
    op.add_column("job_runs", sa.Column("owner_host", sa.String(length=255), nullable=True))
    op.add_column("job_runs", sa.Column("owner_pid", sa.Integer(), nullable=True))
    op.add_column("job_runs", sa.Column("owner_token", sa.String(length=120), nullable=True))


def downgrade() -> None:
    for column in ("owner_token", "owner_pid", "owner_host"):
        op.drop_column("job_runs", column)
