"""PagerDuty Events API v2: ``POST {base}/v2/enqueue`` with a trigger, acknowledge or resolve.

All three carry the same dedup_key, ``threatvec-<alert id>``: that key is how
PagerDuty finds the incident the trigger opened.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from threatvec.alerts.notifiers.http_post import post
from threatvec.alerts.notifiers.message import AlertMessage

__all__ = ["dedup_key", "payload", "send"]

# PagerDuty's payload.severity allows only critical, error, warning and info.
_SEVERITY = {
    "critical": "critical",
    "high": "error",
    "medium": "warning",
    "low": "info",
    "info": "info",
}


def dedup_key(msg: AlertMessage) -> str:
    # One PagerDuty incident per ThreatVec alert: retries and folds never open a second.
    return f"threatvec-{msg.alert_id}"


def payload(msg: AlertMessage, *, routing_key: str) -> dict[str, Any]:
    # A "reopen" is a trigger again with the same dedup_key: this channel's incident was
    # resolved, so PagerDuty opens a new one and pages (there is no "reopen" event action).
    if msg.action in ("acknowledge", "resolve"):
        # The documented acknowledge/resolve event: the incident is found by its dedup_key.
        return {"routing_key": routing_key, "event_action": msg.action, "dedup_key": dedup_key(msg)}
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup_key(msg),
        "payload": {
            "summary": msg.title[:1024],
            "source": "threatvec",
            "severity": _SEVERITY.get(msg.severity, "warning"),
            "timestamp": msg.fired_at.isoformat(),
            "component": msg.trigger,
            "group": msg.rule_name[:200],
            "class": msg.trigger,
            "custom_details": {
                "summary": msg.summary,
                "rule": msg.rule_name,
                "occurrences": msg.occurrences,
                "alert_id": msg.alert_id,
                **({"details": msg.details} if msg.details else {}),
            },
        },
        "client": "ThreatVec",
    }


def send(client: httpx.Client, *, base_url: str, routing_key: str, msg: AlertMessage) -> int:
    body = json.dumps(payload(msg, routing_key=routing_key)).encode()
    return post(
        client,
        base_url.rstrip("/") + "/v2/enqueue",
        body=body,
        headers={"Content-Type": "application/json"},
        secrets=[routing_key],
        ok=(200, 201, 202),
    )
