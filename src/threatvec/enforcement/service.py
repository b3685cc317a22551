"""Enforcement sources, the signed webhook's events, the event feed, stats and the gap scan.

Every function is keyword-only and scoped to one org, except `authenticate`:
the webhook carries no org key, so the source named in its headers (found by
its random id) is what tells which org the request belongs to — and only
after its signature checks out.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import case, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from threatvec.agents.models import Agent
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox, SecretDecryptError
from threatvec.core.errors import InvalidInput, PayloadTooLarge, Unauthorized
from threatvec.core.pagination import PageParams, SortSpec, paginate
from threatvec.core.scoped import get_scoped, get_scoped_or_raise
from threatvec.detect.pii import detect_pii
from threatvec.enforcement import gaps
from threatvec.enforcement.models import (
    EnforcementEvent,
    EnforcementSource,
    SnapperSecurityEvent,
)
from threatvec.enforcement.schemas import (
    ACTIONS,
    CATEGORIES,
    CountRead,
    RejectedEvent,
    SourceCreate,
    SourceUpdate,
    StatsRead,
    WebhookEvent,
    WebhookResult,
)
from threatvec.enforcement.signature import SignatureRejected, check_signature, parse_timestamp
from threatvec.signals import service as signals

__all__ = [
    "MAX_EVENTS",
    "MAX_PAST",
    "SIGNAL_KIND",
    "SOURCE_SORTS",
    "authenticate",
    "create_source",
    "delete_source",
    "gap_scan",
    "get_source",
    "get_source_or_raise",
    "has_recent_decisions",
    "list_events",
    "list_security_events",
    "list_sources",
    "receive_events",
    "rotate_secret",
    "scrub_text",
    "signing_secrets",
    "stats",
    "store_security_event",
    "update_source",
]

SIGNAL_KIND = "enforcement.event"
MAX_EVENTS = 500
MAX_PAST = timedelta(days=30)  # older decisions say nothing about coverage now
MAX_FUTURE = timedelta(minutes=10)
MAX_SIGNALS = 100  # per request; the rest are folded into one summary signal
SECRET_PREFIX = "tves_"  # noqa: S105 - a public marker, not a secret

SOURCE_SORTS = SortSpec(
    columns={
        "name": EnforcementSource.name,
        "created_at": EnforcementSource.created_at,
        "last_event_at": EnforcementSource.last_event_at,
    },
    default="name",
)
EVENT_SORTS = SortSpec(
    columns={"ts": EnforcementEvent.ts, "received_at": EnforcementEvent.received_at},
    default="-ts",
)
SECURITY_EVENT_SORTS = SortSpec(
    columns={"ts": SnapperSecurityEvent.ts, "received_at": SnapperSecurityEvent.received_at},
    default="-ts",
)


# ── sources ───────────────────────────────────────────────────────────────


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def create_source(
    *, session: Session, org_id: str, data: SourceCreate, box: SecretBox, actor: str
) -> tuple[EnforcementSource, str]:
    """A new source and its signing secret (the only time the plaintext leaves the server)."""
    secret = _new_secret()
    source = EnforcementSource(
        org_id=org_id,
        name=data.name,
        kind=data.kind,
        enabled=True,
        secret_enc=box.encrypt(secret),
        secret_hint=secret[: len(SECRET_PREFIX) + 4],
        created_by=actor[:200],
        events_total=0,
    )
    session.add(source)
    session.flush()
    return source, secret


def get_source(*, session: Session, org_id: str, source_id: str) -> EnforcementSource | None:
    return get_scoped(session, EnforcementSource, org_id, source_id)


def get_source_or_raise(*, session: Session, org_id: str, source_id: str) -> EnforcementSource:
    detail = f"enforcement source {source_id[:64]} not found"
    return get_scoped_or_raise(session, EnforcementSource, org_id, source_id, detail)


def list_sources(
    *, session: Session, org_id: str, page: PageParams, enabled: bool | None = None
) -> tuple[Sequence[EnforcementSource], str | None]:
    stmt = select(EnforcementSource).where(EnforcementSource.org_id == org_id)
    if enabled is not None:
        stmt = stmt.where(EnforcementSource.enabled.is_(enabled))
    return paginate(
        session, stmt, id_column=EnforcementSource.id, sort_spec=SOURCE_SORTS, params=page
    )


def update_source(
    *, session: Session, org_id: str, source_id: str, data: SourceUpdate
) -> EnforcementSource:
    source = get_source_or_raise(session=session, org_id=org_id, source_id=source_id)
    if data.name is not None:
        source.name = data.name
    if data.enabled is not None:
        source.enabled = data.enabled
    session.flush()
    return source


def rotate_secret(
    *,
    session: Session,
    org_id: str,
    source_id: str,
    box: SecretBox,
    grace_minutes: int = 0,
    now: datetime | None = None,
) -> tuple[EnforcementSource, str]:
    """A new secret; the old one keeps working for `grace_minutes` (0: not at all)."""
    now = now or utcnow()
    source = get_source_or_raise(session=session, org_id=org_id, source_id=source_id)
    secret = _new_secret()
    if grace_minutes > 0:
        source.previous_secret_enc = source.secret_enc
        source.previous_valid_until = now + timedelta(minutes=grace_minutes)
    else:
        source.previous_secret_enc, source.previous_valid_until = None, None
    source.secret_enc = box.encrypt(secret)
    source.secret_hint = secret[: len(SECRET_PREFIX) + 4]
    source.rotated_at = now
    session.flush()
    return source, secret


def delete_source(*, session: Session, org_id: str, source_id: str) -> None:
    """Remove a source and the events it reported."""
    source = get_source_or_raise(session=session, org_id=org_id, source_id=source_id)
    session.execute(
        delete(EnforcementEvent).where(
            EnforcementEvent.org_id == org_id, EnforcementEvent.source_id == source.id
        )
    )
    session.execute(
        delete(SnapperSecurityEvent).where(
            SnapperSecurityEvent.org_id == org_id, SnapperSecurityEvent.source_id == source.id
        )
    )
    session.delete(source)
    session.flush()


# ── the webhook ───────────────────────────────────────────────────────────


def _accepted_secrets(source: EnforcementSource, box: SecretBox, now: datetime) -> list[str]:
    out = [box.decrypt(source.secret_enc)]
    until = source.previous_valid_until
    if source.previous_secret_enc and until is not None and now <= until:
        out.append(box.decrypt(source.previous_secret_enc))
    return out


def authenticate(
    *,
    session: Session,
    source_id: str | None,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    box: SecretBox,
    now: datetime | None = None,
) -> EnforcementSource:
    """The source that signed this body, or Unauthorized saying what is wrong."""
    now = now or utcnow()
    sid = (source_id or "").strip()
    if not sid:
        raise Unauthorized("X-ThreatVec-Source header missing")
    if len(sid) != 32 or not sid.isalnum():
        raise Unauthorized("unknown enforcement source")
    try:
        ts = parse_timestamp(timestamp, now=now.timestamp())
    except SignatureRejected as exc:
        raise Unauthorized(str(exc)) from None
    # The one lookup across orgs: the source id decides the org, once the signature holds.
    source = session.scalar(select(EnforcementSource).where(EnforcementSource.id == sid))
    if source is None:
        raise Unauthorized("unknown enforcement source")
    try:
        check_signature(signing_secrets(source, box, now), signature, ts, body)
    except SignatureRejected as exc:
        raise Unauthorized(str(exc)) from None
    return source


def signing_secrets(source: EnforcementSource, box: SecretBox, now: datetime) -> list[str]:
    """The secrets a request from this source may be signed with, or Unauthorized saying why none.

    The current one, and the previous one during a rotation's grace period.
    """
    if not source.enabled:
        raise Unauthorized("enforcement source is disabled")
    if not source.secret_enc:
        raise Unauthorized("the source has no signing secret yet; rotate it to get one")
    try:
        return _accepted_secrets(source, box, now)
    except SecretDecryptError:
        # the server's secret key changed since the source was made: rotate the secret
        raise Unauthorized("the source's secret cannot be read; rotate it") from None


def _reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "event"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def scrub_text(text: str | None) -> str | None:
    """Text from an enforcement layer, withheld when it quotes personal data it caught."""
    # A reason written by a DLP filter may quote what it caught: never keep PII or a secret.
    if not text:
        return text
    found = detect_pii(text)
    return f"[withheld: contained {', '.join(found)}]" if found else text


def _events_of(payload: Any) -> list[Any]:
    if isinstance(payload, dict) and "events" in payload:
        events = payload["events"]
        if not isinstance(events, list):
            raise InvalidInput(("body", "events"), "must be a list of events")
    elif isinstance(payload, dict):
        events = [payload]  # one event sent on its own
    else:
        raise InvalidInput(("body",), 'the body must be {"events": [...]} or one event object')
    if not events:
        raise InvalidInput(("body", "events"), "at least one event is needed")
    if len(events) > MAX_EVENTS:
        raise PayloadTooLarge(f"{len(events)} events in one request; at most {MAX_EVENTS}")
    return events


def _resolve_agents(session: Session, org_id: str, names: set[str]) -> dict[str, tuple[str, str]]:
    """Reported agent (name or id) → (agent id, agent name), where the inventory knows it."""
    if not names:
        return {}
    wanted = sorted(names)
    out: dict[str, tuple[str, str]] = {}
    for agent_id, name in session.execute(
        select(Agent.id, Agent.name).where(Agent.org_id == org_id, Agent.name.in_(wanted))
    ):
        out[name] = (agent_id, name)
    ids = [n for n in wanted if n not in out and len(n) == 32]
    if ids:
        for agent_id, name in session.execute(
            select(Agent.id, Agent.name).where(Agent.org_id == org_id, Agent.id.in_(ids))
        ):
            out[agent_id] = (agent_id, name)
    return out


def _insert(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    table = EnforcementEvent.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Two concurrent batches of one source that carry the same event ids
        # in opposite orders would each hold a unique-index entry the other
        # waits for: a deadlock, and one batch failed. Batches of a source
        # take turns from here on (the source's counter row serialised them
        # at the end anyway); SQLite writers are serialised by its own lock.
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"enforcement-source:{rows[0]['source_id']}"},
        )
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(table)  # type: ignore[arg-type]
        .values(rows)
        .on_conflict_do_nothing(index_elements=["org_id", "source_id", "event_id"])
        .returning(table.c.event_id)
    )
    return {str(r[0]) for r in session.execute(stmt)}


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    """One event as a Live Traffic line: action, tool, server, outcome, category and policy."""
    flags = [row["category"]]
    policy = row["policy_name"] or row["policy_id"]
    if policy:
        flags.append(f"policy: {policy}")
    out: dict[str, Any] = {"type": f"enforcement.{row['action']}", "outcome": row["action"]}
    if row["tool"]:
        out["subject"] = row["tool"]
    if row["mcp_server"]:
        out["server"] = row["mcp_server"]
    out["flags"] = flags
    out["severity"] = row["severity"]
    return out


def _publish(session: Session, source: EnforcementSource, rows: list[dict[str, Any]]) -> None:
    # One signal per accepted event (Live Traffic draws it as one line), up to
    # MAX_SIGNALS per request; a larger batch folds its tail into one summary.
    # All of them go out as one INSERT and one notify: per-event publishing cost
    # two statements an event on PostgreSQL (bench/README.md, "Enforcement").
    batch: list[tuple[str, dict[str, Any]]] = [
        (
            SIGNAL_KIND,
            {
                "agent": row["agent"],
                "agent_id": row["agent_id"],
                "source": source.name,
                "source_id": source.id,
                "event_id": row["event_id"],
                "count": 1,
                "events": [_summary(row)],
            },
        )
        for row in rows[:MAX_SIGNALS]
    ]
    rest = rows[MAX_SIGNALS:]
    if rest:
        batch.append(
            (
                "enforcement.events",
                {
                    "agent": f"{len({r['agent'] for r in rest})} agent(s)",
                    "source": source.name,
                    "source_id": source.id,
                    "count": len(rest),
                    "events": [_summary(r) for r in rest[:50]],
                    "more": max(0, len(rest) - 50),
                },
            )
        )
    signals.publish_many(session=session, org_id=source.org_id, signals=batch)


def receive_events(
    *,
    session: Session,
    source: EnforcementSource,
    payload: Any,
    now: datetime | None = None,
) -> WebhookResult:
    """Validate each event, store the good ones once, publish them; say what became of each."""
    now = now or utcnow()
    org_id = source.org_id
    raw_events = _events_of(payload)
    rejected: list[RejectedEvent] = []
    valid: list[tuple[int, WebhookEvent]] = []
    for index, raw in enumerate(raw_events):
        shown = raw.get("event_id") if isinstance(raw, dict) else None
        shown = shown[:64] if isinstance(shown, str) else ""
        if not isinstance(raw, dict):
            rejected.append(
                RejectedEvent(index=index, event_id="", reason="event: must be an object")
            )
            continue
        try:
            ev = WebhookEvent.model_validate(raw)
        except ValidationError as exc:
            rejected.append(RejectedEvent(index=index, event_id=shown, reason=_reason(exc)))
            continue
        ts = ev.time.astimezone(UTC)
        if ts > now + MAX_FUTURE:
            reason = "time: more than 10 minutes in the future"
        elif ts < now - MAX_PAST:
            reason = "time: older than 30 days"
        else:
            valid.append((index, ev))
            continue
        rejected.append(RejectedEvent(index=index, event_id=ev.event_id, reason=reason))
    seen: set[str] = set()
    duplicates: list[str] = []
    unique: list[WebhookEvent] = []
    for _, ev in valid:
        if ev.event_id in seen:
            duplicates.append(ev.event_id)
        else:
            seen.add(ev.event_id)
            unique.append(ev)
    agents = _resolve_agents(session, org_id, {ev.agent for ev in unique})
    rows: list[dict[str, Any]] = []
    for ev in unique:
        match = agents.get(ev.agent)
        rows.append(
            {
                "org_id": org_id,
                "source_id": source.id,
                "event_id": ev.event_id,
                "ts": ev.time.astimezone(UTC),
                "received_at": now,
                "action": ev.action,
                "category": ev.category,
                "severity": ev.severity,
                "agent": match[1] if match else ev.agent,
                "agent_id": match[0] if match else None,
                "tool": ev.tool,
                "mcp_server": ev.mcp_server,
                "policy_id": ev.policy_id or None,
                "policy_name": scrub_text(ev.policy_name),
                "reason": scrub_text(ev.reason),
            }
        )
    new_ids = _insert(session, rows) if rows else set()
    fresh = [r for r in rows if r["event_id"] in new_ids]
    duplicates += [r["event_id"] for r in rows if r["event_id"] not in new_ids]
    if fresh:
        _publish(session, source, fresh)
        # Last: this UPDATE locks the source's row until the commit, and every
        # concurrent batch of this source waits on that lock.
        session.execute(
            update(EnforcementSource)
            .where(EnforcementSource.id == source.id, EnforcementSource.org_id == org_id)
            .values(
                last_event_at=now,
                events_total=EnforcementSource.events_total + len(fresh),
            )
        )
    rejected.sort(key=lambda r: r.index)
    return WebhookResult(
        source_id=source.id,
        accepted=[r["event_id"] for r in fresh],
        duplicates=duplicates,
        rejected=rejected,
    )


# ── events, stats, gap scan ───────────────────────────────────────────────


def list_events(
    *,
    session: Session,
    org_id: str,
    page: PageParams,
    action: str | None = None,
    category: str | None = None,
    agent: str | None = None,
    source_id: str | None = None,
    since: datetime | None = None,
) -> tuple[Sequence[EnforcementEvent], str | None]:
    stmt = select(EnforcementEvent).where(EnforcementEvent.org_id == org_id)
    if action:
        stmt = stmt.where(EnforcementEvent.action == action)
    if category:
        stmt = stmt.where(EnforcementEvent.category == category)
    if agent:
        stmt = stmt.where((EnforcementEvent.agent == agent) | (EnforcementEvent.agent_id == agent))
    if source_id:
        stmt = stmt.where(EnforcementEvent.source_id == source_id)
    if since is not None:
        stmt = stmt.where(EnforcementEvent.ts >= since)
    return paginate(
        session, stmt, id_column=EnforcementEvent.id, sort_spec=EVENT_SORTS, params=page
    )


def store_security_event(*, session: Session, row: dict[str, Any]) -> bool:
    """Store one security event of a source once; False when its event id is stored already."""
    table = SnapperSecurityEvent.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(table)  # type: ignore[arg-type]
        .values(row)
        .on_conflict_do_nothing(index_elements=["org_id", "source_id", "event_id"])
        .returning(table.c.id)
    )
    return session.execute(stmt).first() is not None


def list_security_events(
    *,
    session: Session,
    org_id: str,
    page: PageParams,
    event: str | None = None,
    agent: str | None = None,
    source_id: str | None = None,
    since: datetime | None = None,
) -> tuple[Sequence[SnapperSecurityEvent], str | None]:
    stmt = select(SnapperSecurityEvent).where(SnapperSecurityEvent.org_id == org_id)
    if event:
        stmt = stmt.where(SnapperSecurityEvent.event == event)
    if agent:
        stmt = stmt.where(SnapperSecurityEvent.agent == agent)
    if source_id:
        stmt = stmt.where(SnapperSecurityEvent.source_id == source_id)
    if since is not None:
        stmt = stmt.where(SnapperSecurityEvent.ts >= since)
    return paginate(
        session,
        stmt,
        id_column=SnapperSecurityEvent.id,
        sort_spec=SECURITY_EVENT_SORTS,
        params=page,
    )


def _counts(
    session: Session, org_id: str, column: Any, day: datetime, week: datetime, limit: int
) -> list[CountRead]:
    recent = func.sum(case((EnforcementEvent.ts >= day, 1), else_=0))
    rows = session.execute(
        select(column, func.count(), recent)
        .where(EnforcementEvent.org_id == org_id, EnforcementEvent.ts >= week)
        .group_by(column)
        .order_by(func.count().desc(), column)
        .limit(limit)
    )
    return [CountRead(key=str(k), last_24h=int(d or 0), last_7d=int(n)) for k, n, d in rows]


def stats(*, session: Session, org_id: str, now: datetime | None = None) -> StatsRead:
    """Decisions per action, category and agent over the last 24 hours and 7 days."""
    now = now or utcnow()
    day, week = now - timedelta(hours=24), now - timedelta(days=7)
    by_action = {c.key: c for c in _counts(session, org_id, EnforcementEvent.action, day, week, 10)}
    by_category = {
        c.key: c for c in _counts(session, org_id, EnforcementEvent.category, day, week, 10)
    }
    return StatsRead(
        generated_at=now,
        total_24h=sum(c.last_24h for c in by_action.values()),
        total_7d=sum(c.last_7d for c in by_action.values()),
        by_action=[by_action.get(a) or CountRead(key=a, last_24h=0, last_7d=0) for a in ACTIONS],
        by_category=[
            by_category.get(c) or CountRead(key=c, last_24h=0, last_7d=0) for c in CATEGORIES
        ],
        by_agent=_counts(session, org_id, EnforcementEvent.agent, day, week, 50),
    )


def gap_scan(*, session: Session, org_id: str, now: datetime | None = None) -> gaps.GapScan:
    return gaps.scan(session=session, org_id=org_id, now=now or utcnow())


def has_recent_decisions(*, session: Session, org_id: str, now: datetime) -> bool:
    """Any decision in the gap-scan window (cheap: the posture asks before scanning)."""
    return (
        session.scalar(
            select(EnforcementEvent.id)
            .where(EnforcementEvent.org_id == org_id, EnforcementEvent.ts >= now - gaps.WINDOW)
            .limit(1)
        )
        is not None
    )
