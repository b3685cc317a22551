"""foundation: orgs, settings, assets, job runs, signals

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import threatvec.store.base

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orgs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=True),
        sa.Column("key_prefix", sa.String(length=16), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", threatvec.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orgs")),
        sa.UniqueConstraint("name", name=op.f("uq_orgs_name")),
    )
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orgs_key_prefix"), ["key_prefix"], unique=False)

    op.create_table(
        "assets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", threatvec.store.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", threatvec.store.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_assets_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        sa.UniqueConstraint("org_id", "kind", "name", name=op.f("uq_assets_org_id_kind_name")),
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assets_approved"), ["approved"], unique=False)
        batch_op.create_index(batch_op.f("ix_assets_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_assets_org_id"), ["org_id"], unique=False)

    op.create_table(
        "job_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=True),
        sa.Column("started_at", threatvec.store.base.UTCDateTime(), nullable=False),
        sa.Column("finished_at", threatvec.store.base.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_job_runs_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_runs_job"), ["job"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_runs_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_runs_started_at"), ["started_at"], unique=False)

    op.create_table(
        "org_settings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "value",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", threatvec.store.base.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_org_settings_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_settings")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_org_settings_org_id_name")),
    )
    with op.batch_alter_table("org_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_settings_org_id"), ["org_id"], unique=False)

    op.create_table(
        "signals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", threatvec.store.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_signals_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
    )
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signals_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_signals_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_signals_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signals_org_id"))
        batch_op.drop_index(batch_op.f("ix_signals_kind"))
        batch_op.drop_index(batch_op.f("ix_signals_created_at"))

    op.drop_table("signals")
    with op.batch_alter_table("org_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_settings_org_id"))

    op.drop_table("org_settings")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_runs_started_at"))
        batch_op.drop_index(batch_op.f("ix_job_runs_org_id"))
        batch_op.drop_index(batch_op.f("ix_job_runs_job"))

    op.drop_table("job_runs")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assets_org_id"))
        batch_op.drop_index(batch_op.f("ix_assets_kind"))
        batch_op.drop_index(batch_op.f("ix_assets_approved"))

    op.drop_table("assets")
    with op.batch_alter_table("orgs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orgs_key_prefix"))

    op.drop_table("orgs")
