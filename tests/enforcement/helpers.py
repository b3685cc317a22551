"""Test helpers: signatures built here with hmac (not the product's code), agents via ingest."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from threatvec.core.clock import utcnow
from threatvec.enforcement.models import EnforcementEvent
from threatvec.ingest.service import store_agent_events, validate_events
from threatvec.sdk.events import format_timestamp
from threatvec.store.engine import session_scope

WEBHOOK = "/api/v1/enforcement/webhook"


def sign(secret: str, body: bytes, ts: int | None = None) -> tuple[str, str]:
    """(timestamp, signature header) for a body, computed independently of the server."""
    stamp = str(int(time.time()) if ts is None else ts)
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return stamp, "sha256=" + mac


def signed_headers(
    source_id: str, secret: str, body: bytes, ts: int | None = None
) -> dict[str, str]:
    stamp, sig = sign(secret, body, ts)
    return {
        "Content-Type": "application/json",
        "X-ThreatVec-Source": source_id,
        "X-ThreatVec-Timestamp": stamp,
        "X-ThreatVec-Signature": sig,
    }


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": "ev-" + uuid.uuid4().hex[:12],
        "time": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "action": "blocked",
        "category": "tool_policy",
        "agent": "billing-bot",
        "tool": "send_email",
        "policy_id": "no-external-email",
        "policy_name": "No external e-mail",
        "reason": "recipient not allowed",
        "severity": "high",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def body_of(*events: dict[str, Any]) -> bytes:
    return json.dumps({"events": list(events)}, separators=(",", ":")).encode()


def post_signed(client: Any, source: dict[str, Any], *events: dict[str, Any], **kw: Any) -> Any:
    body = body_of(*events)
    headers = signed_headers(source["id"], source["secret"], body, kw.pop("ts", None))
    return client.post(WEBHOOK, content=body, headers=headers, **kw)


def make_source(api: Any, name: str = "gateway", kind: str = "gateway") -> dict[str, Any]:
    r = api.post("/enforcement/sources", json={"name": name, "kind": kind})
    assert r.status_code == 201, r.text
    return dict(r.json())


def stored_events(factory: sessionmaker[Session], org_id: str) -> int:
    with session_scope(factory) as s:
        return int(s.scalar(select(func.count()).where(EnforcementEvent.org_id == org_id)) or 0)


def add_agent(
    factory: sessionmaker[Session],
    org_id: str,
    name: str,
    tools: list[tuple[str, str | None]],
    *,
    capabilities: dict[str, bool] | None = None,
    mcp: tuple[str, list[dict[str, Any]]] | None = None,
) -> str:
    """An agent that registered and called these tools (and MCP tools), via the real ingest."""
    now = time.time()
    raw: list[dict[str, Any]] = [
        {
            "event_id": uuid.uuid4().hex,
            "type": "agent.register",
            "timestamp": format_timestamp(now - 60),
            "attributes": {
                "name": name,
                "instance_id": uuid.uuid4().hex,
                "sdk_version": "0.1.0",
                "hostname": f"{name}-1",
                "pid": 4242,
                "process_name": "python",
                "argv0": f"{name}.py",
                "python_version": "3.11.9",
                "python_implementation": "CPython",
                "platform": "linux",
                "frameworks": [],
                "integrations": [],
                "capabilities": capabilities or {},
                "rules": [],
                "capture_content": False,
                "heartbeat_interval_s": 30.0,
                "started_at": now - 60,
            },
        }
    ]
    for i, (tool, host) in enumerate(tools):
        raw.append(
            {
                "event_id": uuid.uuid4().hex,
                "type": "tool.call",
                "timestamp": format_timestamp(now - 50 + i),
                "attributes": {
                    "tool_name": tool,
                    "destination_host": host,
                    "outcome": "ok",
                    "source": "manual",
                },
            }
        )
    if mcp is not None:
        server, listed = mcp
        raw.append(
            {
                "event_id": uuid.uuid4().hex,
                "type": "mcp.use",
                "timestamp": format_timestamp(now - 20),
                "attributes": {
                    "source": "manual",
                    "server": server,
                    "operation": "tools/list",
                    "outcome": "ok",
                    "tools_listed": listed,
                    "server_info": {"name": server, "version": "1.0.0"},
                },
            }
        )
        for i, t in enumerate(listed):
            raw.append(
                {
                    "event_id": uuid.uuid4().hex,
                    "type": "mcp.use",
                    "timestamp": format_timestamp(now - 10 + i),
                    "attributes": {
                        "server": server,
                        "operation": "tools/call",
                        "tool_called": t["name"],
                        "outcome": "ok",
                        "source": "manual",
                    },
                }
            )
    good, bad = validate_events(raw, now=utcnow())
    assert not bad, bad
    with session_scope(factory) as s:
        stored = store_agent_events(
            session=s, org_id=org_id, agent_name=name, instance_id=None, events=good, source="sdk"
        )
        return stored.agent_id


# ── Snapper's SIEM webhook, as Snapper sends it ───────────────────────────
# One JSON object per POST; X-Snapper-Event, X-Snapper-Timestamp and
# X-Snapper-Signature: sha256=<HMAC-SHA256 of the raw body>, computed here with
# hmac, independently of the product's code.

SNAPPER_AGENT = str(uuid.uuid4())


class SnapperSender:
    def __init__(self, base_url: str, source: dict[str, Any]) -> None:
        self.url = f"{base_url}/api/v1/enforcement/snapper/{source['id']}"
        self.secret = source["secret"]

    def send(
        self,
        payload: dict[str, Any] | bytes,
        *,
        secret: str | None = None,
        ts: int | None = None,
        signed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, default=str).encode()
        sent = {
            "Content-Type": "application/json",
            "X-Snapper-Event": "" if isinstance(payload, bytes) else str(payload.get("event")),
            "X-Snapper-Timestamp": str(int(time.time()) if ts is None else ts),
            "X-Snapper-Delivery": str(uuid.uuid4()),  # new on every attempt, as Snapper does
            **(headers or {}),
        }
        if signed:
            mac = hmac.new((secret or self.secret).encode(), body, hashlib.sha256).hexdigest()
            sent["X-Snapper-Signature"] = f"sha256={mac}"
        return httpx.post(self.url, content=body, headers=sent, timeout=30)


def audit(event: str, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "event": event,
        "severity": "warning",
        "message": f"DENY: {event}",
        "timestamp": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "source": "snapper",
        "agent_id": SNAPPER_AGENT,
        "rule_id": str(uuid.uuid4()),
        "request_id": uuid.uuid4().hex,
    }
    payload.update(extra)
    return payload
