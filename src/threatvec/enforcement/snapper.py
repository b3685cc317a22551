"""Snapper, an open agent application firewall, as an enforcement source (Settings → Snapper).

Snapper decides on every tool call of the agents it guards (deny, allow, ask a
person) and reports each decision through its SIEM webhook output
(``SIEM_OUTPUT=webhook``, ``SIEM_WEBHOOK_URL``, ``SIEM_WEBHOOK_SECRET``): one
JSON object per audit event::

    {"event": "request_denied", "severity": "warning", "message": "...",
     "timestamp": "2026-11-27T10:15:00+00:00", "source": "snapper",
     "agent_id": "<uuid>", "rule_id": "<uuid>", "request_id": "...",
     "details": {"tool_name": "...", "rule_type": "...", ...}}

with ``X-Snapper-Event``, ``X-Snapper-Timestamp`` and ``X-Snapper-Signature:
sha256=<hex HMAC-SHA256 of the raw body>``. Snapper signs the body only, so
the timestamp header is checked for freshness, everything else is read from
the signed body, and a re-sent event is caught by its id instead.

Its decisions become enforcement events of the source (the Live AI Traffic
feed, blocked counts, the gap scan); its security events (a quarantined agent,
a security alert, a CVE mitigation, a finished security scan) and its threat
engine's events (a threat detected, a threat score raised, a kill chain
completed, an agent quarantined for its score, a threat resolved or marked a
false positive) are stored as the source's security events (listed for as long
as the source exists) and raised as ``snapper.*`` signals for alert rules; the
rest (rule edits, logins, system events) is acknowledged and not stored.
Snapper names agents by its own UUID: an agent asset with
``metadata.snapper_agent_id`` set to it links the two.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from threatvec.assets.models import Asset
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox
from threatvec.core.errors import Unauthorized
from threatvec.core.logs import redact
from threatvec.enforcement import service
from threatvec.enforcement.models import EnforcementSource
from threatvec.enforcement.schemas import REASON_MAX
from threatvec.enforcement.signature import REPLAY_WINDOW_S, SignatureRejected, parse_timestamp
from threatvec.signals import service as signals

__all__ = [
    "DECISIONS",
    "PATH",
    "SECURITY_EVENTS",
    "SIGNATURE_HEADER",
    "THREAT_EVENTS",
    "TIMESTAMP_HEADER",
    "SnapperResult",
    "authenticate",
    "parse_body",
    "receive",
    "signature_value",
]

PATH = "/api/v1/enforcement/snapper/{source_id}"
SIGNATURE_HEADER = "X-Snapper-Signature"
TIMESTAMP_HEADER = "X-Snapper-Timestamp"
SIGNAL_PREFIX = "snapper."
# Snapper audit actions that are a decision on an agent's request: (action, category).
DECISIONS: dict[str, tuple[str, str]] = {
    "request_denied": ("blocked", "tool_policy"),
    "request_allowed": ("allowed", "tool_policy"),
    "request_pending_approval": ("flagged", "tool_policy"),
    "approval_denied": ("blocked", "tool_policy"),
    "approval_granted": ("allowed", "tool_policy"),
    "malicious_skill_blocked": ("blocked", "tool_policy"),
    "credential_access_blocked": ("blocked", "sensitive_data"),
    "pii_gate_triggered": ("flagged", "sensitive_data"),
    "pii_submission_denied": ("blocked", "sensitive_data"),
    "pii_submission_approved": ("allowed", "sensitive_data"),
    "rate_limit_exceeded": ("blocked", "other"),
    "origin_violation": ("blocked", "other"),
    "host_violation": ("blocked", "other"),
}
SECURITY_EVENTS = frozenset(
    {
        "agent_quarantined",
        "agent_suspended",
        "security_alert",
        "cve_mitigation_triggered",
        "security_scan_completed",
    }
)
# What Snapper's threat engine reports (its audit actions, CEF classes 800-805).
THREAT_EVENTS = frozenset(
    {
        "threat_detected",
        "threat_score_elevated",
        "threat_kill_chain_completed",
        "threat_agent_quarantined",
        "threat_resolved",
        "threat_false_positive",
    }
)
_STORED = SECURITY_EVENTS | THREAT_EVENTS
_SEVERITY = {
    "debug": "info",
    "info": "info",
    "warning": "medium",
    "error": "high",
    "critical": "critical",
}
_SIGNATURE = re.compile(r"^sha256=([0-9a-f]{64})$")
_EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_ID_CHARS = re.compile(r"[^A-Za-z0-9._:\-]")
_NEVER_SIGNED = "tves_" + "0" * 40  # compared against when there is no secret to use


@dataclass(frozen=True)
class SnapperResult:
    event: str
    outcome: Literal["stored", "duplicate", "signal", "ignored"]
    event_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.event, "outcome": self.outcome}
        if self.event_id:
            out["event_id"] = self.event_id
        return out


def signature_value(secret: str, body: bytes) -> str:
    """What Snapper sends in ``X-Snapper-Signature`` for this body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def authenticate(
    *,
    session: Session,
    source_id: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    box: SecretBox,
    now: datetime | None = None,
) -> EnforcementSource:
    """The Snapper source in the URL, once its secret signed this body; else Unauthorized."""
    now = now or utcnow()
    if len(source_id) != 32 or not source_id.isalnum():
        raise Unauthorized("unknown enforcement source")
    try:
        parse_timestamp(timestamp, now=now.timestamp(), window_s=REPLAY_WINDOW_S)
    except SignatureRejected as exc:
        raise Unauthorized(str(exc).replace("X-ThreatVec-", "X-Snapper-")) from None
    match = _SIGNATURE.match((signature or "").strip().lower())
    if match is None:
        raise Unauthorized(f"{SIGNATURE_HEADER} must be sha256=<64 hex digits>")
    # The one lookup across orgs: the source id decides the org, once the signature holds.
    source = session.scalar(select(EnforcementSource).where(EnforcementSource.id == source_id))
    secrets: list[str] = []
    if source is not None and source.kind == "snapper":
        try:
            secrets = service.signing_secrets(source, box, now)
        except Unauthorized:
            secrets = []  # disabled or without a secret: answered like a wrong signature
    ok = False
    for secret in secrets or [_NEVER_SIGNED]:  # every secret tried: timing tells nothing
        ok |= hmac.compare_digest(signature_value(secret, body)[7:], match.group(1))
    if not ok or not secrets or source is None:
        # One answer for every way it can be wrong: an unknown, disabled or other
        # kind of source must not be told apart from a bad signature.
        raise Unauthorized("unknown or disabled Snapper source, or the signature does not match")
    return source


def _text(value: object, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    # PostgreSQL stores no NUL, and Snapper sends one event per request: dropping the
    # character keeps the event (refusing it would lose it; Snapper does not fix its text).
    value = value.replace("\x00", "").strip()
    return value[:limit] or None


def _linked_agent(session: Session, org_id: str, snapper_agent: str) -> str | None:
    """The name of the org's agent asset whose ``metadata.snapper_agent_id`` is this UUID."""
    key = snapper_agent.strip().lower()
    # Filtered in the database (JSON_EXTRACT on SQLite, ->> on PostgreSQL), so a
    # delivery reads the one linked asset, not every agent asset of the org. Linked
    # ids are compared as a person may have typed them: any case, stray spaces.
    linked = Asset.meta["snapper_agent_id"]
    rows = session.execute(
        select(Asset.name, linked)
        .where(
            Asset.org_id == org_id,
            Asset.kind == "agent",
            func.lower(func.trim(linked.as_string())) == key,
        )
        .order_by(Asset.created_at, Asset.id)  # two assets claiming one id: the first linked
    )
    # ->> also renders a number or a boolean as text: only a string links
    return next((name for name, value in rows if isinstance(value, str)), None)


def _event_id(event: str, payload: dict[str, Any], body: bytes) -> str:
    # Snapper's request id when there is one, else the signed body itself: only
    # signed content, so a re-sent event (a retry, a replay with other headers)
    # always gets the same id.
    raw = _text(payload.get("request_id"), 80)
    if raw is None:
        raw = hashlib.sha256(body).hexdigest()[:32]
    return f"snapper:{event[:20]}:{_ID_CHARS.sub('-', raw)}"[:64]


def _when(payload: dict[str, Any]) -> datetime:
    raw = payload.get("timestamp")
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00")) if isinstance(raw, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValueError("timestamp: must be an ISO 8601 time with a zone (Snapper sends one)")
    return when


def _threat_type(details: dict[str, Any]) -> str | None:
    """The threat engine's name for it: the threat type, else the completed kill chain."""
    for key in ("threat_type", "chain", "kill_chain", "chain_name"):
        found = _text(details.get(key), 100)
        if found:
            return found
    return None


def _threat_score(details: dict[str, Any]) -> float | None:
    """The agent's threat score (0-100) when the event carries one."""
    for key in ("threat_score", "score"):
        value = details.get(key)
        # a boolean is not a score; a value off Snapper's 0-100 scale is not kept
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and 0 <= value <= 100
        ):
            return float(value)
    return None


def _security_event(
    session: Session,
    source: EnforcementSource,
    *,
    event: str,
    event_id: str,
    when: datetime,
    payload: dict[str, Any],
    details: dict[str, Any],
    agent: str,
    severity: str,
    message: str | None,
) -> SnapperResult:
    """Store a security or threat-engine event once, and raise its signal the first time."""
    row = {
        "org_id": source.org_id,
        "source_id": source.id,
        "event_id": event_id,
        "event": event,
        "ts": when,
        "severity": severity,
        "agent": agent,
        "threat_type": _threat_type(details),
        "threat_score": _threat_score(details),
        "rule_id": _text(payload.get("rule_id"), 100),
        "message": message,
    }
    if not service.store_security_event(session=session, row=row):
        return SnapperResult(event, "duplicate", event_id)
    signals.publish(
        session=session,
        org_id=source.org_id,
        kind=SIGNAL_PREFIX + event,
        data={
            "source_id": source.id,
            "source": source.name,
            "agent": agent,
            "severity": severity,
            "message": message,
            "rule_id": row["rule_id"],
            "threat_type": row["threat_type"],
            "threat_score": row["threat_score"],
            "event_id": event_id,
            "occurred_at": when.isoformat(),
        },
    )
    return SnapperResult(event, "signal", event_id)


def receive(
    *,
    session: Session,
    source: EnforcementSource,
    payload: Any,
    body: bytes,
) -> SnapperResult:
    """Store a decision, raise a signal for a security event, or acknowledge the rest.

    Raises ``ValueError`` (a 422 for the router) when the payload is not a Snapper event.
    """
    if not isinstance(payload, dict):
        raise ValueError("body: must be one Snapper event object")
    # From the signed body only: the X-Snapper-Event header is not signed.
    event = payload.get("event")
    if not isinstance(event, str) or not _EVENT_NAME.match(event):
        raise ValueError("event: must name a Snapper audit action (e.g. request_denied)")
    if event not in DECISIONS and event not in _STORED:
        return SnapperResult(event, "ignored")
    when = _when(payload)
    raw_details = payload.get("details")
    details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    snapper_agent = _text(payload.get("agent_id"), 100)
    agent = (
        (_linked_agent(session, source.org_id, snapper_agent) if snapper_agent else None)
        or _text(details.get("agent_name"), 200)
        or (f"snapper:{snapper_agent}" if snapper_agent else "snapper (no agent)")
    )
    severity = _SEVERITY.get(str(payload.get("severity", "")).lower(), "medium")
    # The message can quote the command the agent tried: secrets in it are masked,
    # and a message that quotes personal data is withheld, as for every source.
    message = service.scrub_text(_text(redact(str(payload.get("message") or "")), REASON_MAX))
    event_id = _event_id(event, payload, body)
    if event in _STORED:
        return _security_event(
            session,
            source,
            event=event,
            event_id=event_id,
            when=when,
            payload=payload,
            details=details,
            agent=agent,
            severity=severity,
            message=message,
        )
    action, category = DECISIONS[event]
    rule = _text(details.get("rule_name"), 200) or _text(details.get("rule_type"), 200)
    result = service.receive_events(
        session=session,
        source=source,
        payload={
            "event_id": event_id,
            "time": when.isoformat(),
            "action": action,
            "category": category,
            "agent": agent,
            "tool": _text(details.get("tool_name"), 200),
            "policy_id": _text(payload.get("rule_id"), 120),
            "policy_name": rule,
            "reason": message,
            "severity": severity,
        },
    )
    if result.rejected:
        # named as Snapper names it: its "timestamp" is our "time"
        raise ValueError(result.rejected[0].reason.replace("time:", "timestamp:", 1))
    return SnapperResult(event, "stored" if result.accepted else "duplicate", event_id)


def parse_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError("body: not valid UTF-8 JSON") from None
