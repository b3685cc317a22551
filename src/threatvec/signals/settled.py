"""Reading the signal stream by id without passing a signal that may still commit.

On PostgreSQL an id is taken from a sequence at INSERT, not at COMMIT: the
transaction that took 101 can commit after the one that took 102, and a reader
whose cursor already moved past 102 would never see 101. So a reader stops
below the first gap in the ids that is followed by a recent signal (created
less than ``GAP_GRACE_S`` ago): that gap may be a transaction still in flight.
A gap followed by an older signal is taken as a rollback (sequence values are
never handed out twice) and passed. SQLite has one writer at a time, so its ids
commit in order and there is nothing to wait for.

Every cursor over the stream reads through ``list_settled``: the alert
evaluator, the SIEM forwarders and the live SSE stream (Live AI Traffic), which
waits a shorter ``LIVE_GAP_GRACE_S`` so that a rolled-back transaction holds a
live view for seconds, not a minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from threatvec.signals import service as signals
from threatvec.signals.models import Signal

__all__ = ["GAP_GRACE_S", "LIVE_GAP_GRACE_S", "list_settled", "settled_through"]

# How long an id may stay uncommitted before a reader presumes it rolled back.
GAP_GRACE_S = 60.0
# The live stream's wait: a transaction that publishes signals commits in well under
# this. One still open after it is passed over (a live view should not freeze for a
# minute behind a rollback); alerts and forwarders, which must not miss, wait GAP_GRACE_S.
LIVE_GAP_GRACE_S = 10.0
# Ids examined per call; past that the bound stops at the last one examined.
MAX_SCAN = 10_000


def settled_through(
    *, session: Session, after_id: int, now: datetime, grace_s: float = GAP_GRACE_S
) -> int | None:
    """The highest id a reader at ``after_id`` may move to now; None when ids commit in order."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    cutoff = now - timedelta(seconds=grace_s)
    first_recent = (
        select(func.min(Signal.id))
        .where(Signal.id > after_id, Signal.created_at >= cutoff)
        .scalar_subquery()
    )
    # One statement is one snapshot (READ COMMITTED): the newest id, and the last id
    # before the recent ones. Any gap below that last id is followed by an old signal.
    top, base, recent = session.execute(
        select(
            select(func.max(Signal.id)).where(Signal.id > after_id).scalar_subquery(),
            select(func.max(Signal.id))
            .where(Signal.id > after_id, Signal.id < first_recent)
            .scalar_subquery(),
            first_recent,
        )
    ).one()
    if top is None:
        return after_id
    if recent is None:
        return int(top)
    # A later snapshot sees at least what the first one saw, so judging the recent
    # ids here and reading rows after this can only find more, never fewer.
    prev = int(base) if base is not None else after_id
    rows = session.execute(
        select(Signal.id, Signal.created_at)
        .where(Signal.id > prev, Signal.id <= top)
        .order_by(Signal.id)
        .limit(MAX_SCAN)
    ).all()
    for sid, created_at in rows:
        if sid > prev + 1 and created_at >= cutoff:
            return prev  # prev+1 .. sid-1 may still be in flight
        prev = sid
    return prev


def list_settled(
    *,
    session: Session,
    org_id: str,
    after_id: int,
    now: datetime,
    limit: int = 500,
    kinds: Sequence[str] = (),
    grace_s: float = GAP_GRACE_S,
) -> list[Signal]:
    """``list_since``, stopping below any id that may still commit (module docstring)."""
    # The bound first: rows read afterwards are at least as complete as what it judged.
    bound = settled_through(session=session, after_id=after_id, now=now, grace_s=grace_s)
    rows = signals.list_since(
        session=session, org_id=org_id, after_id=after_id, limit=limit, kinds=kinds
    )
    return rows if bound is None else [r for r in rows if r.id <= bound]
