"""Reading past a cursor without skipping a signal that commits late (signals.settled).

The PostgreSQL cases use real concurrent transactions, each on its own
connection, holding ids uncommitted while higher ids commit.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import OrgHandle, backend
from threatvec.core.clock import utcnow
from threatvec.signals import service
from threatvec.signals.models import Signal
from threatvec.signals.settled import GAP_GRACE_S, list_settled, settled_through
from threatvec.store.engine import session_scope

postgres_only = pytest.mark.skipif(
    backend() != "postgres", reason="ids commit out of order only on PostgreSQL"
)


def _top(factory: sessionmaker[Session]) -> int:
    # Start past every id already there: earlier tests' rollbacks leave gaps.
    with session_scope(factory) as s:
        return int(s.scalar(select(func.max(Signal.id))) or 0)


def _commit_one(factory: sessionmaker[Session], org_id: str, n: int) -> int:
    with session_scope(factory) as s:
        return service.publish(session=s, org_id=org_id, kind="custom", data={"n": n}).id


def _hold_one(factory: sessionmaker[Session], org_id: str, n: int) -> tuple[Session, int]:
    """A transaction on its own connection that has taken an id and not committed."""
    s = factory()
    return s, service.publish(session=s, org_id=org_id, kind="custom", data={"n": n}).id


def _read(factory: sessionmaker[Session], org_id: str, after: int) -> list[int]:
    with session_scope(factory) as s:
        rows = list_settled(session=s, org_id=org_id, after_id=after, now=utcnow())
        return [r.id for r in rows]


def test_without_a_gap_every_signal_is_read(
    session_factory: sessionmaker[Session], org: OrgHandle
) -> None:
    start = _top(session_factory)
    ids = [_commit_one(session_factory, org.id, n) for n in range(3)]
    with session_scope(session_factory) as s:
        bound = settled_through(session=s, after_id=start, now=utcnow())
    if backend() == "postgres":
        assert bound == ids[-1]  # no gap: up to the newest id
    else:
        assert bound is None  # one writer at a time: ids commit in order
    assert _read(session_factory, org.id, start) == ids


@postgres_only
def test_a_run_of_ids_in_flight_holds_the_reader_below_all_of_them(
    session_factory: sessionmaker[Session], org: OrgHandle
) -> None:
    start = _top(session_factory)
    first, a = _hold_one(session_factory, org.id, 1)
    second, b = _hold_one(session_factory, org.id, 2)
    try:
        c = _commit_one(session_factory, org.id, 3)
        assert start < a < b < c
        assert _read(session_factory, org.id, start) == []

        # The higher of the two commits first: `a` is still in flight, so `b` waits too.
        second.commit()
        assert _read(session_factory, org.id, start) == []

        first.commit()
        assert _read(session_factory, org.id, start) == [a, b, c]
    finally:
        first.close()
        second.close()


@postgres_only
def test_signals_below_the_gap_are_read_and_the_rest_wait(
    session_factory: sessionmaker[Session], org: OrgHandle
) -> None:
    start = _top(session_factory)
    before = [_commit_one(session_factory, org.id, n) for n in range(2)]
    holder, late = _hold_one(session_factory, org.id, 2)
    try:
        after = _commit_one(session_factory, org.id, 3)
        with session_scope(session_factory) as s:
            assert settled_through(session=s, after_id=start, now=utcnow()) == before[-1]
        assert _read(session_factory, org.id, start) == before
        holder.commit()
    finally:
        holder.close()
    assert _read(session_factory, org.id, before[-1]) == [late, after]


@postgres_only
def test_a_gap_older_than_the_grace_period_is_passed(
    session_factory: sessionmaker[Session], org: OrgHandle
) -> None:
    start = _top(session_factory)
    holder, lost = _hold_one(session_factory, org.id, 1)
    after = _commit_one(session_factory, org.id, 2)
    holder.rollback()
    holder.close()
    with session_scope(session_factory) as s:
        now = utcnow()
        assert settled_through(session=s, after_id=start, now=now) == start
        later = now + timedelta(seconds=GAP_GRACE_S + 1)
        assert settled_through(session=s, after_id=start, now=later) == after
        rows = list_settled(session=s, org_id=org.id, after_id=start, now=later)
        assert [r.id for r in rows] == [after] and lost < after
