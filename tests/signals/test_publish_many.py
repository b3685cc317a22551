"""publish_many: a batch of signals as one INSERT, in order, with one wake-up for listeners."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import OrgHandle, backend
from threatvec.signals import service
from threatvec.signals.bus import SignalBus
from threatvec.store.engine import make_session_factory, session_scope


def test_signals_keep_the_order_and_fields_they_were_given(
    session_factory: sessionmaker[Session], org: OrgHandle
) -> None:
    batch = [("k" * 70 if n == 5 else f"kind.{n % 3}", {"n": n, "tags": [n]}) for n in range(150)]
    with session_scope(session_factory) as s:
        start = service.latest_id(session=s, org_id=org.id)
        ids = service.publish_many(session=s, org_id=org.id, signals=batch)
        assert service.publish_many(session=s, org_id=org.id, signals=[]) == []
    with session_scope(session_factory) as s:
        rows = service.list_since(session=s, org_id=org.id, after_id=start)
    assert [r.id for r in rows] == ids and ids == sorted(set(ids))
    # the id order is the list's order, which is what every reader pages by
    assert [(r.kind, r.data) for r in rows] == [(k[:60], d) for k, d in batch]


def test_a_batch_wakes_local_subscribers_on_commit(engine: Engine, org: OrgHandle) -> None:
    factory = make_session_factory(engine)
    bus = SignalBus()
    bus.attach(factory)

    def publish() -> None:
        with session_scope(factory) as s:
            service.publish_many(session=s, org_id=org.id, signals=[("custom", {"n": 1})])

    async def wait_for_wake() -> bool:
        wake = bus.subscribe()
        await asyncio.to_thread(publish)
        try:
            await asyncio.wait_for(wake.wait(), timeout=5)
        finally:
            bus.unsubscribe(wake)
        return wake.is_set()

    assert asyncio.run(wait_for_wake())


@pytest.mark.postgres
def test_one_notify_per_batch_names_the_newest_id(
    engine: Engine, session_factory: sessionmaker[Session], org: OrgHandle
) -> None:
    if backend() != "postgres":
        pytest.skip("needs PostgreSQL")
    import psycopg

    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {service.NOTIFY_CHANNEL}")
        with session_scope(session_factory) as s:
            ids = service.publish_many(
                session=s, org_id=org.id, signals=[("custom", {"n": n}) for n in range(20)]
            )
        got = [json.loads(n.payload) for n in listener.notifies(timeout=2)]
    mine = [p for p in got if p["org_id"] == org.id]
    assert mine == [{"org_id": org.id, "id": ids[-1]}]
