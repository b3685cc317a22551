"""What every connector gets (a context) and gives (test, sync, describe_cursor).

A connector module exposes:

- ``SIGNAL_KINDS``: the signal kinds it publishes (listed by the kinds endpoint);
- ``test(ctx) -> (status_code, message)``: a real, read-only request that proves
  the URL and credentials work; raises ``ConnectorError`` when they do not;
- ``sync(ctx)``: fetch (or push) one page at a time; after each page it calls
  ``ctx.checkpoint()``, which stores ``ctx.cursor`` and the page's data in one
  commit, so a crash replays at most the page in flight;
- ``describe_cursor(cursor) -> str | None``: the checkpoint in words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy.orm import Session

from threatvec.integrations.http import VendorHttp
from threatvec.signals import service as signals

__all__ = ["Connector", "RunCounts", "SyncContext", "TestContext"]

MAX_REASONS = 20


@dataclass
class RunCounts:
    fetched: int = 0
    ingested: int = 0
    forwarded: int = 0
    skipped: int = 0
    duplicates: int = 0
    pages: int = 0
    signals: Counter[str] = field(default_factory=Counter)
    reasons: list[str] = field(default_factory=list)
    more: bool = False

    def skip(self, reason: str) -> None:
        self.skipped += 1
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append(reason[:200])

    def summary(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "ingested": self.ingested,
            "forwarded": self.forwarded,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "pages": self.pages,
        }


@dataclass
class TestContext:
    settings: Any  # the kind's validated settings model (secrets as SecretStr)
    http: VendorHttp


@dataclass
class SyncContext:
    session: Session
    org_id: str
    integration_id: str
    integration_name: str
    settings: Any
    http: VendorHttp
    cursor: dict[str, Any]
    now: datetime
    max_pages: int
    checkpoint: Callable[[], None]
    counts: RunCounts = field(default_factory=RunCounts)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """A signal, tagged with the integration it came from."""
        signals.publish(
            session=self.session,
            org_id=self.org_id,
            kind=kind,
            data={**data, "integration_id": self.integration_id},
        )
        self.counts.signals[kind] += 1


class Connector(Protocol):
    SIGNAL_KINDS: tuple[str, ...]

    def test(self, ctx: TestContext) -> tuple[int | None, str]: ...

    def sync(self, ctx: SyncContext) -> None: ...

    def describe_cursor(self, cursor: dict[str, Any]) -> str | None: ...


def secret_values(settings: BaseModel) -> list[str]:
    """Every secret in the settings, for redaction."""
    from pydantic import SecretStr

    return [v.get_secret_value() for _, v in settings if isinstance(v, SecretStr)]
