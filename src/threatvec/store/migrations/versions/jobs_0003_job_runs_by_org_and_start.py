"""index job runs by (org_id, started_at)

Revision ID: jobs_0003
Revises: jobs_0002
Create Date: 2026-11-28 13:05:00

GET /api/v1/jobs/runs reads an org's runs and the global ones newest first,
a page at a time. Through the org_id index alone each page read all of the
org's runs and sorted them (nothing deletes job runs). The single-column
org_id index is a prefix of the new one and goes.
"""

from __future__ import annotations

from alembic import op

revision = "jobs_0003"
down_revision = "jobs_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_job_runs_org_started", "job_runs", ["org_id", "started_at"])
    op.drop_index("ix_job_runs_org_id", table_name="job_runs")


def downgrade() -> None:
    op.create_index("ix_job_runs_org_id", "job_runs", ["org_id"])
    op.drop_index("ix_job_runs_org_started", table_name="job_runs")
