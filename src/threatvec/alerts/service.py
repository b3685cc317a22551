"""Alert rules, channels, alerts and deliveries: create, read, change; always within one org."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from threatvec.alerts import clearing, lifecycle
from threatvec.alerts.channel_settings import precheck_destination, split_settings
from threatvec.alerts.models import Alert, AlertChannel, AlertDelivery, AlertRule, AlertSubject
from threatvec.alerts.schemas import (
    ChannelCreate,
    ChannelUpdate,
    NewShadowAsset,
    PiiSpike,
    RuleCreate,
    RuleUpdate,
)
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox
from threatvec.core.errors import Conflict, InvalidInput, NotFound
from threatvec.core.pagination import PageParams, SortSpec, paginate
from threatvec.core.scoped import get_scoped, get_scoped_or_raise, paginate_scoped
from threatvec.mcp.models import McpServer
from threatvec.orgs import service as orgs
from threatvec.shadow.models import ShadowAlertIntent, ShadowService

__all__ = [
    "ChannelDeletion",
    "acknowledge",
    "adopt_shadow_intents",
    "auto_resolve",
    "create_channel",
    "create_rule",
    "delete_channel",
    "delete_rule",
    "deliveries_for",
    "ensure_shadow_service_rule",
    "get_alert_or_raise",
    "get_channel_or_raise",
    "get_rule",
    "get_rule_or_raise",
    "list_alert_page",
    "list_channel_page",
    "list_channels",
    "list_delivery_page",
    "list_recent_alerts",
    "list_rule_page",
    "list_rules",
    "list_subject_page",
    "purge_deleted_channels",
    "resolve",
    "retry_delivery",
    "subject_labels",
    "update_channel",
    "update_rule",
]

# ── rules ──────────────────────────────────────────────────────────────────

RULE_SORTS = SortSpec(
    columns={"created_at": AlertRule.created_at, "name": AlertRule.name}, default="created_at"
)


def _check_channel_ids(session: Session, org_id: str, ids: Sequence[str]) -> None:
    if not ids:
        return
    known = set(
        session.scalars(
            select(AlertChannel.id).where(
                AlertChannel.org_id == org_id,
                AlertChannel.id.in_(list(ids)),
                AlertChannel.deleted_at.is_(None),
            )
        )
    )
    for i, cid in enumerate(ids):
        if cid not in known:
            raise InvalidInput(("body", "channel_ids", i), f"no channel {cid!r} in this org")


SYSTEM_ACTOR = "system"
# What an alert's details keep of the matches it folded, to read (flows.py folds as many).
MAX_DETAIL_EVENTS = 20


def _auto_resolve_for(trigger: str, wanted: bool | None) -> bool:
    """The rule's auto_resolve: on by default where the condition can clear; never elsewhere."""
    if wanted is None:
        return trigger in clearing.CLEARABLE
    if wanted and trigger not in clearing.CLEARABLE:
        why = clearing.ONE_OFF.get(trigger, "it has no condition that clears")
        raise InvalidInput(
            ("body", "auto_resolve"), f"a {trigger} alert cannot resolve itself: {why}"
        )
    return wanted


def create_rule(
    *, session: Session, org_id: str, data: RuleCreate, actor: str = "api"
) -> AlertRule:
    _check_channel_ids(session, org_id, data.channel_ids)
    auto = _auto_resolve_for(data.condition.trigger, data.auto_resolve)
    rule = AlertRule(
        org_id=org_id,
        name=data.name,
        description=data.description,
        trigger=data.condition.trigger,
        condition=data.condition.model_dump(mode="json"),
        severity=data.severity,
        enabled=data.enabled,
        cooldown_minutes=data.cooldown_minutes,
        channel_ids=list(data.channel_ids),
        created_by=actor[:200],
        auto_resolve=auto,
    )
    session.add(rule)
    session.flush()
    return rule


def get_rule(*, session: Session, org_id: str, rule_id: str) -> AlertRule | None:
    return get_scoped(session, AlertRule, org_id, rule_id)


def get_rule_or_raise(*, session: Session, org_id: str, rule_id: str) -> AlertRule:
    return get_scoped_or_raise(session, AlertRule, org_id, rule_id, f"no alert rule {rule_id!r}")


def list_rule_page(
    *,
    session: Session,
    org_id: str,
    page: PageParams,
    trigger: str | None = None,
    enabled: bool | None = None,
) -> tuple[Sequence[AlertRule], str | None]:
    stmt = select(AlertRule).where(AlertRule.org_id == org_id)
    if trigger:
        stmt = stmt.where(AlertRule.trigger == trigger)
    if enabled is not None:
        stmt = stmt.where(AlertRule.enabled.is_(enabled))
    return paginate(session, stmt, id_column=AlertRule.id, sort_spec=RULE_SORTS, params=page)


def list_rules(*, session: Session, org_id: str, enabled_only: bool = False) -> list[AlertRule]:
    stmt = select(AlertRule).where(AlertRule.org_id == org_id)
    if enabled_only:
        stmt = stmt.where(AlertRule.enabled.is_(True))
    return list(session.scalars(stmt.order_by(AlertRule.created_at, AlertRule.id)))


def update_rule(*, session: Session, org_id: str, rule_id: str, data: RuleUpdate) -> AlertRule:
    rule = get_rule_or_raise(session=session, org_id=org_id, rule_id=rule_id)
    fields = data.model_dump(exclude_unset=True)
    if "channel_ids" in fields and data.channel_ids is not None:
        _check_channel_ids(session, org_id, data.channel_ids)
        rule.channel_ids = list(data.channel_ids)
    if data.condition is not None:
        if data.condition.trigger != rule.trigger and "auto_resolve" not in fields:
            # A new kind takes its own default: the old one's may not apply to it.
            rule.auto_resolve = _auto_resolve_for(data.condition.trigger, None)
        rule.trigger = data.condition.trigger
        rule.condition = data.condition.model_dump(mode="json")
    if data.auto_resolve is not None:
        rule.auto_resolve = _auto_resolve_for(rule.trigger, data.auto_resolve)
    for name in ("name", "severity", "enabled", "cooldown_minutes"):
        value = getattr(data, name)
        if name in fields and value is not None:
            setattr(rule, name, value)
    if "description" in fields:
        rule.description = data.description
    rule.updated_at = utcnow()
    session.flush()
    return rule


def delete_rule(*, session: Session, org_id: str, rule_id: str) -> None:
    rule = get_rule_or_raise(session=session, org_id=org_id, rule_id=rule_id)
    session.delete(rule)
    session.flush()


# ── channels ───────────────────────────────────────────────────────────────

CHANNEL_SORTS = SortSpec(
    columns={"created_at": AlertChannel.created_at, "name": AlertChannel.name},
    default="created_at",
)


def create_channel(
    *,
    session: Session,
    org_id: str,
    data: ChannelCreate,
    box: SecretBox,
    allow_private: bool = False,
) -> AlertChannel:
    precheck_destination(data.settings, allow_private=allow_private)
    config, secrets_enc, hint = split_settings(data.settings, box)
    channel = AlertChannel(
        org_id=org_id,
        name=data.name,
        kind=data.settings.kind,
        enabled=data.enabled,
        config=config,
        secrets_enc=secrets_enc,
        secret_hint=hint,
    )
    session.add(channel)
    session.flush()
    return channel


def get_channel_or_raise(*, session: Session, org_id: str, channel_id: str) -> AlertChannel:
    """A channel of the org that has not been deleted (a deleted one is a 404 everywhere)."""
    return get_scoped_or_raise(
        session,
        AlertChannel,
        org_id,
        channel_id,
        f"no alert channel {channel_id!r}",
        AlertChannel.deleted_at.is_(None),
    )


def list_channel_page(
    *, session: Session, org_id: str, page: PageParams, kind: str | None = None
) -> tuple[Sequence[AlertChannel], str | None]:
    stmt = select(AlertChannel).where(
        AlertChannel.org_id == org_id, AlertChannel.deleted_at.is_(None)
    )
    if kind:
        stmt = stmt.where(AlertChannel.kind == kind)
    return paginate(session, stmt, id_column=AlertChannel.id, sort_spec=CHANNEL_SORTS, params=page)


def list_channels(*, session: Session, org_id: str) -> list[AlertChannel]:
    return list(
        session.scalars(
            select(AlertChannel)
            .where(AlertChannel.org_id == org_id, AlertChannel.deleted_at.is_(None))
            .order_by(AlertChannel.created_at, AlertChannel.id)
        )
    )


def update_channel(
    *,
    session: Session,
    org_id: str,
    channel_id: str,
    data: ChannelUpdate,
    box: SecretBox,
    allow_private: bool = False,
) -> AlertChannel:
    channel = get_channel_or_raise(session=session, org_id=org_id, channel_id=channel_id)
    if data.name is not None:
        channel.name = data.name
    if data.enabled is not None:
        channel.enabled = data.enabled
    if data.settings is not None:
        if data.settings.kind != channel.kind:
            raise Conflict(f"a {channel.kind} channel cannot become {data.settings.kind}")
        precheck_destination(data.settings, allow_private=allow_private)
        channel.config, channel.secrets_enc, channel.secret_hint = split_settings(
            data.settings, box
        )
    channel.updated_at = utcnow()
    session.flush()
    return channel


@dataclass(frozen=True)
class ChannelDeletion:
    """What deleting a channel did about the alerts still open on it."""

    resolves_queued: int = 0
    left_open: tuple[Alert, ...] = ()
    detail: str = ""


def _named(alerts: Sequence[Alert], limit: int = 10) -> str:
    shown = "; ".join(f"{a.id} '{a.title[:120]}' ({a.status})" for a in alerts[:limit])
    more = len(alerts) - limit
    return shown + (f"; and {more} more" if more > 0 else "")


def delete_channel(
    *, session: Session, org_id: str, channel_id: str, force: bool = False
) -> ChannelDeletion:
    """Delete a channel; refused while alerts it was told of are open, unless forced.

    The row is kept, hidden, until what is queued for it is sent (lifecycle.retire_channel);
    then its secrets are wiped (``purge_deleted_channels``).
    """
    channel = get_channel_or_raise(session=session, org_id=org_id, channel_id=channel_id)
    stranded = lifecycle.may_be_open_on(session=session, channel=channel)
    if stranded and not force:
        raise Conflict(
            f"channel '{channel.name[:100]}' ({channel.kind}) has {len(stranded)} open "
            f"alert{'s' if len(stranded) > 1 else ''} it was notified of, and would never "
            f"be told {'they are' if len(stranded) > 1 else 'it is'} resolved: "
            f"{_named(stranded)}. Resolve them first (their resolves still go out after "
            "the delete), or delete with ?force=true"
            + (" to resolve their PagerDuty incidents now" if channel.kind == "pagerduty" else "")
        )
    now = utcnow()
    # PagerDuty's resolve only closes the incident; a webhook's alert.resolved or Slack's
    # [RESOLVED] would say the alert is resolved, which it is not: those are left, and said.
    close = stranded if channel.kind == "pagerduty" else []
    queued = lifecycle.retire_channel(session=session, channel=channel, close=close, now=now)
    for rule in list_rules(session=session, org_id=org_id):
        if channel.id in (rule.channel_ids or []):
            rule.channel_ids = [c for c in rule.channel_ids if c != channel.id]
    channel.enabled, channel.deleted_at, channel.updated_at = False, now, now
    session.flush()
    purge_deleted_channels(session=session, org_id=org_id)
    left = tuple(a for a in stranded if a not in close)
    detail = ""
    if left:
        detail = (
            f"these alerts stay open on '{channel.name[:100]}' ({channel.kind}); "
            f"close them there: {_named(left)}"
        )
    return ChannelDeletion(resolves_queued=queued, left_open=left, detail=detail)


def purge_deleted_channels(*, session: Session, org_id: str) -> int:
    """Wipe the secrets and settings of deleted channels with nothing left to send."""
    busy = (
        select(AlertDelivery.id)
        .where(
            AlertDelivery.org_id == org_id,
            AlertDelivery.channel_id == AlertChannel.id,
            AlertDelivery.status.in_(("pending", "sending")),
        )
        .exists()
    )
    result = session.execute(
        update(AlertChannel)
        .where(
            AlertChannel.org_id == org_id,
            AlertChannel.deleted_at.is_not(None),
            AlertChannel.secrets_enc != "",
            ~busy,
        )
        .values(secrets_enc="", secret_hint="", config={})
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# ── alerts and deliveries ──────────────────────────────────────────────────

ALERT_SORTS = SortSpec(
    columns={
        "fired_at": Alert.fired_at,
        "last_seen_at": Alert.last_seen_at,
        "severity": Alert.severity,
    },
    default="-fired_at",
)
DELIVERY_SORTS = SortSpec(columns={"created_at": AlertDelivery.created_at}, default="created_at")


def list_alert_page(
    *,
    session: Session,
    org_id: str,
    page: PageParams,
    status: str | None = None,
    trigger: str | None = None,
    severity: str | None = None,
    rule_id: str | None = None,
) -> tuple[Sequence[Alert], str | None]:
    filters = (
        (Alert.status, status),
        (Alert.trigger, trigger),
        (Alert.severity, severity),
        (Alert.rule_id, rule_id),
    )
    where = [column == value for column, value in filters if value]
    return paginate_scoped(session, Alert, org_id, page, ALERT_SORTS, *where)


def list_recent_alerts(*, session: Session, org_id: str, limit: int = 20) -> list[Alert]:
    return list(
        session.scalars(
            select(Alert)
            .where(Alert.org_id == org_id)
            .order_by(Alert.fired_at.desc(), Alert.id.desc())
            .limit(limit)
        )
    )


def get_alert_or_raise(*, session: Session, org_id: str, alert_id: str) -> Alert:
    return get_scoped_or_raise(session, Alert, org_id, alert_id, f"no alert {alert_id!r}")


_STAMPS = {
    "acknowledged": (Alert.acknowledged_at, Alert.acknowledged_by),
    "resolved": (Alert.resolved_at, Alert.resolved_by),
}


def _move(
    session: Session,
    alert: Alert,
    *,
    frm: tuple[str, ...],
    to: str,
    actor: str,
    resolution: str | None = None,
) -> bool:
    """Compare-and-set the status: of two requests racing (a double click), one moves it."""
    at, by = _STAMPS[to]
    values: dict[Any, Any] = {Alert.status: to, at: utcnow(), by: actor[:200]}
    if to == "resolved":
        values[Alert.resolution] = resolution[:500] if resolution else None
    result = session.execute(
        update(Alert)
        .where(Alert.org_id == alert.org_id, Alert.id == alert.id, Alert.status.in_(frm))
        .values(values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(alert)
    return int(getattr(result, "rowcount", 0) or 0) == 1


def acknowledge(
    *,
    session: Session,
    org_id: str,
    alert_id: str,
    actor: str = "api",
    source_channel_id: str | None = None,
) -> Alert:
    """``source_channel_id``: the channel that told us (PagerDuty sync); it is not told back."""
    alert = get_alert_or_raise(session=session, org_id=org_id, alert_id=alert_id)
    if _move(session, alert, frm=("open",), to="acknowledged", actor=actor):
        # PagerDuty stops escalating; a webhook mirrors the state (lifecycle.py).
        lifecycle.queue_follow_ups(
            session=session,
            alert=alert,
            action="acknowledge",
            now=utcnow(),
            source_channel_id=source_channel_id,
        )
    elif alert.status == "resolved":
        raise Conflict("the alert is already resolved")
    session.flush()
    return alert


def resolve(
    *,
    session: Session,
    org_id: str,
    alert_id: str,
    actor: str = "api",
    source_channel_id: str | None = None,
) -> Alert:
    """``source_channel_id``: the channel that told us (PagerDuty sync); it is not told back."""
    alert = get_alert_or_raise(session=session, org_id=org_id, alert_id=alert_id)
    if _move(session, alert, frm=("open", "acknowledged"), to="resolved", actor=actor):
        # The PagerDuty incident closes; a trigger not sent yet is dropped (lifecycle.py).
        lifecycle.queue_follow_ups(
            session=session,
            alert=alert,
            action="resolve",
            now=utcnow(),
            source_channel_id=source_channel_id,
        )
    session.flush()
    return alert


def _locked(session: Session, org_id: str, alert_id: str) -> Alert:
    """The alert, read fresh and row-locked to commit (``SELECT … FOR UPDATE``).

    Its ``details`` JSON is rewritten whole by whoever writes it (a reopen here, a fold in
    flows.py): on PostgreSQL a write built on a read taken before the other's commit would
    undo it. With the lock the second waits, then reads what the first committed.
    """
    alert = session.scalar(
        select(Alert)
        .where(Alert.org_id == org_id, Alert.id == alert_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if alert is None:
        raise NotFound(f"no alert {alert_id!r}")
    return alert


# Where an alert moved back to open keeps who did it and when (details: no column of its own).
REOPENED = {"resolved": "reopened", "acknowledged": "unacknowledged"}


def reopen(
    *,
    session: Session,
    org_id: str,
    alert_id: str,
    frm: Literal["resolved", "acknowledged"],
    actor: str,
    source_channel_id: str | None = None,
) -> bool:
    """Move a resolved (reopened) or acknowledged (unacknowledged) alert back to open.

    A compare-and-set like the other moves: True only for the call that moved it. The
    stamps of the state it leaves are cleared (an open alert has no ``resolved_by``) and
    ``details["reopened"]`` / ``details["unacknowledged"]`` say by whom, when, and who
    had resolved / acknowledged it. The other channels hear of it (lifecycle.py), never
    ``source_channel_id``. A reopened alert is not resolved again by the condition check
    (``auto_resolve``): a person said it is not over.
    """
    alert = _locked(session, org_id, alert_id)
    if alert.status != frm:
        return False
    now = utcnow()
    was = alert.resolved_by if frm == "resolved" else alert.acknowledged_by
    details = dict(alert.details or {})
    details[REOPENED[frm]] = {"by": actor[:200], "at": now.isoformat(), "from": frm,
                              "was_by": was}  # fmt: skip
    values: dict[Any, Any] = {Alert.status: "open", Alert.details: details,
                              Alert.acknowledged_at: None, Alert.acknowledged_by: None}  # fmt: skip
    if frm == "resolved":
        values.update({Alert.resolved_at: None, Alert.resolved_by: None, Alert.resolution: None})
    result = session.execute(
        update(Alert)
        .where(Alert.org_id == org_id, Alert.id == alert.id, Alert.status == frm)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(alert)
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        return False  # someone moved it first
    lifecycle.queue_follow_ups(session=session, alert=alert, now=now,
                               action="reopen" if frm == "resolved" else "unack",
                               source_channel_id=source_channel_id)  # fmt: skip
    if frm == "resolved":
        _take_over(session, alert, actor=actor, now=now)
    session.flush()
    return True


FOLDED_INTO = "folded_into"  # in details: the reopened alert this one was folded into
FOLDED = "folded"  # in details: the alerts folded into this one when it was reopened
MAX_FOLDED_SHOWN = 20


def _take_over(session: Session, alert: Alert, *, actor: str, now: datetime) -> None:
    """The reopened alert takes over the newer open alerts of its rule and subject.

    After the resolve, a new match opened a new alert (and PagerDuty incident) for the same
    problem; the on-call engineer then reopened the old incident. Two open alerts would
    page twice for one problem, so the newer ones are folded into the reopened one (their
    matches and subjects) and resolved by the system with a resolution naming it: their
    channels hear "resolved" (PagerDuty closes their incident), and the reopened
    incident, the one the engineer is working in, stays the one open.
    """
    others = list(
        session.scalars(
            select(Alert)
            .where(
                Alert.org_id == alert.org_id,
                Alert.dedup_key == alert.dedup_key,
                Alert.id != alert.id,
                Alert.status.in_(("open", "acknowledged")),
            )
            .order_by(Alert.fired_at, Alert.id)
            # Held to commit: a fold into one of them waits, then finds it resolved.
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    for other in others:
        reason = f"folded into alert {alert.id}, reopened by {actor}"
        if not _move(session, other, frm=("open", "acknowledged"), to="resolved",
                     actor=SYSTEM_ACTOR, resolution=reason):  # fmt: skip
            continue  # resolved a moment ago by someone else: nothing left to fold
        _absorb(session, alert, other, now)
        lifecycle.queue_follow_ups(session=session, alert=other, action="resolve", now=now)


def _absorb(session: Session, alert: Alert, other: Alert, now: datetime) -> None:
    """Add ``other``'s matches and subjects to ``alert``, and say on both where they went."""
    alert.occurrences += other.occurrences
    if other.last_signal_id > alert.last_signal_id:
        alert.last_signal_id, alert.last_seen_at = other.last_signal_id, other.last_seen_at
    clearing.merge_subjects(session, into=alert, frm=other)
    details = dict(alert.details or {})
    events = list(details.get("events") or [])
    extra = list((other.details or {}).get("events") or [])
    details["events"] = (events + extra)[: max(len(events), MAX_DETAIL_EVENTS)]
    folded = list(details.get(FOLDED) or [])
    if len(folded) < MAX_FOLDED_SHOWN:
        folded.append({"alert_id": other.id, "occurrences": other.occurrences,
                       "at": now.isoformat()})  # fmt: skip
    details[FOLDED] = folded
    alert.details = details
    other.details = {**(other.details or {}), FOLDED_INTO: alert.id}


def auto_resolve(*, session: Session, alert: Alert, reason: str) -> bool:
    """Resolve as the system because the condition cleared; False if someone got there first.

    The same compare-and-set and follow-ups as a person's Resolve: whichever moves the
    alert first sends the resolve, the other sends nothing. An alert reopened in
    PagerDuty is left to people: resolving it again at once would undo what the on-call
    engineer just did, and page nobody about it.
    """
    if REOPENED["resolved"] in (alert.details or {}):
        return False
    moved = _move(
        session,
        alert,
        frm=("open", "acknowledged"),
        to="resolved",
        actor=SYSTEM_ACTOR,
        resolution=reason,
    )
    if moved:
        lifecycle.queue_follow_ups(session=session, alert=alert, action="resolve", now=utcnow())
    session.flush()
    return moved


def list_delivery_page(
    *, session: Session, org_id: str, alert_id: str, page: PageParams
) -> tuple[Sequence[AlertDelivery], str | None]:
    alert = get_alert_or_raise(session=session, org_id=org_id, alert_id=alert_id)
    return paginate_scoped(
        session, AlertDelivery, org_id, page, DELIVERY_SORTS, AlertDelivery.alert_id == alert.id
    )


# The order the alert named them in; subject_id breaks ties (seqs written before
# clearing.SEQ was kept can repeat).
SUBJECT_SORTS = SortSpec(columns={"seq": AlertSubject.seq}, default="seq")


def list_subject_page(
    *, session: Session, org_id: str, alert_id: str, page: PageParams
) -> tuple[Sequence[AlertSubject], str | None]:
    """Every subject of the org's alert, a page at a time (the alert shows the first 20)."""
    alert = get_alert_or_raise(session=session, org_id=org_id, alert_id=alert_id)
    stmt = select(AlertSubject).where(
        AlertSubject.org_id == org_id, AlertSubject.alert_id == alert.id
    )
    return paginate(
        session, stmt, id_column=AlertSubject.subject_id, sort_spec=SUBJECT_SORTS, params=page
    )


def subject_labels(
    *, session: Session, org_id: str, subjects: Sequence[AlertSubject]
) -> dict[str, str]:
    """A readable name per subject (a service's domain, a server's name); a CVE is its id."""
    by_kind: dict[str, list[str]] = {}
    for sub in subjects:
        by_kind.setdefault(sub.kind, []).append(sub.subject_id)
    out: dict[str, str] = {}
    if by_kind.get("shadow_service"):
        out.update(
            (row_id, name)
            for row_id, name in session.execute(
                select(ShadowService.id, ShadowService.domain).where(
                    ShadowService.org_id == org_id,
                    ShadowService.id.in_(by_kind["shadow_service"]),
                )
            ).all()
        )
    if by_kind.get("mcp_server"):
        out.update(
            (row_id, name)
            for row_id, name in session.execute(
                select(McpServer.id, McpServer.name).where(
                    McpServer.org_id == org_id, McpServer.id.in_(by_kind["mcp_server"])
                )
            ).all()
        )
    return out


def retry_delivery(
    *, session: Session, org_id: str, alert_id: str, delivery_id: str
) -> AlertDelivery:
    """Queue a failed delivery again now (after an outage longer than the retry window)."""
    alert = get_alert_or_raise(session=session, org_id=org_id, alert_id=alert_id)
    delivery = session.scalar(
        select(AlertDelivery).where(
            AlertDelivery.org_id == org_id,
            AlertDelivery.alert_id == alert.id,
            AlertDelivery.id == delivery_id,
        )
    )
    if delivery is None:
        raise NotFound(f"no delivery {delivery_id!r} for this alert")
    if delivery.status != "failed":
        raise Conflict(f"the delivery is {delivery.status}; only a failed one can be sent again")
    if delivery.action != "resolve" and alert.status == "resolved":
        # A trigger would page for an alert already closed, with no resolve to follow it;
        # an acknowledge would reach a receiver after the resolve.
        raise Conflict(f"the alert is resolved; its {delivery.action} is not sent again")
    delivery.status, delivery.attempts = "pending", 0
    delivery.next_attempt_at = utcnow()
    if delivery.action == "trigger":
        lifecycle.requeue_after_trigger_retry(
            session=session, alert=alert, trigger=delivery, now=delivery.next_attempt_at
        )
    session.flush()
    return delivery


def deliveries_for(
    *, session: Session, org_id: str, alert_ids: Sequence[str]
) -> dict[str, list[AlertDelivery]]:
    out: dict[str, list[AlertDelivery]] = {a: [] for a in alert_ids}
    if not alert_ids:
        return out
    for d in session.scalars(
        select(AlertDelivery)
        .where(AlertDelivery.org_id == org_id, AlertDelivery.alert_id.in_(list(alert_ids)))
        .order_by(AlertDelivery.created_at)
    ):
        out[d.alert_id].append(d)
    return out


# ── Shadow AI's "alert" action ─────────────────────────────────────────────


def ensure_shadow_service_rule(
    *,
    session: Session,
    org_id: str,
    service_id: str,
    domain: str,
    trigger: str,
    actor: str = "api",
) -> AlertRule:
    """The rule behind Shadow AI's per-service alert button (one per service and trigger).

    ``pii`` → pii_spike scoped to the service (any PII at all fires); ``any_use`` →
    new_shadow_asset scoped to the service's domain and its subdomains.
    """
    if trigger not in ("pii", "any_use"):
        raise InvalidInput(("body", "trigger"), "must be 'pii' or 'any_use'")
    condition: PiiSpike | NewShadowAsset
    try:
        if trigger == "pii":
            condition = PiiSpike(trigger="pii_spike", threshold=1, service_ids=[service_id])
        else:
            condition = NewShadowAsset(trigger="new_shadow_asset", domains=[domain])
    except ValidationError as exc:
        raise InvalidInput(
            ("path", "service_id"), f"cannot build a rule: {exc.errors()[0]['msg']}"
        ) from None
    name = f"PII sent to {domain}" if trigger == "pii" else f"New AI service under {domain}"
    wanted = condition.model_dump(mode="json")
    for rule in session.scalars(
        select(AlertRule).where(AlertRule.org_id == org_id, AlertRule.trigger == condition.trigger)
    ):
        if rule.condition == wanted:
            return rule
    # The button has no channel picker: notify wherever the org already gets alerts.
    channels = [c.id for c in list_channels(session=session, org_id=org_id) if c.enabled]
    return create_rule(
        session=session,
        org_id=org_id,
        data=RuleCreate(
            name=name[:200], condition=condition, severity="high", channel_ids=channels[:20]
        ),
        actor=actor,
    )


SHADOW_ADOPTED_FLAG = "alerts.shadow_intents_adopted"


def adopt_shadow_intents(*, session: Session, org_id: str) -> int:
    """Turn alert intents stored before the alerts engine existed into rules (once per org)."""
    if orgs.get_setting(session=session, org_id=org_id, name=SHADOW_ADOPTED_FLAG):
        return 0
    made = 0
    rows = session.execute(
        select(ShadowAlertIntent.service_id, ShadowAlertIntent.trigger, ShadowService.domain)
        .join(ShadowService, ShadowService.id == ShadowAlertIntent.service_id)
        .where(ShadowAlertIntent.org_id == org_id, ShadowService.org_id == org_id)
    )
    for service_id, trigger, domain in rows:
        if trigger in ("pii", "any_use"):
            ensure_shadow_service_rule(
                session=session,
                org_id=org_id,
                service_id=service_id,
                domain=domain,
                trigger=trigger,
                actor="migration",
            )
            made += 1
    orgs.put_setting(
        session=session, org_id=org_id, name=SHADOW_ADOPTED_FLAG, value=True, by="alerts"
    )
    return made
