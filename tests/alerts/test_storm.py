"""An alert storm: thousands of matches about different subjects folding into one alert.

Each fold adds one alert_subjects row (insert-if-absent) and rewrites no growing list;
auto-resolve reads the subjects by join, in the alert's org only. Counted in statements,
rows and bytes sent, never in wall-clock time.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.alerts.conftest import add_rule
from tests.conftest import create_org
from threatvec.alerts import flows
from threatvec.alerts.models import Alert, AlertSubject
from threatvec.shadow.models import ShadowService
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope


def _storm(factory: sessionmaker[Session], org_id: str, n: int, *, ids: list[str] | None = None,
           services: bool = True) -> list[str]:  # fmt: skip
    """n first visits of n services (unregistered), one shadow.new_service signal each."""
    ids = ids or [uuid.uuid4().hex for _ in range(n)]
    now = datetime.now(UTC)
    with session_scope(factory) as s:
        if services:
            s.execute(insert(ShadowService), [
                {"id": sid, "org_id": org_id, "domain": f"{sid[:12]}.example", "name": sid[:12],
                 "first_seen": now, "last_seen": now} for sid in ids
            ])  # fmt: skip
        signals.publish_many(session=s, org_id=org_id, signals=[
            ("shadow.new_service", {"service_id": sid, "domain": f"{sid[:12]}.example",
                                    "risk": "HIGH"}) for sid in ids
        ])  # fmt: skip
    return ids


@contextmanager
def _counted(factory: sessionmaker[Session]) -> Iterator[list[tuple[str, int]]]:
    """Each statement this thread runs meanwhile, with the bytes of its largest bound value.

    This thread only: a live server of another test may share the engine and run its
    scheduled jobs meanwhile."""
    engine = factory.kw["bind"]
    seen: list[tuple[str, int]] = []
    me = threading.get_ident()

    def size(v: Any) -> int:
        if hasattr(v, "obj"):  # psycopg's Json wrapper
            v = v.obj
        return len(json.dumps(v, default=str)) if isinstance(v, dict | list) else len(str(v))

    def count(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        if threading.get_ident() != me:
            return
        rows = params if isinstance(params, list) else [params]
        biggest = 0
        for row in rows:
            values = row.values() if isinstance(row, dict) else (row or ())
            biggest = max([biggest, *(size(v) for v in values)])
        seen.append((statement, biggest))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _evaluate_all(factory: sessionmaker[Session], org_id: str) -> flows.EvaluationResult:
    total = flows.EvaluationResult()
    while True:
        with session_scope(factory) as s:
            res = flows.evaluate(session=s, org_id=org_id)
        total.alerts_created += res.alerts_created
        total.alerts_folded += res.alerts_folded
        total.auto_resolved += res.auto_resolved
        if res.signals == 0:
            return total


def _alert(factory: sessionmaker[Session], org_id: str) -> Alert:
    with session_scope(factory) as s:
        return s.scalars(select(Alert).where(Alert.org_id == org_id)).one()


def _subjects(factory: sessionmaker[Session], alert_id: str) -> list[str]:
    with session_scope(factory) as s:
        return list(
            s.scalars(
                select(AlertSubject.subject_id)
                .where(AlertSubject.alert_id == alert_id)
                .order_by(AlertSubject.seq)
            )
        )


def _fold(factory: sessionmaker[Session], n: int) -> tuple[str, list[str], list[tuple[str, int]]]:
    org = create_org(factory)
    with session_scope(factory) as s:
        add_rule(s, org.id, {"trigger": "new_shadow_asset"}, auto_resolve=True)
    ids = _storm(factory, org.id, n)
    with _counted(factory) as seen:
        res = _evaluate_all(factory, org.id)
    assert (res.alerts_created, res.alerts_folded, res.auto_resolved) == (1, n - 1, 0)
    return org.id, ids, seen


def test_a_storm_of_thousands_folds_one_row_per_subject_and_no_growing_json(
    session_factory: sessionmaker[Session],
) -> None:
    _, _, small = _fold(session_factory, 200)
    org_id, ids, big = _fold(session_factory, 3000)

    alert = _alert(session_factory, org_id)
    assert alert.occurrences == 3000 and alert.status == "open"
    # Every subject is a row, in the order they came; the JSON shows 20 and the total.
    assert _subjects(session_factory, alert.id) == ids
    assert alert.details["subjects"] == ids[:20] and alert.details["subjects_total"] == 3000
    assert len(alert.details["events"]) == 20
    # What one fold sends does not grow with the storm: the largest value bound in any
    # statement is the same at 200 and 3,000 subjects, give or take the total's digits (the
    # old list was over 100 KB at 3,000).
    biggest = max(b for stmt, b in big if "alerts" in stmt)
    assert abs(biggest - max(b for stmt, b in small if "alerts" in stmt)) <= 5
    assert biggest < 5000
    # A fold issues no statement of its own: the group's alert is kept for the pass and the
    # subjects are written 500 to an insert (the old code: a lookup and a list per match).
    per_match = (len(big) - len(small)) / (3000 - 200)
    assert per_match < 0.05, per_match
    inserts = [s for s, _ in big if s.lstrip().upper().startswith("INSERT INTO ALERT_SUBJECTS")]
    assert len(inserts) == 3000 // 500


def test_a_subject_folded_again_is_kept_once(session_factory: sessionmaker[Session]) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        add_rule(s, org.id, {"trigger": "new_shadow_asset"}, auto_resolve=True)
    ids = _storm(session_factory, org.id, 30)
    _storm(session_factory, org.id, 30, ids=ids[:10], services=False)  # seen again
    _evaluate_all(session_factory, org.id)
    alert = _alert(session_factory, org.id)
    assert alert.occurrences == 40 and alert.details["subjects_total"] == 30
    assert _subjects(session_factory, alert.id) == ids


def _seqs(factory: sessionmaker[Session], alert_id: str) -> list[tuple[int, str]]:
    with session_scope(factory) as s:
        rows = s.execute(
            select(AlertSubject.seq, AlertSubject.subject_id)
            .where(AlertSubject.alert_id == alert_id)
            .order_by(AlertSubject.seq, AlertSubject.subject_id)
        )
        return [(int(seq), str(sid)) for seq, sid in rows]


def test_each_subject_has_its_own_number_in_the_order_it_came(
    session_factory: sessionmaker[Session],
) -> None:
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        add_rule(s, org.id, {"trigger": "new_shadow_asset"}, auto_resolve=True)
    first = _storm(session_factory, org.id, 5)
    _evaluate_all(session_factory, org.id)
    # A batch naming an old subject and a new one (the old one leaves a gap), then another.
    _storm(session_factory, org.id, 1, ids=[first[0]], services=False)
    second = [first[0], *_storm(session_factory, org.id, 1)]
    _evaluate_all(session_factory, org.id)
    third = _storm(session_factory, org.id, 2)
    _evaluate_all(session_factory, org.id)
    alert = _alert(session_factory, org.id)
    seqs = _seqs(session_factory, alert.id)
    numbers = [n for n, _ in seqs]
    assert len(set(numbers)) == len(numbers) == 8, seqs  # none repeats
    assert [sid for _, sid in seqs] == first + second[1:] + third

    # An alert from before the last number was kept: it is read once from the rows.
    with session_scope(session_factory) as s:
        row = s.get(Alert, alert.id)
        assert row is not None
        row.details = {k: v for k, v in row.details.items() if k != "subjects_seq"}
    fourth = _storm(session_factory, org.id, 2)
    _evaluate_all(session_factory, org.id)
    numbers = [n for n, _ in _seqs(session_factory, alert.id)]
    assert len(set(numbers)) == len(numbers) == 10
    assert [sid for _, sid in _seqs(session_factory, alert.id)][-2:] == fourth


def test_a_storm_resolves_once_every_subject_clears_and_the_check_does_not_grow(
    session_factory: sessionmaker[Session],
) -> None:
    checks: list[int] = []
    for n in (200, 3000):
        org_id, ids, _ = _fold(session_factory, n)
        with session_scope(session_factory) as s:  # all but the last registered
            s.execute(
                update(ShadowService)
                .where(ShadowService.org_id == org_id, ShadowService.id.in_(ids[:-1]))
                .values(registered=True)
            )
        with _counted(session_factory) as seen:
            assert _evaluate_all(session_factory, org_id).auto_resolved == 0
        checks.append(len(seen))
        assert _alert(session_factory, org_id).status == "open"
        with session_scope(session_factory) as s:  # the last one goes from the inventory
            s.execute(update(ShadowService).where(ShadowService.id == ids[-1]).values(
                registered=True))  # fmt: skip
        assert _evaluate_all(session_factory, org_id).auto_resolved == 1
        done = _alert(session_factory, org_id)
        assert done.status == "resolved" and done.resolved_by == "system"
        assert done.resolution is not None
        assert done.resolution.startswith(f"condition cleared: all {n} services are registered")
    # Judging an alert of 200 or 3,000 subjects that still holds: the same statements.
    assert checks[0] == checks[1], checks


def test_subjects_are_judged_in_the_alerts_org_only(session_factory: sessionmaker[Session]) -> None:
    org, other = create_org(session_factory), create_org(session_factory)
    with session_scope(session_factory) as s:
        add_rule(s, org.id, {"trigger": "new_shadow_asset"}, auto_resolve=True)
        add_rule(s, other.id, {"trigger": "new_shadow_asset"}, auto_resolve=True)
    # The other org holds unregistered services with these ids; this org's signals name
    # them too (a forged or foreign id) but this org has no such services: gone, here.
    ids = _storm(session_factory, other.id, 25)
    _storm(session_factory, org.id, 25, ids=ids, services=False)
    assert _evaluate_all(session_factory, other.id).auto_resolved == 0
    mine = _evaluate_all(session_factory, org.id)
    assert (mine.alerts_created, mine.auto_resolved) == (1, 1)
    theirs = _alert(session_factory, other.id)
    assert theirs.status == "open" and _subjects(session_factory, theirs.id) == ids
    done = _alert(session_factory, org.id)
    assert done.resolution is not None and "no longer in the Shadow AI inventory" in done.resolution
    with session_scope(session_factory) as s:  # each org's alert has its own 25 rows
        counts = dict(
            s.execute(
                select(AlertSubject.org_id, func.count())
                .where(AlertSubject.org_id.in_([org.id, other.id]))
                .group_by(AlertSubject.org_id)
            ).all()
        )
    assert counts == {org.id: 25, other.id: 25}
