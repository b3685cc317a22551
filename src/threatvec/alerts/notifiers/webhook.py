"""SOAR webhook: alert JSON signed with HMAC-SHA256 over ``<timestamp>.<body>``.

Headers: ``X-ThreatVec-Timestamp`` (unix seconds), ``X-ThreatVec-Signature``
(``sha256=<hex>``), ``X-ThreatVec-Delivery`` (stable across retries, for
receivers to de-duplicate). docs/alerts.md shows how to verify.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from threatvec.alerts.notifiers.http_post import post
from threatvec.alerts.notifiers.message import AlertMessage
from threatvec.core.signing import sign

__all__ = [
    "DELIVERY_HEADER",
    "EVENT_TYPES",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "body_of",
    "send",
    "signed_headers",
]

TIMESTAMP_HEADER = "X-ThreatVec-Timestamp"
SIGNATURE_HEADER = "X-ThreatVec-Signature"
DELIVERY_HEADER = "X-ThreatVec-Delivery"
# A SOAR may answer any 2xx (207 Multi-Status, 203 from a proxy): the receiver has it.
ANY_2XX = tuple(range(200, 300))


EVENT_TYPES = {
    "trigger": "alert.fired",
    "acknowledge": "alert.acknowledged",
    "resolve": "alert.resolved",
    "reopen": "alert.reopened",  # resolved -> open (reopened in PagerDuty)
    "unack": "alert.unacknowledged",  # acknowledged -> open (PagerDuty's ack timed out)
}


def body_of(msg: AlertMessage) -> dict[str, Any]:
    kind = "alert.test" if msg.is_test else EVENT_TYPES.get(msg.action, "alert.fired")
    return {"type": kind, "alert": msg.as_json()}


def signed_headers(
    secret: str, body: bytes, *, delivery_id: str, timestamp: int | None = None
) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: "sha256=" + sign(secret, ts, body),
        DELIVERY_HEADER: delivery_id,
    }


def send(
    client: httpx.Client, *, url: str, secret: str, msg: AlertMessage, delivery_id: str
) -> int:
    body = json.dumps(body_of(msg), separators=(",", ":")).encode()
    return post(
        client,
        url,
        body=body,
        headers=signed_headers(secret, body, delivery_id=delivery_id),
        secrets=[secret],
        ok=ANY_2XX,
    )
