"""Retention of raw events: an org's rows older than ``events_keep_days`` are deleted.

The raw tables grow with every event; the daily aggregates (agent_usage,
agent_activity, shadow_daily, the shadow service counters, posture snapshots) do not,
and they are what scores, verdicts and compliance evidence read. Every reader of a
raw table reads a recent window (7 to 30 days) or the newest N rows, so a cut at 400
days (the default) changes no answer inside the window. Aggregates are never pruned
here.

Each table is pruned by the time its readers filter on (and, where it differs, by when
the row arrived: see RawTable.received), per group of an index whose
first column is the org (or the agent / integration, whose org is checked too), oldest
first, in batches that are each their own transaction: a first prune of a year of rows
never holds a long write lock (SQLite) or a long transaction (PostgreSQL).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from threatvec.agents.models import Agent, AgentEvent
from threatvec.alerts.models import AlertInboundEvent
from threatvec.core.clock import utcnow
from threatvec.enforcement.models import EnforcementEvent, SnapperSecurityEvent
from threatvec.integrations.models import Integration, IntegrationRun
from threatvec.shadow.models import ShadowEvent

__all__ = ["BATCH_SIZE", "TABLES", "RawTable", "batch_query", "groups", "prune_events"]

log = logging.getLogger("threatvec.retention")

BATCH_SIZE = 1000


@dataclass(frozen=True)
class RawTable:
    """A raw event table: its time column, and the column its (group, time) index leads with.

    ``parent`` lists an org's groups (its agents, its integrations) when the index leads
    with one; with no parent the org itself is the group. ``received`` is when a row
    arrived, when that is not ``at``: a row goes once both are past the cutoff, so an
    import of old history keeps its event ids as long as the window after it arrived,
    and a second import of the same file finds them there (its events counted once in
    the aggregates). ``spare`` is never deleted.
    """

    model: Any
    at: InstrumentedAttribute[datetime]
    group: InstrumentedAttribute[str]
    parent: tuple[InstrumentedAttribute[str], InstrumentedAttribute[str]] | None = None
    received: InstrumentedAttribute[datetime] | None = None
    spare: ColumnElement[bool] | None = None

    @property
    def name(self) -> str:
        return str(self.model.__tablename__)


TABLES: tuple[RawTable, ...] = (
    # ix_agent_events_agent_ts: per agent of the org.
    RawTable(
        AgentEvent,
        AgentEvent.ts,
        AgentEvent.agent_id,
        parent=(Agent.id, Agent.org_id),
        received=AgentEvent.received_at,
    ),
    RawTable(
        ShadowEvent, ShadowEvent.occurred_at, ShadowEvent.org_id, received=ShadowEvent.received_at
    ),
    RawTable(
        EnforcementEvent,
        EnforcementEvent.ts,
        EnforcementEvent.org_id,
        received=EnforcementEvent.received_at,
    ),
    RawTable(
        SnapperSecurityEvent,
        SnapperSecurityEvent.ts,
        SnapperSecurityEvent.org_id,
        received=SnapperSecurityEvent.received_at,
    ),
    RawTable(AlertInboundEvent, AlertInboundEvent.received_at, AlertInboundEvent.org_id),
    # A running sync still has to write its counts into its row (integrations.flows).
    RawTable(
        IntegrationRun,
        IntegrationRun.started_at,
        IntegrationRun.integration_id,
        parent=(Integration.id, Integration.org_id),
        spare=IntegrationRun.status == "running",
    ),
)


def groups(session: Session, table: RawTable, org_id: str) -> Sequence[str]:
    if table.parent is None:
        return [org_id]
    key, owner = table.parent
    return list(session.scalars(select(key).where(owner == org_id)))


def _candidates(table: RawTable, org_id: str, group: str, cutoff: datetime) -> list[Any]:
    # org_id too: a group id from another org never reaches its rows.
    where = [table.group == group, table.model.org_id == org_id, table.at < cutoff]
    if table.spare is not None:
        where.append(~table.spare)
    return where


def batch_query(
    table: RawTable,
    org_id: str,
    group: str,
    cutoff: datetime,
    batch: int,
    after: tuple[datetime, Any] | None = None,
) -> Select[Any, datetime, datetime]:
    """The next batch of old rows (id, time, arrival) on the (group, time) index, oldest
    first from where the last batch ended; bench/events_retention.py prints its plans.

    The arrival is checked in Python, not here: a second condition on another time made
    PostgreSQL guess a few rows and read and sort every old row of the org each batch.
    """
    pk = table.model.__mapper__.primary_key[0]
    # Any: mypy reads a dataclass field holding a descriptor as the descriptor's value.
    received: Any = table.at if table.received is None else table.received
    where = _candidates(table, org_id, group, cutoff)
    if after is not None:
        at, last_id = after
        # A range on the index, then the ties: rows kept (arrived late) are passed once.
        where += [table.at >= at, or_(table.at > at, pk > last_id)]
    return select(pk, table.at, received).where(*where).order_by(table.at, pk).limit(batch)


def _prune_group(
    session: Session, table: RawTable, org_id: str, group: str, cutoff: datetime, batch: int
) -> int:
    """Delete one group's rows older than the cutoff, ``batch`` per transaction."""
    pk = table.model.__mapper__.primary_key[0]
    where = _candidates(table, org_id, group, cutoff)
    if table.received is not None:
        where.append(table.received < cutoff)
    deleted, after = 0, None
    while True:
        rows = session.execute(batch_query(table, org_id, group, cutoff, batch, after)).all()
        if not rows:
            break
        ids = [row_id for row_id, _, received in rows if received < cutoff]
        if ids:
            result = session.execute(
                delete(table.model)
                .where(pk.in_(ids), *where)
                .execution_options(synchronize_session=False)
            )
            deleted += int(getattr(result, "rowcount", 0) or 0)
        session.commit()
        if len(rows) < batch:
            break
        after = (rows[-1][1], rows[-1][0])
    return deleted


def prune_events(
    *,
    session: Session,
    org_id: str,
    keep_days: int,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
) -> dict[str, int]:
    """Delete the org's raw events older than keep_days; rows deleted per table.

    Commits after each batch.
    """
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1")
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    counts: dict[str, int] = {}
    for table in TABLES:
        ids = groups(session, table, org_id)
        counts[table.name] = sum(
            _prune_group(session, table, org_id, g, cutoff, batch_size) for g in ids
        )
    session.commit()  # the group reads' transaction, when nothing was deleted
    if any(counts.values()):
        log.info("org %s: deleted raw events before %s: %s", org_id, cutoff.isoformat(), counts)
    return counts
