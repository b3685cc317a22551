"""Helpers for the integrations tests: create and sync through the real API, read signals back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from threatvec.integrations.models import Integration
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
