"""shadow services count PII events by type (paste, upload, submit)

Revision ID: shadow_0003
Revises: shadow_0002
Create Date: 2026-11-28 06:10:00

``pii_uploads`` counted every event that sent data with PII in it, and the posture
reason called them all "upload(s)", pasted text included. The split is filled in
from the stored events; where events were pruned the split adds up to less than
``pii_uploads`` and the reason then names no type rather than a wrong one.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from alembic import op

from threatvec.store.base import JSONType

revision = "shadow_0003"
down_revision = "shadow_0002"
branch_labels = None
depends_on = None

_COLUMNS = {"paste": "pii_in_pastes", "upload": "pii_in_uploads", "submit": "pii_in_submits"}


def _backfill() -> None:
    conn = op.get_bind()
    events = sa.table(
        "shadow_events",
        sa.column("service_id", sa.String),
        sa.column("event_type", sa.String),
        sa.column("pii_counts", JSONType),
    )
    counts: Counter[tuple[str, str]] = Counter()
    query = (
        sa.select(events.c.service_id, events.c.event_type, events.c.pii_counts)
        .where(events.c.event_type.in_(list(_COLUMNS)))
        .execution_options(yield_per=5000)  # streamed: this statement only, not the updates
    )
    # As recording counts them: a data event whose pii_counts is not empty.
    for service_id, event_type, pii in conn.execute(query):
        if pii:
            counts[(service_id, _COLUMNS[event_type])] += 1
    services = sa.table(
        "shadow_services", sa.column("id", sa.String), *map(sa.column, _COLUMNS.values())
    )
    by_service: dict[str, dict[str, int]] = {}
    for (service_id, column), n in counts.items():
        by_service.setdefault(service_id, dict.fromkeys(_COLUMNS.values(), 0))[column] = n
    if by_service:
        stmt = (
            services.update()
            .where(services.c.id == sa.bindparam("b_id"))
            .values({c: sa.bindparam(f"b_{c}") for c in _COLUMNS.values()})
        )
        conn.execute(
            stmt,
            [
                {"b_id": sid, **{f"b_{c}": n for c, n in row.items()}}
                for sid, row in by_service.items()
            ],
        )


def upgrade() -> None:
    with op.batch_alter_table("shadow_services", schema=None) as batch_op:
        for column in _COLUMNS.values():
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    _backfill()


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35), not a batch copy: recreating `shadow_services` on
    # SQLite with foreign keys on drops the old table, and that deletes every service's
    # events, daily rows, users, PII counts and alert intents first (ON DELETE CASCADE).
    for column in _COLUMNS.values():
        op.drop_column("shadow_services", column)
