"""Helpers for the integrations tests: create and sync through the real API, read signals back."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from threatvec.signals import service as signals
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
