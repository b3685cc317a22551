"""Evaluate → dedupe → queue, and drain the outbox: the alert engine's orchestration.

Evaluation reads an org's signals after its cursor (``signals.service.list_since``),
matches them against the enabled rules, folds a storm inside a rule's cooldown
into one alert, and queues one outbox row per alert × enabled channel. The
cursor is moved with a compare-and-set in the same transaction as the alerts it
produced: a restart re-reads from the committed cursor (no gap), and a second
evaluator racing on the same org loses the compare-and-set and writes nothing
(no double fire). Then, for rules with ``auto_resolve``, each open alert whose
condition no longer holds (``clearing.py``) is resolved the way a person's Resolve
does it, so its channels hear of it.

Delivery is separate and never blocks evaluation: each outbox row is claimed
(committed), sent, and recorded; failures that can succeed later are retried
with exponential backoff and jitter, up to ``MAX_ATTEMPTS``. An acknowledge or
resolve row goes only after its trigger got through (``lifecycle.gate``).
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from threatvec.alerts import clearing, lifecycle, service, triggers
from threatvec.alerts.channel_settings import OPTIONAL_SECRETS, SECRET_FIELDS, stored_secrets
from threatvec.alerts.models import Alert, AlertChannel, AlertCursor, AlertDelivery, AlertRule
from threatvec.alerts.notifiers import email_digest, pagerduty, slack, webhook
from threatvec.alerts.notifiers.message import AlertMessage, DeliveryError, channel_test_message
from threatvec.alerts.service import get_channel_or_raise, list_rules
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox, SecretDecryptError
from threatvec.core.outbound import outbound_client
from threatvec.signals import settled
from threatvec.signals.models import Signal

__all__ = [
    "MAX_ATTEMPTS",
    "DeliveryStats",
    "EvaluationResult",
    "backoff_s",
    "deliver_due",
    "evaluate",
    "send_test",
]

log = logging.getLogger("threatvec.alerts")

BATCH = 500
MAX_BATCHES = 20
MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 30.0
BACKOFF_CAP_S = 3600.0
STUCK_SENDING_S = 300.0
MAX_DETAIL_EVENTS = service.MAX_DETAIL_EVENTS


@dataclass
class EvaluationResult:
    signals: int = 0
    matched: int = 0
    alerts_created: int = 0
    alerts_folded: int = 0
    deliveries: int = 0
    auto_resolved: int = 0
    cursor: int = 0
    skipped: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DeliveryStats:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    digests: int = 0
    waiting: int = 0  # acknowledge/resolve rows held back until their trigger settles
    cancelled: int = 0  # acknowledge/resolve rows whose trigger never got through

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


# ── evaluation ─────────────────────────────────────────────────────────────


def _cursor(session: Session, org_id: str) -> int:
    value = session.scalar(select(AlertCursor.last_signal_id).where(AlertCursor.org_id == org_id))
    if value is not None:
        return int(value)
    try:
        with session.begin_nested():
            session.add(AlertCursor(org_id=org_id, last_signal_id=0))
    except IntegrityError:  # another evaluator created it first
        pass
    return int(
        session.scalar(select(AlertCursor.last_signal_id).where(AlertCursor.org_id == org_id)) or 0
    )


def _advance(session: Session, org_id: str, old: int, new: int, now: datetime) -> bool:
    """Compare-and-set the cursor; False means another evaluator moved it first."""
    if new == old:
        return True
    result = session.execute(
        update(AlertCursor)
        .where(AlertCursor.org_id == org_id, AlertCursor.last_signal_id == old)
        .values(last_signal_id=new, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _takes(alert: Alert, cutoff: datetime) -> bool:
    """Whether an open alert takes a match of its group: inside its cooldown, or reopened.

    An alert reopened in PagerDuty (which took over any newer one of its group,
    service.reopen) is the group's one open alert while it stays open, however long ago
    it first fired: a match opening another would page twice for one problem.
    """
    return alert.first_seen_at >= cutoff or service.REOPENED["resolved"] in (alert.details or {})


def _fire(
    session: Session,
    rule: AlertRule,
    match: triggers.Match,
    sig: Signal,
    channels: dict[str, AlertChannel],
    now: datetime,
    result: EvaluationResult,
    fold: _Fold,
) -> None:
    dedup_key = f"{rule.id}:{match.subject}"[:200]
    if rule.cooldown_minutes > 0:
        cutoff = sig.created_at - timedelta(minutes=rule.cooldown_minutes)
        current = fold.alerts.get(dedup_key)
        if current is None or current.status == "resolved" or not _takes(current, cutoff):
            current = session.scalar(
                select(Alert)
                .where(
                    Alert.org_id == rule.org_id,
                    Alert.dedup_key == dedup_key,
                    Alert.status != "resolved",
                )
                .order_by(Alert.first_seen_at.desc())
                .limit(1)
                # Locked to commit, read fresh: a PagerDuty un-acknowledge or reopen also
                # rewrites the details JSON, and waits for this fold (or it for that).
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            if current is not None and not _takes(current, cutoff):
                current = None  # past its cooldown: the match fires anew
        if current is not None:
            # The newest alert of the group: a storm's next match folds without a lookup.
            fold.alerts[dedup_key] = current
            # Every subject is kept as a row (auto-resolve needs them all); the JSON shows 20.
            fold.subjects.add(current, match.detail, sig.created_at)
            current.occurrences += 1
            current.last_signal_id = sig.id
            current.last_seen_at = sig.created_at
            events = list((current.details or {}).get("events", []))
            if len(events) < MAX_DETAIL_EVENTS:
                current.details = {**(current.details or {}), "events": [*events, match.detail]}
            result.alerts_folded += 1
            return
    alert = Alert(
        org_id=rule.org_id,
        rule_id=rule.id,
        rule_name=rule.name,
        trigger=rule.trigger,
        severity=rule.severity,
        title=match.title[:300],
        summary=match.summary[:2000],
        dedup_key=dedup_key,
        details=clearing.start_subjects(
            rule.trigger, {"signal_kind": sig.kind, "events": [match.detail]}
        ),
        first_signal_id=sig.id,
        last_signal_id=sig.id,
        first_seen_at=sig.created_at,
        last_seen_at=sig.created_at,
        fired_at=now,
    )
    session.add(alert)
    session.flush()
    fold.alerts[dedup_key] = alert
    fold.subjects.add(alert, match.detail, sig.created_at)
    rule.last_fired_at = now
    result.alerts_created += 1
    for cid in rule.channel_ids or []:
        channel = channels.get(cid)
        if channel is None or not channel.enabled:
            continue
        due = now
        if channel.kind == "email" and channel.last_digest_at is not None:
            period = timedelta(minutes=int(channel.config.get("digest_minutes", 60)))
            due = max(now, channel.last_digest_at + period)
        session.add(
            AlertDelivery(
                org_id=rule.org_id,
                alert_id=alert.id,
                channel_id=channel.id,
                channel_kind=channel.kind,
                next_attempt_at=due,
                created_at=now,
            )
        )
        result.deliveries += 1


@dataclass
class _Fold:
    """What one evaluation pass keeps between matches: the newest alert per group (a storm's
    next match needs no lookup) and the subjects still to write (once per batch)."""

    alerts: dict[str, Alert] = field(default_factory=dict)
    subjects: clearing.Subjects = field(default_factory=clearing.Subjects)


def _conditions(rules: Sequence[AlertRule]) -> list[tuple[AlertRule, Any]]:
    out = []
    for rule in rules:
        try:
            out.append((rule, triggers.parse_condition(rule.condition)))
        except ValidationError:
            # A stored condition an older version accepted: skip the rule, keep the others.
            log.warning("alert rule %s has an invalid condition; skipped", rule.id)
    return out


def evaluate(
    *, session: Session, org_id: str, now: datetime | None = None, batch: int = BATCH
) -> EvaluationResult:
    """Evaluate the org's enabled rules on every signal after its cursor (caller commits)."""
    now = now or utcnow()
    result = EvaluationResult()
    start = _cursor(session, org_id)
    result.cursor = start
    rules = _conditions(list_rules(session=session, org_id=org_id, enabled_only=True))
    channels = {
        c.id: c for c in session.scalars(select(AlertChannel).where(AlertChannel.org_id == org_id))
    }
    memo: dict[Any, Any] = {}  # trigger state kept across this pass's signals
    fold = _Fold()
    for _ in range(MAX_BATCHES):
        # Stops below an id still in flight on PostgreSQL, so the cursor never skips it.
        rows = settled.list_settled(
            session=session,
            org_id=org_id,
            after_id=start,
            now=now,
            limit=batch,
            kinds=triggers.WATCHED_KINDS,
        )
        if not rows:
            break
        # Claim the range first: on PostgreSQL the row lock makes a racing evaluator wait
        # here, then find the cursor moved and write nothing.
        if not _advance(session, org_id, start, rows[-1].id, now):
            result.skipped = True
            return result
        for sig in rows:
            result.signals += 1
            for rule, cond in rules:
                if sig.created_at < rule.created_at:
                    continue  # a rule applies to what happens after it exists
                m = triggers.match(cond, sig, session=session, memo=memo)
                if m is not None:
                    result.matched += 1
                    _fire(session, rule, m, sig, channels, now, result, fold)
        fold.subjects.write(session)
        start = result.cursor = rows[-1].id
        if len(rows) < batch:
            break
    session.flush()
    result.auto_resolved = _clear(session, org_id, rules, upto=result.cursor)
    return result


def _clear(session: Session, org_id: str, rules: list[tuple[AlertRule, Any]], *, upto: int) -> int:
    """Resolve the open alerts whose condition no longer holds, for rules that ask for it.

    One read of the open alerts and one per trigger kind (clearing.cleared_all), however
    many alerts are open: this runs on every evaluation.
    """
    wanted = {
        rule.id: cond
        for rule, cond in rules
        if rule.auto_resolve and rule.trigger in clearing.CLEARABLE
    }
    items = clearing.pending(session=session, org_id=org_id, conditions=wanted)
    reasons = clearing.cleared_all(session=session, org_id=org_id, items=items, upto_signal_id=upto)
    if not reasons:
        return 0
    alerts = clearing.load(session=session, org_id=org_id, ids=list(reasons))
    resolved = 0
    for p in items:  # oldest first, as before
        alert = alerts.get(p.alert.id)
        if alert is not None and service.auto_resolve(
            session=session, alert=alert, reason=reasons[p.alert.id]
        ):
            resolved += 1
    return resolved


# ── delivery ───────────────────────────────────────────────────────────────


def backoff_s(attempt: int) -> float:
    """Wait before retry number ``attempt`` (1-based): doubling from 30 s, capped, ±20 %."""
    base: float = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempt - 1))
    return base * random.uniform(0.8, 1.2)


def _send(
    channel: AlertChannel,
    secrets: dict[str, str],
    msgs: Sequence[AlertMessage],
    *,
    client: httpx.Client,
    delivery_id: str,
    allow_private: bool,
) -> int:
    cfg = channel.config or {}
    missing = [
        f
        for f in SECRET_FIELDS.get(channel.kind, ())
        if f not in OPTIONAL_SECRETS and not secrets.get(f)
    ]
    if missing:
        raise DeliveryError(f"channel has no {missing[0]} stored", retryable=False)
    if channel.kind == "email":
        # For a digest, delivery_id names the whole set of deliveries it carries.
        return email_digest.send(cfg, password=secrets.get("password"), msgs=msgs,
                                 allow_private=allow_private, key=delivery_id)  # fmt: skip
    msg = msgs[0]
    if channel.kind == "slack":
        return slack.send(client, webhook_url=secrets["webhook_url"], msg=msg)
    if channel.kind == "pagerduty":
        return pagerduty.send(client, base_url=str(cfg.get("base_url")),
                              routing_key=secrets["routing_key"], msg=msg)  # fmt: skip
    if channel.kind == "webhook":
        return webhook.send(client, url=str(cfg["url"]), secret=secrets["secret"], msg=msg,
                            delivery_id=delivery_id)  # fmt: skip
    raise DeliveryError(f"unknown channel kind {channel.kind!r}", retryable=False)


def _delivery_key(claimed: Sequence[AlertDelivery]) -> str:
    """The id a receiver de-duplicates on: the delivery's, or for a digest its set's."""
    if len(claimed) == 1:
        return claimed[0].id
    # A digest re-sent with the same alerts gets the same key (and Message-ID); one
    # that gained an alert since is a different mail.
    joined = ",".join(sorted(d.id for d in claimed))
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def _claim(session: Session, delivery: AlertDelivery, now: datetime) -> bool:
    result = session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.id == delivery.id,
            AlertDelivery.status == "pending",
            AlertDelivery.attempts == delivery.attempts,
        )
        .values(status="sending", attempts=delivery.attempts + 1, last_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _record(
    session: Session,
    ids: Sequence[str],
    *,
    now: datetime,
    code: int | None,
    error: DeliveryError | None,
    stats: DeliveryStats,
) -> None:
    for row in session.scalars(select(AlertDelivery).where(AlertDelivery.id.in_(list(ids)))):
        session.refresh(row)
        row.last_status_code = code if error is None else error.status_code
        if error is None:
            row.status, row.sent_at, row.last_error = "sent", now, None
            stats.sent += 1
        elif error.retryable and row.attempts < MAX_ATTEMPTS:
            row.status, row.last_error = "pending", error.message
            wait = backoff_s(row.attempts)
            if error.retry_after_s is not None:
                # The receiver said when to come back (429/503 Retry-After): never sooner,
                # and no later than the backoff cap.
                wait = max(wait, min(error.retry_after_s, BACKOFF_CAP_S))
            row.next_attempt_at = now + timedelta(seconds=wait)
            stats.retrying += 1
        else:
            row.status, row.last_error = "failed", error.message
            stats.failed += 1


def deliver_due(
    *,
    session: Session,
    org_id: str,
    box: SecretBox,
    allow_private: bool = False,
    now: datetime | None = None,
    limit: int = 200,
    client: httpx.Client | None = None,
) -> DeliveryStats:
    """Send every due outbox row of the org (commits after each claim and each result)."""
    now = now or utcnow()
    stats = DeliveryStats()
    session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.org_id == org_id,
            AlertDelivery.status == "sending",
            AlertDelivery.last_attempt_at < now - timedelta(seconds=STUCK_SENDING_S),
        )
        .values(status="pending")
        .execution_options(synchronize_session=False)
    )
    due = list(
        session.scalars(
            select(AlertDelivery)
            .where(
                AlertDelivery.org_id == org_id,
                AlertDelivery.status == "pending",
                AlertDelivery.next_attempt_at <= now,
            )
            # Triggers first: acknowledges/resolves waiting on their triggers never fill the
            # batch ahead of them, and one due in the same run finds its trigger sent.
            .order_by(
                case((AlertDelivery.action == "trigger", 0), else_=1),
                AlertDelivery.next_attempt_at,
                AlertDelivery.id,
            )
            .limit(limit)
            .execution_options(populate_existing=True)
        )
    )
    groups: dict[str, list[AlertDelivery]] = defaultdict(list)
    for d in due:
        # An email channel sends one digest: everything pending for it, due or not yet.
        groups[f"email:{d.channel_id}" if d.channel_kind == "email" else d.id].append(d)
    # One client per run: building one (its TLS context) costs more than a local send.
    own = client or outbound_client(allow_private=allow_private, timeout=10.0)
    try:
        _drain(session, org_id, groups, box=box, allow_private=allow_private, now=now,
               client=own, stats=stats)  # fmt: skip
    finally:
        if client is None:
            own.close()
    # A deleted channel whose last queued resolve went out keeps no secret.
    service.purge_deleted_channels(session=session, org_id=org_id)
    return stats


def _drain(
    session: Session,
    org_id: str,
    groups: dict[str, list[AlertDelivery]],
    *,
    box: SecretBox,
    allow_private: bool,
    now: datetime,
    client: httpx.Client,
    stats: DeliveryStats,
) -> None:
    deleted = set(
        session.scalars(
            select(AlertChannel.id).where(
                AlertChannel.org_id == org_id, AlertChannel.deleted_at.is_not(None)
            )
        )
    )
    for key, rows in groups.items():
        if key.startswith("email:"):
            rows = list(
                session.scalars(
                    select(AlertDelivery)
                    .where(
                        AlertDelivery.org_id == org_id,
                        AlertDelivery.channel_id == rows[0].channel_id,
                        AlertDelivery.status == "pending",
                    )
                    .execution_options(populate_existing=True)
                )
            )
        rows = [d for d in rows if not _held_back(session, d, stats, deleted)]
        claimed = [d for d in rows if _claim(session, d, now)]
        session.commit()
        if not claimed:
            continue
        _deliver_group(session, org_id, claimed, box=box, allow_private=allow_private,
                       now=now, client=client, stats=stats)  # fmt: skip
        session.commit()


def _held_back(
    session: Session, delivery: AlertDelivery, stats: DeliveryStats, deleted: set[str]
) -> bool:
    """A follow-up whose trigger is unsettled waits; one whose trigger failed is dropped.

    A deleted channel is sent only the resolves queued for it; anything else queued for it
    (a trigger an evaluation racing the delete added) is dropped.
    """
    if delivery.channel_id in deleted and delivery.action != "resolve":
        if lifecycle.drop(session=session, delivery=delivery, reason=lifecycle.CHANNEL_DELETED):
            stats.cancelled += 1
        return True
    verdict, reason = lifecycle.gate(session=session, delivery=delivery)
    if verdict == "wait":
        # Looked at again on every run; not an attempt, so it never runs out of retries.
        stats.waiting += 1
        return True
    if verdict == "drop":
        if lifecycle.drop(session=session, delivery=delivery, reason=reason or ""):
            stats.cancelled += 1
        return True
    return False


def _deliver_group(
    session: Session,
    org_id: str,
    claimed: list[AlertDelivery],
    *,
    box: SecretBox,
    allow_private: bool,
    now: datetime,
    client: httpx.Client | None,
    stats: DeliveryStats,
) -> None:
    ids = [d.id for d in claimed]
    channel = session.scalar(
        select(AlertChannel).where(
            AlertChannel.org_id == org_id, AlertChannel.id == claimed[0].channel_id
        )
    )
    code: int | None = None
    error: DeliveryError | None = None
    if channel is None:
        error = DeliveryError("channel deleted", retryable=False)
    elif not channel.enabled and channel.deleted_at is None:
        error = DeliveryError("channel disabled", retryable=False)
    else:
        alerts = {
            a.id: a
            for a in session.scalars(
                select(Alert).where(
                    Alert.org_id == org_id, Alert.id.in_([d.alert_id for d in claimed])
                )
            )
        }
        msgs = [
            AlertMessage.from_alert(alerts[d.alert_id], action=d.action)
            for d in claimed
            if d.alert_id in alerts
        ]
        try:
            secrets = stored_secrets(channel.secrets_enc, box)
        except SecretDecryptError:
            error = DeliveryError(
                "stored secret cannot be decrypted (was THREATVEC_SECRET_KEY changed?)",
                retryable=False,
            )
        else:
            own = client or outbound_client(allow_private=allow_private, timeout=10.0)
            try:
                code = _send(channel, secrets, msgs, client=own, delivery_id=_delivery_key(claimed),
                             allow_private=allow_private)  # fmt: skip
            except DeliveryError as exc:
                error = exc
            except Exception as exc:
                # An unforeseen crash left the row 'sending' with no error and, every 5 min,
                # stopped the run before the org's other deliveries: record it as a failure.
                # The class only: an exception's text can carry the URL (a Slack URL is secret).
                log.error(
                    "alert delivery to channel %s crashed: %s",
                    claimed[0].channel_id,
                    type(exc).__name__,
                )
                error = DeliveryError(
                    f"internal error ({type(exc).__name__}); see the server log", retryable=True
                )
            finally:
                if client is None:
                    own.close()
        if channel.kind == "email" and error is None:
            channel.last_digest_at = now
            stats.digests += 1
    if error is not None:
        # Channel id and kind only: the error text is already free of secrets.
        log.warning("alert delivery to channel %s failed: %s", claimed[0].channel_id, error.message)
    _record(session, ids, now=now, code=code, error=error, stats=stats)


def send_test(
    *,
    session: Session,
    org_id: str,
    channel_id: str,
    box: SecretBox,
    allow_private: bool = False,
    client: httpx.Client | None = None,
) -> tuple[bool, int | None, str | None]:
    """Send the test message now; (ok, status code, error) and the channel remembers it."""
    channel = get_channel_or_raise(session=session, org_id=org_id, channel_id=channel_id)
    code: int | None = None
    error: str | None = None
    try:
        secrets = stored_secrets(channel.secrets_enc, box)
        own = client or outbound_client(allow_private=allow_private, timeout=10.0)
        msg = channel_test_message()
        try:
            code = _send(channel, secrets, [msg], client=own,
                         delivery_id=msg.alert_id, allow_private=allow_private)  # fmt: skip
        finally:
            if client is None:
                own.close()
    except DeliveryError as exc:
        code, error = exc.status_code, exc.message
    except SecretDecryptError:
        error = "stored secret cannot be decrypted (was THREATVEC_SECRET_KEY changed?)"
    channel.last_test_at = utcnow()
    channel.last_test_ok = error is None
    session.flush()
    return error is None, code, error
