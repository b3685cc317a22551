"""an alert's subjects are rows (alert_subjects), not a JSON list rewritten on every fold

Revision ID: alerts_0006
Revises: alerts_0005
Create Date: 2026-11-28 09:40:00

Up: every alert's ``details.subjects`` list moves into ``alert_subjects`` (in its order);
the JSON keeps the first 20 and ``subjects_total``. An alert from before subjects were
kept whose events are every match it folded gets its list from those events, as the code
of alerts_0005 did when it next folded. An alert that folded more than it kept stays
without (its subjects are unknown). Down: the rows go back into ``details.subjects`` in
their order and ``subjects_total`` goes, so nothing is lost either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import threatvec.store.base

revision = "alerts_0006"
down_revision = "alerts_0005"
branch_labels = None
depends_on = None

# alerts/clearing.py at this revision: which match detail names the subject, and its kind.
SUBJECT_KEY = {"new_shadow_asset": "service_id", "new_critical_cve": "cve_id",
               "mcp_rug_pull": "server_id"}  # fmt: skip
KIND = {"new_shadow_asset": "shadow_service", "new_critical_cve": "cve",
        "mcp_rug_pull": "mcp_server"}  # fmt: skip
SHOWN = 20
_BATCH = 500

alerts = sa.table(
    "alerts",
    sa.column("id", sa.String),
    sa.column("org_id", sa.String),
    sa.column("trigger", sa.String),
    sa.column("occurrences", sa.Integer),
    sa.column("first_seen_at", threatvec.store.base.UTCDateTime()),
    sa.column("details", threatvec.store.base.JSONType),
)
subjects = sa.table(
    "alert_subjects",
    sa.column("org_id", sa.String),
    sa.column("alert_id", sa.String),
    sa.column("subject_id", sa.String),
    sa.column("kind", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("first_seen_at", threatvec.store.base.UTCDateTime()),
)


def _alerts(conn: sa.Connection) -> Iterator[Any]:
    """The alerts of triggers with subjects, by id, a batch at a time (a storm's JSON is big)."""
    after = ""
    while True:
        rows = conn.execute(
            sa.select(alerts)
            .where(alerts.c.trigger.in_(list(SUBJECT_KEY)), alerts.c.id > after)
            .order_by(alerts.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id


def _listed(trigger: str, details: dict[str, Any], occurrences: int) -> list[str] | None:
    """Every subject the alert names, as alerts_0005 kept them, or None when unknown."""
    stored = details.get("subjects")
    if isinstance(stored, list):
        found = stored
    else:
        events = [e for e in details.get("events", []) if isinstance(e, dict)]
        if occurrences > len(events):
            return None
        found = [e.get(SUBJECT_KEY[trigger]) for e in events]
    # Ids are at most 100 characters in the table (as the code folds them): once each.
    return list(dict.fromkeys(x[:100] for x in found if isinstance(x, str) and x))


def _create_table() -> None:
    op.create_table(
        "alert_subjects",
        sa.Column("alert_id", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", threatvec.store.base.UTCDateTime(), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_subjects_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_alert_subjects_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("alert_id", "subject_id", name=op.f("pk_alert_subjects")),
    )
    op.create_index(op.f("ix_alert_subjects_org_id"), "alert_subjects", ["org_id"])


def upgrade() -> None:
    _create_table()
    conn = op.get_bind()
    for a in _alerts(conn):
        details = dict(a.details or {})
        ids = _listed(a.trigger, details, a.occurrences)
        if ids is None:
            continue
        seen: datetime = a.first_seen_at  # when each came in was not kept: the alert's start
        rows = [{"org_id": a.org_id, "alert_id": a.id, "subject_id": sid,
                 "kind": KIND[a.trigger], "seq": n, "first_seen_at": seen}
                for n, sid in enumerate(ids, start=1)]  # fmt: skip
        for i in range(0, len(rows), 5000):
            conn.execute(subjects.insert(), rows[i : i + 5000])
        details.update(subjects=ids[:SHOWN], subjects_total=len(ids))
        conn.execute(alerts.update().where(alerts.c.id == a.id).values(details=details))


def downgrade() -> None:
    conn = op.get_bind()
    for a in _alerts(conn):
        details = dict(a.details or {})
        if not isinstance(details.pop("subjects_total", None), int):
            continue
        details["subjects"] = list(
            conn.scalars(
                sa.select(subjects.c.subject_id)
                .where(subjects.c.org_id == a.org_id, subjects.c.alert_id == a.id)
                .order_by(subjects.c.seq)
            )
        )
        conn.execute(alerts.update().where(alerts.c.id == a.id).values(details=details))
    op.drop_index(op.f("ix_alert_subjects_org_id"), table_name="alert_subjects")
    op.drop_table("alert_subjects")
