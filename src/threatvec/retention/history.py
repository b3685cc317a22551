"""Retention of history records: red-team runs and cycles, MCP scan reports, import jobs.

These tables grow with every run, scan and upload, like the raw events, and are cut at
the same ``events_keep_days`` (400 by default): one window an admin sets for every record
of what happened. Every reader of them that feeds a score, a verdict or compliance
evidence reads a recent window (agent pass rates, the ATLAS heatmap and compliance: 30
days of results; the MCP compliance check: 30 days of scans) or "the latest" row, so
what is kept is:

- every row inside the window;
- anything still active (a queued or running run, cycle or import job);
- the latest row a reader shows whatever its age: each agent's last run (its
  summary), the org's last finished run (compliance "latest run" evidence), the org's
  last scan report (compliance "last scan"), the org's last import job (the page);
- rows another kept row refers to: a run's cycle, a cycle holding a mapping
  suggestion (an approved one is a mapping rule the next cycles apply; any one stops
  the model being asked again), a scan report a stored MCP snapshot names.

Children go before their parent (results before their run, outcomes before their
cycle), each batch in its own short transaction, on an (org, time) index seek, as
:mod:`threatvec.retention.service` does for the raw events. The MCP snapshots, pins,
findings and tools are a server's current state, not history: never deleted here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from threatvec.core.clock import utcnow
from threatvec.mcp.models import McpScan, McpSnapshot
from threatvec.redteam.models import (
    AtlasImport,
    RedTeamCycle,
    RedTeamCycleOutcome,
    RedTeamResult,
    RedTeamRun,
)
from threatvec.redteam.service import ACTIVE_STATUSES
from threatvec.retention.service import BATCH_SIZE
from threatvec.vulns.models import StackImportJob
from threatvec.vulns.stack_jobs import ACTIVE as IMPORT_ACTIVE

__all__ = ["HISTORY_TABLES", "batch_query", "prune_atlas_imports", "prune_history"]

log = logging.getLogger("threatvec.retention")

# In the order they are pruned: each parent's children first.
HISTORY_TABLES = (
    "redteam_cycle_outcomes",
    "redteam_cycles",
    "redteam_results",
    "redteam_runs",
    "mcp_scans",
    "tech_stack_import_jobs",
)

_DONE = ("completed", "cancelled")


@dataclass(frozen=True)
class _Table:
    """A history table: its time column, what is never old enough, its child rows."""

    model: Any
    at: InstrumentedAttribute[datetime]
    # Conditions a deletable row meets besides its age (not active, nothing refers to it).
    where: Callable[[datetime], list[ColumnElement[bool]]]
    # Ids kept whatever their age (the latest rows a reader shows).
    spare: Callable[[Session, str], set[str]]
    children: tuple[tuple[Any, InstrumentedAttribute[str]], ...] = ()
    # Drops ids of one batch that must stay for a reason found in their rows.
    keep: Callable[[Session, str, list[str]], set[str]] | None = None


@dataclass
class _Run:
    session: Session
    org_id: str
    cutoff: datetime
    batch: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HISTORY_TABLES, 0))


def _finished_before(col: InstrumentedAttribute[Any], cutoff: datetime) -> ColumnElement[bool]:
    return or_(col.is_(None), col < cutoff)


# ── what each table keeps ──────────────────────────────────────────────────


def _spared_runs(session: Session, org_id: str) -> set[str]:
    """Each agent's last run (agent summary) and the org's last finished run (compliance)."""
    spared: set[str] = set()
    agents = session.scalars(
        select(RedTeamRun.agent_id).where(RedTeamRun.org_id == org_id).distinct()
    ).all()
    for agent_id in agents:  # one seek each on (org_id, agent_id, created_at)
        last = session.scalar(
            select(RedTeamRun.id)
            .where(RedTeamRun.org_id == org_id, RedTeamRun.agent_id == agent_id)
            .order_by(RedTeamRun.created_at.desc(), RedTeamRun.id.desc())
            .limit(1)
        )
        if last is not None:
            spared.add(last)
    done = [RedTeamRun.org_id == org_id, RedTeamRun.status.in_(_DONE)]
    # Both orders: the compliance check's (NULLs first on PostgreSQL) and its max().
    for order in (RedTeamRun.finished_at.desc(), RedTeamRun.finished_at.desc().nulls_last()):
        last = session.scalar(select(RedTeamRun.id).where(*done).order_by(order, RedTeamRun.id))
        if last is not None:
            spared.add(last)
    return spared


def _spared_cycles(session: Session, org_id: str) -> set[str]:
    """The cycles of the runs kept whatever their age: a run never names a deleted cycle."""
    runs = _spared_runs(session, org_id)
    if not runs:
        return set()
    return {
        c
        for c in session.scalars(select(RedTeamRun.cycle_id).where(RedTeamRun.id.in_(runs)))
        if c is not None
    }


def _cycles_with_suggestions(session: Session, org_id: str, ids: list[str]) -> set[str]:
    """Cycles holding a mapping suggestion: it lives on the cycle's unmapped outcome row."""
    rows = session.execute(
        select(RedTeamCycleOutcome.cycle_id, RedTeamCycleOutcome.provenance).where(
            RedTeamCycleOutcome.org_id == org_id,
            RedTeamCycleOutcome.cycle_id.in_(ids),
            RedTeamCycleOutcome.status == "unmapped",
        )
    )
    return {c for c, prov in rows if isinstance((prov or {}).get("suggestion"), dict)}


def _last(model: Any, at: InstrumentedAttribute[datetime]) -> Callable[[Session, str], set[str]]:
    def spare(session: Session, org_id: str) -> set[str]:
        last = session.scalar(
            select(model.id).where(model.org_id == org_id).order_by(at.desc(), model.id).limit(1)
        )
        return set() if last is None else {last}

    return spare


def _spared_scans(session: Session, org_id: str) -> set[str]:
    return _last(McpScan, McpScan.received_at)(session, org_id)


def _scans_named_by_snapshots(session: Session, org_id: str, ids: list[str]) -> set[str]:
    named = session.scalars(
        select(McpSnapshot.scan_id).where(McpSnapshot.scan_id.in_(ids)).distinct()
    )
    return {s for s in named if s is not None}


_TABLES: tuple[_Table, ...] = (
    # Cycles before runs: a run of a cycle goes only once its cycle is gone.
    _Table(
        RedTeamCycle,
        RedTeamCycle.created_at,
        lambda cutoff: [
            RedTeamCycle.status.not_in(ACTIVE_STATUSES),
            _finished_before(RedTeamCycle.finished_at, cutoff),
        ],
        _spared_cycles,
        children=((RedTeamCycleOutcome, RedTeamCycleOutcome.cycle_id),),
        keep=_cycles_with_suggestions,
    ),
    _Table(
        RedTeamRun,
        RedTeamRun.created_at,
        lambda cutoff: [
            RedTeamRun.status.not_in(ACTIVE_STATUSES),
            _finished_before(RedTeamRun.finished_at, cutoff),
            or_(
                RedTeamRun.cycle_id.is_(None),
                ~exists().where(RedTeamCycle.id == RedTeamRun.cycle_id),
            ),
        ],
        _spared_runs,
        children=((RedTeamResult, RedTeamResult.run_id),),
    ),
    _Table(
        McpScan,
        McpScan.received_at,
        lambda cutoff: [],
        _spared_scans,
        keep=_scans_named_by_snapshots,
    ),
    _Table(
        StackImportJob,
        StackImportJob.created_at,
        lambda cutoff: [
            StackImportJob.status.not_in(IMPORT_ACTIVE),
            _finished_before(StackImportJob.finished_at, cutoff),
        ],
        _last(StackImportJob, StackImportJob.created_at),
    ),
)


# ── the batches ───────────────────────────────────────────────────────────


def _delete_children(run: _Run, child: Any, fk: InstrumentedAttribute[str], ids: list[str]) -> None:
    """A batch's child rows, at most ``batch`` per transaction (a run holds many results)."""
    s = run.session
    while True:
        child_ids = s.scalars(
            select(child.id).where(child.org_id == run.org_id, fk.in_(ids)).limit(run.batch)
        ).all()
        if not child_ids:
            return
        result = s.execute(
            delete(child)
            .where(child.id.in_(child_ids), child.org_id == run.org_id)
            .execution_options(synchronize_session=False)
        )
        run.counts[child.__tablename__] += int(getattr(result, "rowcount", 0) or 0)
        s.commit()


def _where(table: _Table, org_id: str, cutoff: datetime) -> list[ColumnElement[bool]]:
    return [table.model.org_id == org_id, table.at < cutoff, *table.where(cutoff)]


def batch_query(
    name: str, org_id: str, cutoff: datetime, batch: int, after: tuple[datetime, str] | None
) -> Select[Any, str, datetime]:
    """The next batch of a history table's old rows (id, time), oldest first from where the
    last batch ended; bench/history_retention.py prints its plans."""
    table = next(t for t in _TABLES if t.model.__tablename__ == name)
    model = table.model
    stmt = select(model.id, table.at).where(*_where(table, org_id, cutoff))
    if after is not None:
        # A range on the (org, time) index, then the ties: kept rows are passed once.
        stmt = stmt.where(table.at >= after[0], or_(table.at > after[0], model.id > after[1]))
    return stmt.order_by(table.at, model.id).limit(batch)


def _prune_table(run: _Run, table: _Table) -> None:
    s, model = run.session, table.model
    spared: set[str] | None = None  # read once there is an old row: most runs find none
    where = _where(table, run.org_id, run.cutoff)
    after: tuple[datetime, str] | None = None
    while True:
        stmt = batch_query(model.__tablename__, run.org_id, run.cutoff, run.batch, after)
        rows = s.execute(stmt).all()
        if not rows:
            break
        if spared is None:
            spared = table.spare(s, run.org_id)
        ids = [i for i, _ in rows if i not in spared]
        if ids and table.keep is not None:
            kept = table.keep(s, run.org_id, ids)
            ids = [i for i in ids if i not in kept]
        if ids:
            for child, fk in table.children:
                _delete_children(run, child, fk, ids)
            result = s.execute(
                delete(model)
                .where(model.id.in_(ids), *where)
                .execution_options(synchronize_session=False)
            )
            run.counts[model.__tablename__] += int(getattr(result, "rowcount", 0) or 0)
        s.commit()
        if len(rows) < run.batch:
            break
        after = (rows[-1][1], rows[-1][0])


def prune_history(
    *,
    session: Session,
    org_id: str,
    keep_days: int,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
) -> dict[str, int]:
    """Delete the org's history records older than keep_days; rows deleted per table.

    Commits after each batch.
    """
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1")
    run = _Run(session, org_id, (now or utcnow()) - timedelta(days=keep_days), batch_size)
    for table in _TABLES:
        _prune_table(run, table)
    session.commit()  # the reads' transaction, when nothing was deleted
    if any(run.counts.values()):
        log.info(
            "org %s: deleted history before %s: %s", org_id, run.cutoff.isoformat(), run.counts
        )
    return run.counts


def prune_atlas_imports(*, session: Session, keep_days: int, now: datetime | None = None) -> int:
    """Delete ATLAS import records older than keep_days, keeping the newest of each matrix
    and the newest of all (the current catalogue is read from it) whatever their age.

    Shared reference data, a row per import (weekly at most): one small delete.
    """
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1")
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    order = (AtlasImport.imported_at.desc(), AtlasImport.id)
    spared: set[str] = set()
    newest = session.scalar(select(AtlasImport.id).order_by(*order).limit(1))
    if newest is not None:
        spared.add(newest)
    matrices: Sequence[str] = session.scalars(select(AtlasImport.matrix_id).distinct()).all()
    for matrix in matrices:
        last = session.scalar(
            select(AtlasImport.id).where(AtlasImport.matrix_id == matrix).order_by(*order).limit(1)
        )
        if last is not None:
            spared.add(last)
    result = session.execute(
        delete(AtlasImport)
        .where(AtlasImport.imported_at < cutoff, AtlasImport.id.not_in(spared))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
