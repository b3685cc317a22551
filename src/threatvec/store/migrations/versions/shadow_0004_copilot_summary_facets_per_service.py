"""Microsoft 365 Copilot summary counters per service (shadow_service_facets)

Revision ID: shadow_0004
Revises: shadow_0003
Create Date: 2026-11-28 20:02:36

The service detail's Copilot summary (app hosts, resource types, sensitivity labels)
was computed from the raw events, which retention now prunes, so an org's summary
emptied once its Copilot events were older than THREATVEC_EVENTS_KEEP_DAYS. The
counters are filled in from the events still stored; what was pruned before this
revision cannot be recovered.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from alembic import op

from threatvec.store.base import JSONType

revision = "shadow_0004"
down_revision = "shadow_0003"
branch_labels = None
depends_on = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _facets(signals: object) -> Counter[tuple[str, str]]:
    # As service._m365_facets counts one interaction.
    sig = signals if isinstance(signals, dict) else {}
    out: Counter[tuple[str, str]] = Counter({("m365", ""): 1})
    if isinstance(sig.get("app_host"), str):
        out[("app_host", sig["app_host"])] += 1
    for kind in sig.get("resource_types", []):
        out[("resource_type", kind)] += 1
    for label in set(sig.get("sensitivity_labels", [])):
        out[("label", label)] += 1
    return out


def _backfill(facets: sa.Table) -> None:
    conn = op.get_bind()
    events = sa.table(
        "shadow_events",
        sa.column("org_id", sa.String),
        sa.column("service_id", sa.String),
        sa.column("source", sa.String),
        sa.column("signals", JSONType),
    )
    counts: Counter[tuple[str, str, str, str]] = Counter()
    query = (
        sa.select(events.c.org_id, events.c.service_id, events.c.signals)
        .where(events.c.source == "m365")
        .execution_options(yield_per=5000)
    )
    for org_id, service_id, signals in conn.execute(query):
        for (facet, value), n in _facets(signals).items():
            counts[(org_id, service_id, facet, value)] += n
    rows = [
        {"org_id": o, "service_id": s, "facet": f, "value": v, "events": n}
        for (o, s, f, v), n in sorted(counts.items())
    ]
    if rows:
        conn.execute(facets.insert(), rows)


def upgrade() -> None:
    facets = op.create_table(
        "shadow_service_facets",
        sa.Column("id", _BIGINT, autoincrement=True, nullable=False),
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("facet", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_shadow_service_facets_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["shadow_services.id"],
            name=op.f("fk_shadow_service_facets_service_id_shadow_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_service_facets")),
        sa.UniqueConstraint(
            "service_id",
            "facet",
            "value",
            name=op.f("uq_shadow_service_facets_service_id_facet_value"),
        ),
    )
    with op.batch_alter_table("shadow_service_facets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shadow_service_facets_org_id"), ["org_id"], unique=False
        )
    _backfill(facets)


def downgrade() -> None:
    with op.batch_alter_table("shadow_service_facets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shadow_service_facets_org_id"))
    op.drop_table("shadow_service_facets")
