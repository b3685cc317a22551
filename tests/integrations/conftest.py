"""Helpers for the integrations tests: create and sync through the real API, read signals back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from threatvec.integrations.models import Integration
from threatvec.shadow.service import USER_SALT_SETTING
from threatvec.signals import service as signals
from threatvec.signals.models import Signal
from threatvec.store.engine import session_scope


def create(api: Any, settings: dict[str, Any], name: str = "it", **fields: Any) -> dict[str, Any]:
    r = api.post("/integrations", json={"name": name, "settings": settings, **fields})
    assert r.status_code == 201, r.text
    return r.json()


def sync(api: Any, integration_id: str) -> dict[str, Any]:
    r = api.post(f"/integrations/{integration_id}/sync")
    assert r.status_code == 200, r.text
    return r.json()


def signals_of(factory: sessionmaker[Session], org_id: str, prefix: str) -> list[dict[str, Any]]:
    with session_scope(factory) as s:
        rows = signals.list_since(session=s, org_id=org_id, after_id=0, limit=5000)
        return [{"kind": r.kind, **r.data} for r in rows if r.kind.startswith(prefix)]


def signals_high_water(factory: sessionmaker[Session]) -> int:
    """Where a forwarder test starts: past every stored signal on PostgreSQL, 0 on SQLite.

    Earlier tests' rollbacks leave gaps in PostgreSQL's shared id sequence, and a
    gap under a minute old rightly holds a forwarder back (signals.settled), so a
    test that expects an immediate send starts past them. SQLite has no such gaps.
    """
    with session_scope(factory) as s:
        if s.get_bind().dialect.name != "postgresql":
            return 0
        return int(s.scalar(select(func.max(Signal.id))) or 0)


def start_forwarder_at(factory: sessionmaker[Session], integration_id: str, after_id: int) -> None:
    if after_id <= 0:
        return  # a new integration's cursor: everything stored is sent
    with session_scope(factory) as s:
        row = s.get(Integration, integration_id)
        assert row is not None
        row.cursor = {"after_id": after_id}


@contextmanager
def salt_reads(engine: Engine, org_id: str) -> Iterator[list[str]]:
    """Every statement that reads or writes this org's user salt meanwhile (any thread but the
    server's own background ones, named ``threatvec-*``)."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if threading.current_thread().name.startswith("threatvec-"):
            return
        text = repr(params)
        if USER_SALT_SETTING in text and org_id in text:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
