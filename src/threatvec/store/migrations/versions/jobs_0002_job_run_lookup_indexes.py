"""index job runs by (job, started_at) and (job, outcome, started_at)

Revision ID: jobs_0002
Revises: jobs_0001
Create Date: 2026-11-28 13:00:00

GET /api/v1/jobs and Settings → Background jobs read, for each job, its last
run, its last failure and its runs in progress, and the scheduler reads its
last start every 30 s. With only an index on the job name each of those read
all of the job's rows (nothing deletes job runs): 419 ms for the job list at
256,000 rows on SQLite, growing with every day the server runs. The
single-column job index is a prefix of both and goes.
"""

from __future__ import annotations

from alembic import op

revision = "jobs_0002"
down_revision = "jobs_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_job_runs_job_started", "job_runs", ["job", "started_at"])
    op.create_index("ix_job_runs_job_outcome_started", "job_runs", ["job", "outcome", "started_at"])
    op.drop_index("ix_job_runs_job", table_name="job_runs")


def downgrade() -> None:
    op.create_index("ix_job_runs_job", "job_runs", ["job"])
    op.drop_index("ix_job_runs_job_outcome_started", table_name="job_runs")
    op.drop_index("ix_job_runs_job_started", table_name="job_runs")
