"""An alert's acknowledge and resolve, told to the channels its trigger went to, after it.

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
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from threatvec.alerts.models import Alert, AlertChannel, AlertDelivery

__all__ = [
    "FOLLOW_UPS",
    "Verdict",
    "drop",
    "gate",
    "queue_follow_ups",
    "requeue_after_trigger_retry",
]

# Which channel kinds hear of each action. Slack is a room people read: "resolved" closes
# the thread's story, an acknowledgement is noise there. A webhook feeds a machine that
# mirrors the alert's state, so it gets both.
FOLLOW_UPS: dict[str, frozenset[str]] = {
    "acknowledge": frozenset({"pagerduty", "webhook"}),
    "resolve": frozenset({"pagerduty", "slack", "webhook"}),
}

Verdict = Literal["send", "wait", "drop"]

DROPPED_BY_RESOLVE = "not sent: the alert was resolved before it went out"
NO_TRIGGER = "not sent: the alert's notification never got through to this channel"


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
    *, session: Session, alert: Alert, action: Literal["acknowledge", "resolve"], now: datetime
) -> int:
    """Queue ``action`` for each live channel the alert's trigger went to; the rows added."""
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
        channel = channels.get(trigger.channel_id)
        if channel is None or not channel.enabled or channel.kind not in FOLLOW_UPS[action]:
            continue
        if trigger.status in ("failed", "cancelled"):
            continue  # nothing reached the channel: nothing to follow up
        dropped = action == "resolve" and _cancel_if_pending(session, trigger, DROPPED_BY_RESOLVE)
        if dropped and not _may_have_landed(trigger):
            continue
        session.add(_follow_up(trigger, action, now))
        added += 1
    session.flush()
    return added


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
    peers = {
        d.action: d
        for d in session.scalars(
            select(AlertDelivery)
            .where(
                AlertDelivery.org_id == delivery.org_id,
                AlertDelivery.alert_id == delivery.alert_id,
                AlertDelivery.channel_id == delivery.channel_id,
                AlertDelivery.id != delivery.id,
            )
            .execution_options(populate_existing=True)
        )
    }
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
    return "send", None


def drop(*, session: Session, delivery: AlertDelivery, reason: str) -> bool:
    """Mark an unclaimed follow-up cancelled (see ``gate``); False if a sender took it."""
    return _cancel_if_pending(session, delivery, reason)
