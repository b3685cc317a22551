"""One clock for the whole server, so tests can pin time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

__all__ = ["pinned", "utcnow"]

_pinned: datetime | None = None


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (or the pinned time in tests)."""
    return _pinned if _pinned is not None else datetime.now(UTC)


@contextmanager
def pinned(at: datetime) -> Iterator[None]:
    global _pinned
    previous, _pinned = _pinned, at
    try:
        yield
    finally:
        _pinned = previous
