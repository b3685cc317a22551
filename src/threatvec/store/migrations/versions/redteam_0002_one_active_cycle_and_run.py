"""one active learning cycle per organisation, one active AgentBench run per agent

Revision ID: redteam_0002
Revises: redteam_0001
Create Date: 2026-11-28 05:45:00

"One at a time" was a check before the insert: two requests arriving together
both passed it and two cycles ran every scenario twice (two runs locked one
agent). Partial unique indexes make it a rule the database holds. Duplicates
the check let through are ended first, the newest active one of each
organisation (cycles) or agent (AgentBench runs) kept: older cycles become
``failed``, older runs ``cancelled`` (their results stay counted, as for any
interrupted run), each with a reason naming the one that stays.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from threatvec.core.clock import utcnow
from threatvec.store.base import UTCDateTime

revision = "redteam_0002"
down_revision = "redteam_0001"
branch_labels = None
depends_on = None

CYCLE_INDEX = "uq_redteam_cycles_one_active"
RUN_INDEX = "uq_redteam_runs_one_active_agentbench"
# Must match the models' indexes (threatvec.redteam.models) word for word.
CYCLE_WHERE = "status IN ('queued', 'running')"
RUN_WHERE = "kind = 'agentbench' AND status IN ('queued', 'running')"


def _table(name: str, *extra: sa.ColumnClause[object]) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("id", sa.String),
        sa.column("org_id", sa.String),
        sa.column("status", sa.String),
        sa.column("error", sa.Text),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
        sa.column("finished_at", UTCDateTime()),
        *extra,
    )


def _end_older(
    table: sa.TableClause,
    group: Sequence[str],
    where: sa.ColumnElement[bool],
    status: str,
    why: str,
    **values: object,
) -> int:
    """End every active row but the newest of its group; how many were ended."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(table.c.id, *(table.c[g] for g in group))
        .where(table.c.status.in_(("queued", "running")), where)
        .order_by(table.c.created_at.desc(), table.c.id.desc())
    ).all()
    kept: dict[tuple[object, ...], str] = {}
    ended = 0
    now = utcnow()
    for row in rows:
        key = tuple(row[1:])
        if key not in kept:
            kept[key] = row[0]
            continue
        conn.execute(
            sa.update(table)
            .where(table.c.id == row[0])
            .values(
                status=status,
                error=why.format(kept=kept[key]),
                finished_at=now,
                updated_at=now,
                **values,
            )
        )
        ended += 1
    return ended


def upgrade() -> None:
    cycles = _table("redteam_cycles")
    _end_older(
        cycles, ["org_id"], sa.true(), "failed",
        "superseded: learning cycle {kept} of this organisation was active at the same time "
        "(only one may be; ended on upgrade)",
    )  # fmt: skip
    runs = _table(
        "redteam_runs",
        sa.column("agent_id", sa.String),
        sa.column("kind", sa.String),
        sa.column("cancel_requested", sa.Boolean),
    )
    _end_older(
        runs, ["org_id", "agent_id"], runs.c.kind == "agentbench", "cancelled",
        "superseded: AgentBench run {kept} of this agent was active at the same time "
        "(only one may be; ended on upgrade)",
        cancel_requested=True,
    )  # fmt: skip
    op.create_index(
        CYCLE_INDEX, "redteam_cycles", ["org_id"], unique=True,
        sqlite_where=sa.text(CYCLE_WHERE), postgresql_where=sa.text(CYCLE_WHERE),
    )  # fmt: skip
    op.create_index(
        RUN_INDEX, "redteam_runs", ["org_id", "agent_id"], unique=True,
        sqlite_where=sa.text(RUN_WHERE), postgresql_where=sa.text(RUN_WHERE),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index(RUN_INDEX, table_name="redteam_runs")
    op.drop_index(CYCLE_INDEX, table_name="redteam_cycles")
