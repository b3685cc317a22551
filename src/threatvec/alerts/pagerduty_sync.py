"""PagerDuty → ThreatVec: an incident acknowledged or resolved in PagerDuty moves its alert.

PagerDuty's V3 webhook subscription POSTs ``{"event": {...}}`` to the channel's URL
(``PATH``), signed ``X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>``
with the subscription's secret (several comma-separated signatures while a secret is
rotated). The channel in the URL decides the org, once its stored ``webhook_secret``
verifies the body. The incident is found by its ``incident_key``: the dedup_key
ThreatVec's trigger sent (``threatvec-<alert id>``, notifiers/pagerduty.py), and only
an alert of the channel's org whose trigger went to this very channel is touched.

``incident.acknowledged`` acknowledges the alert and ``incident.resolved`` resolves it,
through the same compare-and-set and follow-ups as a person's Ack / Resolve, except
that this channel is not told back (no echo loop); the other channels are told as usual.
``incident.reopened`` moves a resolved alert back to open and ``incident.unacknowledged``
(an ack timeout, or someone un-acking) an acknowledged one (service.reopen), told on
to the other channels the same way.
Each applied event id is recorded (AlertInboundEvent), so a redelivery applies nothing.
Events ThreatVec does not sync, and incidents it does not know, are answered 200 and
ignored: PagerDuty would otherwise retry them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from threatvec.alerts import service
from threatvec.alerts.channel_settings import hint, stored_secrets
from threatvec.alerts.models import Alert, AlertChannel, AlertDelivery, AlertInboundEvent
from threatvec.alerts.schemas import PAGERDUTY_WEBHOOK_PATH, PagerDutySettings
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox, SecretDecryptError
from threatvec.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from threatvec.core.settings import EVENTS_KEEP_DAYS, Settings

__all__ = [
    "MAX_BODY_BYTES",
    "PATH",
    "SIGNATURE_HEADER",
    "SyncResult",
    "WebhookEvent",
    "apply",
    "authenticate",
    "parse_event",
    "set_webhook_secret",
    "webhook_path",
]

log = logging.getLogger("threatvec.alerts")

PATH = PAGERDUTY_WEBHOOK_PATH
SIGNATURE_HEADER = "X-PagerDuty-Signature"
# One event per request; an incident's payload is a few KiB.
MAX_BODY_BYTES = 64 * 1024
MAX_SIGNATURES = 10

# The event types that move an alert, and where to.
SYNCED: dict[str, Literal["acknowledged", "resolved", "open"]] = {
    "incident.acknowledged": "acknowledged",
    "incident.resolved": "resolved",
    "incident.reopened": "open",
    "incident.unacknowledged": "open",
}
# The one state each move back to open starts from (anything else: unchanged).
_BACK_FROM: dict[str, Literal["resolved", "acknowledged"]] = {
    "incident.reopened": "resolved",
    "incident.unacknowledged": "acknowledged",
}
_SIGNATURE = re.compile(r"^v1=([0-9a-f]{64})$")
_INCIDENT_KEY = re.compile(r"^threatvec-([0-9a-f]{32})$")
# Compared against when the channel is unknown, so that answer takes as long as a bad signature.
_NEVER_SIGNED = "threatvec-no-such-channel"


def webhook_path(channel_id: str) -> str:
    return PATH.format(channel_id=channel_id)


# ── signature ──────────────────────────────────────────────────────────────


def _signatures(header: str | None) -> list[str]:
    """The v1 hex digests in the header; Unauthorized when there is none."""
    if not header or not header.strip():
        raise Unauthorized(f"{SIGNATURE_HEADER} header is missing: the body must be signed")
    found = []
    for part in header.split(",")[:MAX_SIGNATURES]:
        match = _SIGNATURE.match(part.strip().lower())
        if match:
            found.append(match.group(1))
    if not found:
        raise Unauthorized(f"{SIGNATURE_HEADER} must hold v1=<64 hex digits> (comma-separated)")
    return found


def authenticate(
    *, session: Session, channel_id: str, signature: str | None, body: bytes, box: SecretBox
) -> AlertChannel:
    """The PagerDuty channel in the URL, once its webhook secret signed this body."""
    wanted = _signatures(signature)
    channel = None
    if len(channel_id) == 32 and channel_id.isalnum():
        # The one lookup across orgs: the channel decides the org, once the signature holds.
        channel = session.scalar(
            select(AlertChannel).where(
                AlertChannel.id == channel_id,
                AlertChannel.kind == "pagerduty",
                AlertChannel.deleted_at.is_(None),
            )
        )
    secret = ""
    if channel is not None:
        try:
            secret = stored_secrets(channel.secrets_enc, box).get("webhook_secret", "")
        except SecretDecryptError:
            secret = ""
    mac = hmac.new((secret or _NEVER_SIGNED).encode(), body, hashlib.sha256).hexdigest()
    ok = False
    for candidate in wanted:  # every signature compared: timing tells nothing
        ok |= hmac.compare_digest(mac, candidate)
    if not ok or not secret or channel is None:
        # One answer for an unknown channel, one without a webhook secret, and a bad
        # signature: the URL alone must not tell which channels exist.
        raise Unauthorized(
            f"{SIGNATURE_HEADER} does not match: no PagerDuty channel with this id has a "
            "webhook secret that signed this body (check the secret saved on the channel)"
        )
    return channel


# ── the event ──────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    event_type: str
    incident_id: str | None
    incident_key: str | None
    agent: str | None  # the agent's summary: who did it in PagerDuty, if anyone
    occurred_at: datetime | None = None


def _text(obj: dict[str, Any], name: str, loc: tuple[str, ...], limit: int) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput((*loc, name), "is required and must be a non-empty string")
    if len(value) > limit:
        raise InvalidInput((*loc, name), f"must be at most {limit} characters")
    return value.strip()


def _optional_text(obj: Any, name: str, limit: int) -> str | None:
    value = obj.get(name) if isinstance(obj, dict) else None
    if not isinstance(value, str) or not value.strip():
        return None
    # Printable only: it lands in resolved_by, the dashboard and the logs.
    return "".join(c for c in value if c.isprintable()).strip()[:limit] or None


def parse_event(body: bytes) -> WebhookEvent:
    """The V3 webhook event in the body; 400 for bad JSON, 422 naming the bad field."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(
            ("body",), "is not valid JSON (a V3 webhook event)", status=400
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("event"), dict):
        raise InvalidInput(("body", "event"), 'is required: a V3 webhook body is {"event": {...}}')
    event = doc["event"]
    loc = ("body", "event")
    event_id = _text(event, "id", loc, 100)
    event_type = _text(event, "event_type", loc, 60)
    data = event.get("data")
    incident_id = incident_key = None
    if event_type.startswith("incident."):
        if not isinstance(data, dict):
            raise InvalidInput((*loc, "data"), "is required for an incident event")
        if data.get("type") not in (None, "incident"):
            raise InvalidInput((*loc, "data", "type"), "must be 'incident' for an incident event")
        incident_id = _optional_text(data, "id", 100)
        incident_key = _optional_text(data, "incident_key", 255)
    return WebhookEvent(
        id=event_id,
        event_type=event_type,
        incident_id=incident_id,
        incident_key=incident_key,
        agent=_optional_text(event.get("agent"), "summary", 150),
        occurred_at=_optional_time(event.get("occurred_at")),
    )


def _optional_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else None


def _past_the_kept_window(event: WebhookEvent) -> bool:
    """Older than the event ids are kept (threatvec.retention): a replay would look new."""
    if event.occurred_at is None:
        return False
    return event.occurred_at < utcnow() - timedelta(days=Settings().events_keep_days)


# ── applying it ────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class SyncResult:
    event_id: str
    event_type: str
    outcome: Literal["applied", "unchanged", "duplicate", "ignored"]
    alert_id: str | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "outcome": self.outcome,
            "alert_id": self.alert_id,
            "detail": self.detail,
        }


def _alert_for(session: Session, channel: AlertChannel, incident_key: str | None) -> Alert | None:
    """The channel's org's alert whose trigger this channel sent under ``incident_key``."""
    match = _INCIDENT_KEY.match(incident_key or "")
    if match is None:
        return None
    sent_here = (
        select(AlertDelivery.id)
        .where(
            AlertDelivery.org_id == channel.org_id,
            AlertDelivery.alert_id == Alert.id,
            AlertDelivery.channel_id == channel.id,
            AlertDelivery.action == "trigger",
        )
        .exists()
    )
    return session.scalar(
        select(Alert).where(Alert.org_id == channel.org_id, Alert.id == match.group(1), sent_here)
    )


def _record(
    session: Session, channel: AlertChannel, event: WebhookEvent, alert: Alert
) -> AlertInboundEvent | None:
    """Claim the event id for this channel; None when it was applied before (a redelivery)."""
    row = AlertInboundEvent(
        org_id=channel.org_id,
        channel_id=channel.id,
        event_id=event.id,
        event_type=event.event_type,
        alert_id=alert.id,
        outcome="applied",
    )
    try:
        # A savepoint: two deliveries of one event at once, the second waits here and loses.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def apply(*, session: Session, channel: AlertChannel, event: WebhookEvent) -> SyncResult:
    """Move the event's alert (caller commits); never touches another org's or channel's."""
    base = {"event_id": event.id, "event_type": event.event_type}
    target = SYNCED.get(event.event_type)
    if target is None:
        return SyncResult(**base, outcome="ignored", detail="event type not synced")
    if _past_the_kept_window(event):
        return SyncResult(**base, outcome="ignored",
                          detail=f"occurred before the {EVENTS_KEEP_DAYS} window: a replay "
                          "cannot be told from a new event once its id is pruned")  # fmt: skip
    alert = _alert_for(session, channel, event.incident_key)
    if alert is None:
        # Logged without the body: ids only, never a secret.
        log.info(
            "pagerduty webhook on channel %s: event %.100r (%s) for incident %.100r: "
            "no alert of this channel, ignored",
            channel.id, event.id, event.event_type, event.incident_id,
        )  # fmt: skip
        return SyncResult(**base, outcome="ignored", detail="no alert of this channel has it")
    record = _record(session, channel, event, alert)
    if record is None:
        return SyncResult(**base, outcome="duplicate", alert_id=alert.id,
                          detail="this event was applied before")  # fmt: skip
    if target == "open":
        moved = service.reopen(session=session, org_id=channel.org_id, alert_id=alert.id,
                               frm=_BACK_FROM[event.event_type], actor=_actor(event),
                               source_channel_id=channel.id)  # fmt: skip
    else:
        moved = _move(session, channel, alert, target, _actor(event))
    if not moved:
        record.outcome = "unchanged"
        session.flush()
    log.info(
        "pagerduty webhook on channel %s: event %.100r (%s) %s alert %s",
        channel.id, event.id, event.event_type, "moved" if moved else "left", alert.id,
    )  # fmt: skip
    return SyncResult(
        **base,
        outcome="applied" if moved else "unchanged",
        alert_id=alert.id,
        detail=f"alert {target}" if moved else f"the alert is already {alert.status}",
    )


def _actor(event: WebhookEvent) -> str:
    return f"PagerDuty: {event.agent}" if event.agent else "PagerDuty"


def _move(session: Session, channel: AlertChannel, alert: Alert, target: str, actor: str) -> bool:
    """The person's Ack / Resolve path, with this channel left out of the follow-ups."""
    before = alert.status
    if target == "acknowledged":
        if before != "open":
            return False  # already acknowledged, or resolved (never moved back)
        try:
            service.acknowledge(session=session, org_id=channel.org_id, alert_id=alert.id,
                                actor=actor, source_channel_id=channel.id)  # fmt: skip
        except Conflict:
            return False  # resolved by someone a moment ago
    else:
        if before == "resolved":
            return False
        service.resolve(session=session, org_id=channel.org_id, alert_id=alert.id,
                        actor=actor, source_channel_id=channel.id)  # fmt: skip
    # A racing Ack / Resolve may have moved it first: then it is theirs, not ours.
    by = alert.acknowledged_by if target == "acknowledged" else alert.resolved_by
    return alert.status == target and by == actor[:200]


# ── the channel's webhook secret, set on its own (the dashboard) ─────────


def set_webhook_secret(
    *, session: Session, org_id: str, channel_id: str, secret: str | None, box: SecretBox
) -> AlertChannel:
    """Store (or, with None, remove) a PagerDuty channel's webhook secret; the routing key stays."""
    channel = service.get_channel_or_raise(session=session, org_id=org_id, channel_id=channel_id)
    if channel.kind != "pagerduty":
        raise NotFound(f"no PagerDuty channel {channel_id!r}")
    secrets = stored_secrets(channel.secrets_enc, box)
    if secret is None:
        secrets.pop("webhook_secret", None)
    else:
        checked = PagerDutySettings.model_validate(
            {"kind": "pagerduty", "routing_key": secrets.get("routing_key") or "x" * 8,
             "webhook_secret": secret}
        )  # fmt: skip
        assert checked.webhook_secret is not None
        secrets["webhook_secret"] = checked.webhook_secret.get_secret_value()
    channel.secrets_enc = box.encrypt(json.dumps(secrets))
    channel.secret_hint = hint("pagerduty", secrets)
    channel.updated_at = utcnow()
    session.flush()
    return channel
