"""Build wire batches the way the SDK does (its own `to_wire`), for tests and benches."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from typing import Any

from threatvec.sdk.events import Detectors, PendingEvent, format_timestamp, to_wire

DETECTORS = Detectors()
ZERO_DROPS = {
    k: 0
    for k in (
        "queue_full",
        "network",
        "server_error",
        "rate_limited",
        "rejected",
        "too_large",
        "shutdown",
        "internal_error",
    )
}


def wire(
    event_type: str,
    attributes: dict[str, Any],
    *,
    at: float | None = None,
    texts: dict[str, str] | None = None,
) -> dict[str, Any]:
    return to_wire(
        PendingEvent(event_type, at if at is not None else time.time(), dict(attributes), texts),
        detectors=DETECTORS,
        capture_content=False,
        max_content_chars=4000,
    )


def tool(
    name: str,
    dest: str | None = None,
    *,
    outcome: str = "ok",
    at: float | None = None,
    text: str | None = None,
) -> dict[str, Any]:
    return wire(
        "tool.call",
        {
            "tool_name": name,
            "_destination": dest,
            "outcome": outcome,
            "latency_ms": 3.5,
            "source": "manual",
        },
        at=at,
        texts={"input": text} if text else None,
    )


def llm(
    model: str, provider: str = "openai", *, at: float | None = None, text: str | None = None
) -> dict[str, Any]:
    return wire(
        "llm.call",
        {
            "provider": provider,
            "model": model,
            "input_tokens": 10,
            "output_tokens": 20,
            "latency_ms": 120.0,
            "outcome": "ok",
            "source": "manual",
        },
        at=at,
        texts={"input": text} if text else None,
    )


def mcp(server: str, called: str | None = None, *, at: float | None = None) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "server": server,
        "outcome": "ok",
        "latency_ms": 1.0,
        "source": "manual",
    }
    if called:
        attrs["tool_called"] = called
    return wire("mcp.use", attrs, at=at)


def register(
    name: str,
    instance_id: str,
    *,
    capabilities: dict[str, bool] | None = None,
    rules: list[str] | None = None,
    interval: float = 30.0,
) -> dict[str, Any]:
    return wire(
        "agent.register",
        {
            "name": name,
            "instance_id": instance_id,
            "sdk_version": "0.1.0",
            "hostname": "test-host",
            "pid": 4242,
            "process_name": "python",
            "argv0": "agent.py",
            "python_version": "3.11.7",
            "python_implementation": "CPython",
            "platform": "linux",
            "frameworks": [],
            "integrations": [],
            "capabilities": capabilities or {},
            "rules": rules or [],
            "capture_content": False,
            "heartbeat_interval_s": interval,
            "started_at": time.time(),
        },
    )


def heartbeat(instance_id: str, interval: float = 30.0) -> dict[str, Any]:
    return wire(
        "agent.heartbeat",
        {
            "instance_id": instance_id,
            "uptime_s": 12.0,
            "interval_s": interval,
            "pending": 0,
            "sent": 10,
            "dropped_total": 0,
        },
    )


def batch(
    agent: str,
    events: list[dict[str, Any]],
    *,
    instance_id: str | None = None,
    dropped: dict[str, int] | None = None,
) -> dict[str, Any]:
    return {
        "sdk": {"name": "threatvec-python", "version": "0.1.0"},
        "agent": {"name": agent, "instance_id": instance_id or uuid.uuid4().hex},
        "dropped": {**ZERO_DROPS, **(dropped or {})},
        "events": events,
    }


def gz(payload: dict[str, Any]) -> bytes:
    return gzip.compress(json.dumps(payload).encode())


def days_ago(n: float) -> float:
    return time.time() - n * 86400


__all__ = [
    "batch",
    "days_ago",
    "format_timestamp",
    "gz",
    "heartbeat",
    "llm",
    "mcp",
    "register",
    "tool",
    "wire",
]
