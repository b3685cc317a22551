"""What a notifier sends: an alert reduced to plain fields, and the test message."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from threatvec.alerts.clearing import outgoing_details
from threatvec.alerts.models import Alert
from threatvec.core.clock import utcnow

__all__ = ["AlertMessage", "DeliveryError", "channel_test_message", "redact"]

DASHBOARD_PATH = "/settings/alerts"


class DeliveryError(Exception):
    """A send failed; ``retryable`` says whether trying again later can succeed."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status_code: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message[:500]
        self.retryable = retryable
        self.status_code = status_code
        # The receiver's Retry-After (429/503), in seconds: the next try waits at least this.
        self.retry_after_s = retry_after_s


# A path segment this long in a URL secret is treated as secret on its own (Slack's token is 24).
_MIN_SECRET_PART = 8


def _url_parts(secret: str) -> list[str]:
    """The parts of a URL secret a reply may echo on their own: its path, query, long segments."""
    try:
        parts = urlsplit(secret)
    except ValueError:
        return []
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return []
    out: list[str] = []
    path = parts.path
    for p in (path, unquote(path)):
        if len(p.strip("/")) >= _MIN_SECRET_PART:
            out += [p, p.lstrip("/")]
    if parts.query:
        out.append(parts.query)
    out += [seg for seg in path.split("/") if len(seg) >= _MIN_SECRET_PART]
    return out


def redact(text: str, secrets: list[str]) -> str:
    """Remove every secret (and long enough parts of URL secrets) from an error text.

    A Slack webhook URL is secret because of its path: a reply echoing only the
    path ("Cannot POST /services/T…/B…/<token>") must not leak it either.
    """
    needles = {s for s in secrets if s}
    for s in list(needles):
        needles.update(_url_parts(s))
    for s in sorted(needles, key=len, reverse=True):
        text = text.replace(s, "***")
    return text


@dataclass(frozen=True)
class AlertMessage:
    alert_id: str
    rule_name: str
    trigger: str
    severity: str
    title: str
    summary: str
    status: str
    occurrences: int
    fired_at: datetime
    details: dict[str, Any] = field(default_factory=dict)
    is_test: bool = False
    # What this message tells the channel: the alert fired, or was acknowledged / resolved.
    action: str = "trigger"
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None  # why ThreatVec resolved it by itself; None for a person

    @classmethod
    def from_alert(cls, alert: Alert, *, action: str = "trigger") -> AlertMessage:
        return cls(
            alert_id=alert.id,
            rule_name=alert.rule_name,
            trigger=alert.trigger,
            severity=alert.severity,
            title=alert.title,
            summary=alert.summary,
            status=alert.status,
            occurrences=alert.occurrences,
            fired_at=alert.fired_at,
            details=outgoing_details(alert.details or {}),
            action=action,
            acknowledged_at=alert.acknowledged_at,
            acknowledged_by=alert.acknowledged_by,
            resolved_at=alert.resolved_at,
            resolved_by=alert.resolved_by,
            resolution=alert.resolution,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.alert_id,
            "rule": self.rule_name,
            "trigger": self.trigger,
            "severity": self.severity,
            "title": self.title,
            "summary": self.summary,
            "status": self.status,
            "occurrences": self.occurrences,
            "fired_at": self.fired_at.isoformat(),
            "acknowledged_at": _iso(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "resolved_at": _iso(self.resolved_at),
            "resolved_by": self.resolved_by,
            "resolution": self.resolution,
            "details": self.details,
            "dashboard_path": DASHBOARD_PATH,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def channel_test_message() -> AlertMessage:
    # A fresh id per test: receivers de-duplicate on the delivery id and PagerDuty on
    # dedup_key (threatvec-<alert id>), so a reused id would swallow every test after the first.
    return AlertMessage(
        alert_id=f"test-{uuid.uuid4().hex}",
        rule_name="Channel test",
        trigger="test",
        severity="info",
        title="ThreatVec test notification",
        summary="This channel is set up correctly: ThreatVec alerts will arrive here.",
        status="open",
        occurrences=1,
        fired_at=utcnow(),
        is_test=True,
    )
