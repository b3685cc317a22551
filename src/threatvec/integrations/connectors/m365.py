"""Microsoft 365 Copilot audit logs, configured per org, pulled by the Shadow AI importer.

The conversion and the Management Activity API client live in
``threatvec.shadow.m365`` (also behind ``threatvec shadow m365-pull``); this
connector only supplies the org's app registration from the integration's
encrypted settings and a time window from its checkpoint. Records are stored
once by their audit ``Id``, so a window read twice stores nothing twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from threatvec.integrations.connectors.base import SyncContext, TestContext
from threatvec.integrations.connectors.common import iso, parse_time
from threatvec.integrations.http import ConnectorError
from threatvec.shadow import m365

__all__ = ["SIGNAL_KINDS", "describe_cursor", "sync", "test"]

SIGNAL_KINDS: tuple[str, ...] = ("shadow.new_service", "shadow.pii")
FIRST_LOOKBACK = timedelta(hours=24)


def _client(ctx: TestContext | SyncContext) -> m365.ManagementActivityClient:
    s = ctx.settings
    config = m365.M365Config(
        tenant_id=s.tenant_id,
        client_id=s.client_id,
        client_secret=s.client_secret.get_secret_value(),
    )
    # Our guarded client (SSRF check on every request); the importer does its own retries.
    return m365.ManagementActivityClient(
        config, authority_url=s.authority_url, api_url=s.api_url, http=ctx.http.client
    )


def test(ctx: TestContext) -> tuple[int | None, str]:
    client = _client(ctx)
    try:
        client.token()
        client.start_subscription()
    except m365.M365Error as exc:
        raise ConnectorError(str(exc)) from None
    return 200, "token issued and the Audit.General subscription is on"


def describe_cursor(cursor: dict[str, Any]) -> str | None:
    until = cursor.get("until")
    return f"audit content after {until}" if isinstance(until, str) else None


def sync(ctx: SyncContext) -> None:
    start = parse_time(ctx.cursor.get("until")) or ctx.now - FIRST_LOOKBACK
    try:
        result = m365.pull(
            session=ctx.session, org_id=ctx.org_id, client=_client(ctx), start=start, end=ctx.now
        )
    except m365.M365Error as exc:
        raise ConnectorError(str(exc)) from None
    ctx.counts.pages += result.blobs
    ctx.counts.fetched += result.records
    ctx.counts.ingested += result.imported
    ctx.counts.duplicates += result.duplicates
    # Records that are not Copilot interactions are not errors; Copilot records that
    # do not convert are, and their reasons (never record contents) are kept.
    ctx.counts.skipped += max(0, result.skipped - (result.records - result.copilot))
    ctx.counts.reasons.extend(e[:200] for e in result.errors[:20])
    ctx.cursor["until"] = iso(ctx.now)
    ctx.checkpoint()
