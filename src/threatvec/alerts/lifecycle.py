"""An alert's acknowledge, resolve and reopen, told to the channels its trigger went to, after it.

When a user acknowledges or resolves an alert, every channel that got (or is
getting) the alert's trigger is queued a follow-up delivery: PagerDuty an Events
API v2 ``acknowledge`` / ``resolve`` with the trigger's dedup_key (so the incident
stops paging), a SOAR webhook ``alert.acknowledged`` / ``alert.resolved``, Slack a
"resolved" message. An email digest gets none: it lists what fired in its period.
A channel deleted or disabled since gets nothing.

Order, because a resolve that overtakes its trigger leaves an incident open for
good: a follow-up waits while its trigger is queued or being sent, and is dropped
(``cancelled``) if the trigger never got through. Resolving an alert whose trigger
has not gone out yet drops the trigger instead: nobody is paged for an alert that
is already resolved. If an earlier attempt of that trigger got no reply (a timeout:
the receiver may have taken it), the resolve is still sent; PagerDuty ignores a
resolve for an incident it does not have.

An alert moved back to open in PagerDuty (pagerduty_sync.py) is told on as well: a
reopened one (it was resolved) as ``reopen`` — Slack "[REOPENED]", a webhook
``alert.reopened``, another PagerDuty channel a new trigger with the same dedup_key
(its incident was resolved: that opens a new one) — and an unacknowledged one as
``unack`` — a webhook ``alert.unacknowledged`` only (Slack never heard the
acknowledgement; PagerDuty's Events API has no "unacknowledge").
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from threatvec.alerts.models import Alert, AlertChannel, AlertDelivery

__all__ = [
    "CHANNEL_DELETED",
    "FOLLOW_UPS",
    "Verdict",
    "drop",
    "gate",
    "may_be_open_on",
    "queue_follow_ups",
    "requeue_after_trigger_retry",
    "retire_channel",
]

# Which channel kinds hear of each action. Slack is a room people read: "resolved" closes
# the thread's story, an acknowledgement is noise there. A webhook feeds a machine that
# mirrors the alert's state, so it gets both.
FOLLOW_UPS: dict[str, frozenset[str]] = {
    "acknowledge": frozenset({"pagerduty", "webhook"}),
    "resolve": frozenset({"pagerduty", "slack", "webhook"}),
    "reopen": frozenset({"pagerduty", "slack", "webhook"}),
    "unack": frozenset({"webhook"}),
}
FollowUp = Literal["acknowledge", "resolve", "reopen", "unack"]

Verdict = Literal["send", "wait", "drop"]

DROPPED_BY_RESOLVE = "not sent: the alert was resolved before it went out"
NO_TRIGGER = "not sent: the alert's notification never got through to this channel"
CHANNEL_DELETED = "not sent: the channel was deleted"
RESOLVED_AT_SOURCE = "not sent: the incident was resolved in PagerDuty"


def _cancel_if_pending(
    session: Session, row: AlertDelivery, reason: str, *, also: tuple[str, ...] = ()
) -> bool:
    """Cancel a row no sender has claimed; False if one has (it is in flight or done)."""
    result = session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.id == row.id, AlertDelivery.status.in_(("pending", *also)))
        .values(status="cancelled", last_error=reason)
        .execution_options(synchronize_session=False)
    )
    session.expire(row)
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _rows(session: Session, alert: Alert, action: str) -> list[AlertDelivery]:
    return list(
        session.scalars(
            select(AlertDelivery)
            .where(
                AlertDelivery.org_id == alert.org_id,
                AlertDelivery.alert_id == alert.id,
                AlertDelivery.action == action,
            )
            .order_by(AlertDelivery.created_at, AlertDelivery.id)
            .execution_options(populate_existing=True)
        )
    )


def _may_have_landed(trigger: AlertDelivery) -> bool:
    # Tried, and the last try got no HTTP reply at all (timeout, dropped connection).
    return trigger.attempts > 0 and trigger.last_status_code is None


def queue_follow_ups(
    *,
    session: Session,
    alert: Alert,
    action: FollowUp,
    now: datetime,
    source_channel_id: str | None = None,
) -> int:
    """Queue ``action`` for each live channel the alert's trigger went to; the rows added.

    ``source_channel_id``: the channel the change came from (PagerDuty said its incident
    was acknowledged or resolved): it is told nothing back, the others as usual.
    """
    triggers = _rows(session, alert, "trigger")
    if action == "resolve":
        # An acknowledgement not sent yet (or given up) is moot once the alert is resolved:
        # sent later, it would tell a receiver mirroring the state "acknowledged" after "resolved".
        for ack in _rows(session, alert, "acknowledge"):
            _cancel_if_pending(
                session, ack, "not sent: the alert was resolved first", also=("failed",)
            )
    ids = [t.channel_id for t in triggers]
    channels = {
        c.id: c
        for c in session.scalars(
            select(AlertChannel).where(
                AlertChannel.org_id == alert.org_id, AlertChannel.id.in_(ids)
            )
        )
    }
    added = 0
    for trigger in triggers:
        if trigger.channel_id == source_channel_id:
            if action == "resolve":
                # A trigger still queued there (a retry after a timeout) would open a new
                # incident for the one just resolved: it is dropped, and no resolve echoes.
                _cancel_if_pending(session, trigger, RESOLVED_AT_SOURCE)
            continue
        channel = channels.get(trigger.channel_id)
        if channel is None or not channel.enabled or channel.kind not in FOLLOW_UPS[action]:
            continue
        if action == "reopen" and _undrop(session, trigger, now):
            continue  # never sent because the alert was resolved first: it goes out now
        if trigger.status in ("failed", "cancelled"):
            continue  # nothing reached the channel: nothing to follow up
        dropped = action == "resolve" and _cancel_if_pending(session, trigger, DROPPED_BY_RESOLVE)
        if dropped and not _may_have_landed(trigger):
            continue
        session.add(_follow_up(trigger, action, now))
        added += 1
    session.flush()
    return added


def _undrop(session: Session, trigger: AlertDelivery, now: datetime) -> bool:
    """A trigger dropped because the alert was resolved before it went out is queued again
    (the alert is open again, so it pages as it would have); True if so."""
    result = session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.id == trigger.id,
            AlertDelivery.status == "cancelled",
            AlertDelivery.last_error == DROPPED_BY_RESOLVE,
        )
        .values(status="pending", attempts=0, next_attempt_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    session.expire(trigger)
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _follow_up(trigger: AlertDelivery, action: str, now: datetime) -> AlertDelivery:
    return AlertDelivery(
        org_id=trigger.org_id,
        alert_id=trigger.alert_id,
        channel_id=trigger.channel_id,
        channel_kind=trigger.channel_kind,
        action=action,
        next_attempt_at=now,
        created_at=now,
    )


def requeue_after_trigger_retry(
    *, session: Session, alert: Alert, trigger: AlertDelivery, now: datetime
) -> None:
    """A trigger sent again for an acknowledged alert: its acknowledge must follow it again."""
    if alert.status != "acknowledged" or trigger.channel_kind not in FOLLOW_UPS["acknowledge"]:
        return
    acks = [a for a in _rows(session, alert, "acknowledge") if a.channel_id == trigger.channel_id]
    if not acks:
        session.add(_follow_up(trigger, "acknowledge", now))
    for ack in acks:
        if ack.status in ("cancelled", "failed"):
            ack.status, ack.attempts, ack.next_attempt_at = "pending", 0, now
            ack.last_error = None
    session.flush()


def gate(*, session: Session, delivery: AlertDelivery) -> tuple[Verdict, str | None]:
    """May this follow-up go now? ``wait`` while its trigger is unsettled, ``drop`` if it failed."""
    if delivery.action == "trigger":
        return "send", None
    rows = list(
        session.scalars(
            select(AlertDelivery)
            .where(
                AlertDelivery.org_id == delivery.org_id,
                AlertDelivery.alert_id == delivery.alert_id,
                AlertDelivery.channel_id == delivery.channel_id,
                AlertDelivery.id != delivery.id,
            )
            .order_by(AlertDelivery.created_at, AlertDelivery.id)
            .execution_options(populate_existing=True)
        )
    )
    peers = {d.action: d for d in rows}  # the latest of each action
    trigger = peers.get("trigger")
    if trigger is None or trigger.status == "failed":
        return "drop", NO_TRIGGER
    if trigger.status in ("pending", "sending"):
        return "wait", None
    if trigger.status == "cancelled" and delivery.action != "resolve":
        return "drop", NO_TRIGGER
    ack = peers.get("acknowledge")
    if delivery.action == "resolve" and ack is not None and ack.status == "sending":
        return "wait", None  # a webhook receiver should not see acknowledged after resolved
    if delivery.action in ("reopen", "unack") and any(
        d.created_at <= delivery.created_at
        and d.action in ("acknowledge", "resolve")
        and d.status in ("pending", "sending")
        for d in rows
    ):
        return "wait", None  # "reopened" must not overtake the "resolved" it undoes
    return "send", None


def drop(*, session: Session, delivery: AlertDelivery, reason: str) -> bool:
    """Mark an unclaimed follow-up cancelled (see ``gate``); False if a sender took it."""
    return _cancel_if_pending(session, delivery, reason)


# ── a channel deleted ──────────────────────────────────────────────────────


def _landed_or_landing(trigger: AlertDelivery) -> bool:
    """The trigger reached the channel, is reaching it now, or may have (a timeout)."""
    # A trigger given up ("failed") got nowhere, as for a person's resolve (queue_follow_ups).
    return trigger.status in ("sent", "sending") or (
        trigger.status == "pending" and _may_have_landed(trigger)
    )


def may_be_open_on(*, session: Session, channel: AlertChannel) -> list[Alert]:
    """Open alerts the channel was (or may have been) told of and would hear resolved.

    Deleting the channel strands these: PagerDuty keeps the incident open (and paging), a
    SOAR webhook the case, Slack never gets its [RESOLVED]. Email has no follow-ups.
    """
    if channel.kind not in FOLLOW_UPS["resolve"]:
        return []
    # Joined to the open alerts: a long-lived channel's history is not read to find them.
    rows = session.execute(
        select(Alert, AlertDelivery)
        .join(AlertDelivery, AlertDelivery.alert_id == Alert.id)
        .where(
            Alert.org_id == channel.org_id,
            Alert.status.in_(("open", "acknowledged")),
            AlertDelivery.org_id == channel.org_id,
            AlertDelivery.channel_id == channel.id,
            AlertDelivery.action == "trigger",
        )
        .order_by(Alert.fired_at, Alert.id)
    )
    out: dict[str, Alert] = {}
    for alert, trigger in rows:
        if _landed_or_landing(trigger):
            out.setdefault(alert.id, alert)
    return list(out.values())


def retire_channel(
    *, session: Session, channel: AlertChannel, close: list[Alert], now: datetime
) -> int:
    """End what is queued for a channel being deleted; queue a resolve for each ``close``.

    Triggers and acknowledgements not sent yet are dropped (``cancelled``): nobody is paged
    through a channel that is going. Resolves already queued stay and go out. For each
    alert in ``close`` (PagerDuty's open incidents, on a forced delete) a resolve with the
    trigger's dedup_key is queued, after its trigger as always (``gate``). The rows added.
    """
    for row in session.scalars(
        select(AlertDelivery).where(
            AlertDelivery.org_id == channel.org_id,
            AlertDelivery.channel_id == channel.id,
            AlertDelivery.action.in_(("trigger", "acknowledge")),
            AlertDelivery.status == "pending",
        )
    ):
        if row.alert_id in {a.id for a in close} and row.action == "trigger":
            continue  # decided below: it may already have paged
        _cancel_if_pending(session, row, CHANNEL_DELETED)
    added = 0
    for alert in close:
        added += _close_on(session, alert, channel, now)
    session.flush()
    return added


def _close_on(session: Session, alert: Alert, channel: AlertChannel, now: datetime) -> int:
    trigger = next(
        (t for t in _rows(session, alert, "trigger") if t.channel_id == channel.id), None
    )
    if trigger is None:
        return 0
    queued = [
        r for r in _rows(session, alert, "resolve")
        if r.channel_id == channel.id and r.status in ("pending", "sending")
    ]  # fmt: skip
    if queued:
        return 0
    dropped = _cancel_if_pending(session, trigger, CHANNEL_DELETED)
    if dropped and not _may_have_landed(trigger):
        return 0
    session.add(_follow_up(trigger, "resolve", now))
    return 1
