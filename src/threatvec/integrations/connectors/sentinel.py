"""Microsoft Sentinel: ThreatVec signals out (push) and DNS queries to AI services in (pull).

Sending: an Entra ID token (client credentials, scope
``https://monitor.azure.com/.default``) from ``{authority}/{tenant}/oauth2/v2.0/token``,
then ``POST {dce}/dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01``
with a JSON array of rows (``TimeGenerated``, ``Kind``, ``SignalId``, ``Data``);
the API answers 204. The stream's table must have those columns (docs/integrations.md).

Reading DNS queries to AI services into Shadow AI is `sentinel_dns`; an
integration does either or both, depending on which settings it has.
"""

from __future__ import annotations

import json
from typing import Any

from threatvec.integrations.connectors import forward, sentinel_dns
from threatvec.integrations.connectors.base import SyncContext, TestContext
from threatvec.integrations.connectors.common import iso
from threatvec.integrations.connectors.entra import token
from threatvec.integrations.http import ConnectorError
from threatvec.signals.models import Signal

__all__ = ["SIGNAL_KINDS", "describe_cursor", "sync", "test"]

SIGNAL_KINDS: tuple[str, ...] = ()
SCOPE = "https://monitor.azure.com/.default"
API_VERSION = "2023-01-01"
MAX_BODY = 1_000_000  # the API takes at most 1 MB per call


def describe_cursor(cursor: dict[str, Any]) -> str | None:
    parts = [forward.describe_cursor(cursor), sentinel_dns.describe_cursor(cursor)]
    return "; ".join(p for p in parts if p) or None


def _url(ctx: TestContext | SyncContext) -> str:
    s = ctx.settings
    return f"{s.dce_url}/dataCollectionRules/{s.dcr_immutable_id}/streams/{s.stream_name}"


def _post(ctx: TestContext | SyncContext, bearer: str, rows: list[dict[str, Any]]) -> int:
    body = json.dumps(rows, default=str).encode()
    r = ctx.http.request(
        "POST",
        _url(ctx),
        params={"api-version": API_VERSION},
        content=body,
        headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
    )
    if r.status_code in (401, 403):
        raise ConnectorError(
            f"the DCR refused the token (HTTP {r.status_code}); grant the app "
            "'Monitoring Metrics Publisher' on the DCR",
            status_code=r.status_code,
        )
    if r.status_code == 404:
        raise ConnectorError("no such DCR or stream at this endpoint (HTTP 404)", status_code=404)
    if r.status_code >= 300:
        raise ConnectorError(f"Logs Ingestion API: HTTP {r.status_code}", status_code=r.status_code)
    return r.status_code


def test(ctx: TestContext) -> tuple[int | None, str]:
    status: int | None = 200
    said: list[str] = []
    if ctx.settings.sends:
        status = _post(ctx, token(ctx, SCOPE), [])
        said.append("the DCR stream accepted an empty batch")
    if ctx.settings.dns_workspace_id:
        said.append(sentinel_dns.test(ctx))
    return status, "token issued; " + "; ".join(said)


def _row(sig: Signal) -> dict[str, Any]:
    return {
        "TimeGenerated": iso(sig.created_at),
        "Kind": sig.kind,
        "SignalId": sig.id,
        "Data": sig.data,
    }


def sync(ctx: SyncContext) -> None:
    # The two directions are independent: a refused push must not stop the DNS read.
    failed: ConnectorError | None = None
    if ctx.settings.sends:
        try:
            _send(ctx)
        except ConnectorError as exc:
            failed = exc
    if ctx.settings.dns_workspace_id:
        sentinel_dns.sync(ctx)
    if failed is not None:
        raise failed


def _send(ctx: SyncContext) -> None:
    bearer: list[str] = []

    def send(batch: list[Signal]) -> None:
        if not bearer:
            bearer.append(token(ctx, SCOPE))
        rows = [_row(s) for s in batch]
        # Split so no call exceeds the API's 1 MB limit.
        chunk: list[dict[str, Any]] = []
        size = 2
        for row in rows:
            n = len(json.dumps(row, default=str)) + 1
            if chunk and size + n > MAX_BODY:
                _post(ctx, bearer[0], chunk)
                chunk, size = [], 2
            chunk.append(row)
            size += n
        if chunk:
            _post(ctx, bearer[0], chunk)

    forward.forward(ctx, send)
