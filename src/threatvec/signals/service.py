"""Publish signals and read them back in order (for SSE resume and replicas).

A signal is a row; publishing inside the caller's transaction means a signal
is visible exactly when the data it describes is committed. On PostgreSQL a
``pg_notify`` in the same transaction wakes the other replicas on commit; on
every backend the session's after-commit hook wakes local subscribers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.signals.models import Signal

__all__ = ["NOTIFY_CHANNEL", "latest_id", "list_since", "prune", "publish", "publish_many"]

NOTIFY_CHANNEL = "threatvec_signals"
PUBLISHED_FLAG = "threatvec_signals_published"


def publish(*, session: Session, org_id: str, kind: str, data: dict[str, Any]) -> Signal:
    signal = Signal(org_id=org_id, kind=kind[:60], data=data)
    session.add(signal)
    session.flush()
    session.info[PUBLISHED_FLAG] = True
    if session.get_bind().dialect.name == "postgresql":
        payload = json.dumps({"org_id": org_id, "id": signal.id})
        session.execute(text("SELECT pg_notify(:ch, :p)"), {"ch": NOTIFY_CHANNEL, "p": payload})
    return signal


def publish_many(
    *, session: Session, org_id: str, signals: Sequence[tuple[str, dict[str, Any]]]
) -> list[int]:
    """Publish (kind, data) pairs in order with one INSERT and one notify; their ids, ascending."""
    if not signals:
        return []
    on_pg = session.get_bind().dialect.name == "postgresql"
    # Readers page by id, so ids must follow the list. PostgreSQL guarantees that only for
    # INSERT … SELECT … ORDER BY, which sort_by_parameter_order emits as one statement;
    # SQLite inserts a VALUES list in order, and asking it to sort costs one INSERT per row.
    stmt = insert(Signal).returning(Signal.id, sort_by_parameter_order=on_pg)
    rows = [{"org_id": org_id, "kind": kind[:60], "data": data} for kind, data in signals]
    ids = sorted(int(i) for i in session.scalars(stmt, rows))
    session.info[PUBLISHED_FLAG] = True
    if on_pg:
        # Listeners only wake and re-read by id: one notify per transaction is enough.
        payload = json.dumps({"org_id": org_id, "id": ids[-1]})
        session.execute(text("SELECT pg_notify(:ch, :p)"), {"ch": NOTIFY_CHANNEL, "p": payload})
    return ids


def list_since(
    *, session: Session, org_id: str, after_id: int, limit: int = 500, kinds: Sequence[str] = ()
) -> list[Signal]:
    stmt = select(Signal).where(Signal.org_id == org_id, Signal.id > after_id)
    if kinds:
        stmt = stmt.where(Signal.kind.in_(list(kinds)))
    return list(session.scalars(stmt.order_by(Signal.id).limit(limit)))


def list_latest(
    *, session: Session, org_id: str, limit: int, kinds: Sequence[str] = ()
) -> list[Signal]:
    """The org's newest `limit` signals (of `kinds`, if given), oldest first."""
    # Ids are shared by every org: "latest id minus limit" would be a window that a
    # busy neighbour's signals fill, so take the org's own last rows instead.
    stmt = select(Signal).where(Signal.org_id == org_id)
    if kinds:
        stmt = stmt.where(Signal.kind.in_(list(kinds)))
    rows = list(session.scalars(stmt.order_by(Signal.id.desc()).limit(limit)))
    rows.reverse()
    return rows


def latest_id(*, session: Session, org_id: str) -> int:
    return int(session.scalar(select(func.max(Signal.id)).where(Signal.org_id == org_id)) or 0)


def prune(*, session: Session, org_id: str, keep_days: int = 7) -> int:
    cutoff = utcnow() - timedelta(days=keep_days)
    result = session.execute(
        delete(Signal).where(Signal.org_id == org_id, Signal.created_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)
