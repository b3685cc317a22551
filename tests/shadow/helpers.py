"""Building extension events the way the extension does (tests only)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any


def event(**overrides: Any) -> dict[str, Any]:
    """One valid event of the wire contract; override any field."""
    base: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "domain": "chatgpt.com",
        "event_type": "paste",
        "pii_categories": ["EMAIL"],
        "pii_counts": {"EMAIL": 2},
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "browser": "chromium/156",
        "user_hash": uuid.uuid4().hex * 2,
        "unknown_service": False,
        "signals": {"via": "paste"},
    }
    base.update(overrides)
    return base


def visit(domain: str, **overrides: Any) -> dict[str, Any]:
    return event(
        domain=domain, event_type="visit", pii_categories=[], pii_counts={}, signals={}, **overrides
    )
