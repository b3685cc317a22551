"""Splunk HTTP Event Collector: forward ThreatVec signals for SIEM correlation (push).

``POST {hec_url}/services/collector/event`` with ``Authorization: Splunk <token>``
and a batch of JSON event objects (``time``, ``host``, ``source``,
``sourcetype``, optional ``index``, ``event``), one after another in one body.
The connection test posts an empty body: Splunk checks the token first, so
"No data" (HTTP 400, code 5) proves the token without writing an event.
"""

from __future__ import annotations

import json
from typing import Any

from threatvec.integrations.connectors import forward
from threatvec.integrations.connectors.base import SyncContext, TestContext
from threatvec.integrations.http import ConnectorError
from threatvec.signals.models import Signal

__all__ = ["SIGNAL_KINDS", "describe_cursor", "sync", "test"]

SIGNAL_KINDS: tuple[str, ...] = ()
PATH = "/services/collector/event"
NO_DATA = 5  # HEC status code: the token was accepted, the body had no event
describe_cursor = forward.describe_cursor


def _headers(ctx: TestContext | SyncContext) -> dict[str, str]:
    token = ctx.settings.hec_token.get_secret_value()
    return {"Authorization": f"Splunk {token}", "Content-Type": "application/json"}


def _code(body: Any) -> int | None:
    return (
        body.get("code") if isinstance(body, dict) and isinstance(body.get("code"), int) else None
    )


def _refused(status: int, body: Any) -> ConnectorError:
    code = _code(body)
    detail = f" (HEC code {code})" if code is not None else ""
    if status in (401, 403):
        return ConnectorError(
            f"Splunk refused the HEC token: HTTP {status}{detail}", status_code=status
        )
    if status == 404:
        return ConnectorError("no HEC endpoint at this URL (HTTP 404)", status_code=status)
    return ConnectorError(f"POST {PATH}: HTTP {status}{detail}", status_code=status)


def _body(r: Any) -> Any:
    try:
        return r.json()
    except ValueError:
        return None


def test(ctx: TestContext) -> tuple[int | None, str]:
    r = ctx.http.request("POST", ctx.settings.hec_url + PATH, content=b"", headers=_headers(ctx))
    body = _body(r)
    if r.status_code == 200 or (r.status_code == 400 and _code(body) == NO_DATA):
        return r.status_code, "HEC token accepted (no event written)"
    raise _refused(r.status_code, body)


def _event(ctx: SyncContext, sig: Signal) -> dict[str, Any]:
    s = ctx.settings
    event: dict[str, Any] = {
        "time": round(sig.created_at.timestamp(), 3),
        "host": s.host,
        "source": s.source,
        "sourcetype": s.sourcetype,
        "event": {"kind": sig.kind, "signal_id": sig.id, "data": sig.data},
        "fields": {"threatvec_kind": sig.kind, "signal_id": sig.id},
    }
    if s.index:
        event["index"] = s.index
    return event


def sync(ctx: SyncContext) -> None:
    url = ctx.settings.hec_url + PATH

    def send(batch: list[Signal]) -> None:
        payload = "\n".join(json.dumps(_event(ctx, sig), default=str) for sig in batch)
        r = ctx.http.request("POST", url, content=payload.encode(), headers=_headers(ctx))
        if r.status_code != 200:
            raise _refused(r.status_code, _body(r))

    forward.forward(ctx, send)
