"""Ingest one batch: validate each event on its own, store the good ones once, publish them.

The reply lists every id of the request in exactly one of ``accepted``,
``duplicates`` (already stored for this org: a retry) and ``rejected`` (with
the field and the reason). A bad event never costs its neighbours their place.
The same path serves the SDK (`ingest_batch`) and OTLP (`store_agent_events`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from threatvec.agents import service as agents
from threatvec.core.clock import utcnow
from threatvec.core.errors import FieldError, InvalidInput, PayloadTooLarge
from threatvec.core.metrics import INGEST_EVENTS
from threatvec.ingest.schemas import (
    EVENTS_ADAPTER,
    MAX_EVENT_BYTES,
    IngestEnvelope,
    IngestResult,
    RejectedEvent,
)
from threatvec.ingest.store import (
    ValidEvent,
    insert_events,
    touch_agent,
    touch_instance,
    update_rollups,
)
from threatvec.signals import service as signals

__all__ = [
    "MAX_FUTURE_SKEW",
    "MAX_SIGNAL_EVENTS",
    "StoredEvents",
    "ingest_batch",
    "store_agent_events",
    "summarise",
    "validate_events",
]

MAX_FUTURE_SKEW = timedelta(hours=24)
MAX_SIGNAL_EVENTS = 50
QUIET_TYPES = frozenset({"agent.heartbeat"})  # liveness only: not shown on Live Traffic


def _reason(errors: list[Any], event_type: object) -> str:
    parts = []
    for err in errors[:3]:
        loc = [str(p) for p in err.get("loc", ()) if p != event_type]
        parts.append(f"{'.'.join(loc) or 'event'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def validate_events(
    raw_events: Sequence[Any], *, now: datetime, check_size: bool = True, check_nul: bool = True
) -> tuple[list[ValidEvent], list[RejectedEvent]]:
    """Each event validated against the wire format; bad ones with their reason.

    The events that can be validated go through pydantic in one call (a list),
    and its errors are sorted back to their events by index: one bad event is
    reported and never takes its neighbours down with it.
    """
    bad: dict[int, RejectedEvent] = {}
    candidates: list[dict[str, Any]] = []
    positions: list[int] = []
    for index, raw in enumerate(raw_events):
        if not isinstance(raw, dict):
            bad[index] = RejectedEvent(event_id="", index=index, reason="event: must be an object")
            continue
        if check_size:
            size = _bulk_size(raw)
            if size > MAX_EVENT_BYTES:
                bad[index] = RejectedEvent(
                    event_id=_shown_id(raw),
                    index=index,
                    reason=f"event: too_large, {size} bytes > {MAX_EVENT_BYTES}",
                )
                continue
        candidates.append(raw)
        positions.append(index)
    errors: dict[int, list[Any]] = {}
    try:
        EVENTS_ADAPTER.validate_python(candidates)
    except ValidationError as exc:
        for err in exc.errors():
            errors.setdefault(int(err["loc"][0]), []).append({**err, "loc": err["loc"][1:]})
    good: list[ValidEvent] = []
    latest = now + MAX_FUTURE_SKEW
    for i, raw in enumerate(candidates):
        index = positions[i]
        if i in errors:
            reason = _reason(errors[i], raw.get("type"))
            bad[index] = RejectedEvent(event_id=_shown_id(raw), index=index, reason=reason)
            continue
        # The schema checked the format; parse without the regex again.
        ts = datetime.fromisoformat(raw["timestamp"][:-1]).replace(tzinfo=UTC)
        if ts > latest:
            bad[index] = RejectedEvent(
                event_id=_shown_id(raw),
                index=index,
                reason="timestamp: more than 24 hours in the future",
            )
            continue
        where = nul_path(raw) if check_nul else None
        if where is not None:
            bad[index] = RejectedEvent(
                event_id=_shown_id(raw),
                index=index,
                reason=f"{'.'.join(where) or 'event'}: {NUL_MESSAGE}",
            )
            continue
        good.append(ValidEvent(raw["event_id"], raw["type"], ts, raw["attributes"]))
    return good, [bad[i] for i in sorted(bad)]


NUL = "\x00"
NUL_MESSAGE = "NUL character (\\u0000) is not allowed"


def nul_path(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Where the first NUL character is in a JSON value (a key counts as its object's)."""
    # PostgreSQL stores no NUL in text or JSON: let through, one would fail the whole
    # batch's transaction (and SQLite would store what PostgreSQL refuses).
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and NUL in key:
                return path
            found = nul_path(item, (*path, str(key)))
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = nul_path(item, (*path, str(i)))
            if found is not None:
                return found
    return None


def _bulk_size(raw: dict[str, Any]) -> int:
    """Bytes of the parts of an event that can be large: captured content, tool definitions.

    Every other field is bounded by the schema (short strings, ≤ 50 metadata keys,
    ≤ 100 detector entries), so serialising whole events just to measure them would
    cost more than the rest of validation; the 64 KiB limit is applied to these.
    """
    attrs = raw.get("attributes")
    if not isinstance(attrs, dict):
        return 0
    size = 0
    content = attrs.get("content")
    if isinstance(content, dict):
        for text in content.values():
            if isinstance(text, str):
                size += (
                    len(text.encode("utf-8", "surrogatepass")) if len(text) > 16_000 else len(text)
                )
    tools = attrs.get("tools_listed")
    if tools is not None:
        try:
            size += len(json.dumps(tools, separators=(",", ":"), ensure_ascii=False))
        except (TypeError, ValueError, RecursionError):
            return 0  # not JSON data: the schema check that follows rejects it
    return size


def _shown_id(raw: dict[str, Any]) -> str:
    eid = raw.get("event_id")
    return eid[:64] if isinstance(eid, str) else ""


def summarise(ev: ValidEvent) -> dict[str, Any]:
    """A compact line for Live Traffic: type, what (tool/model/server), where, outcome, flags."""
    a = ev.attributes
    out: dict[str, Any] = {"type": ev.type}
    subject = {
        "llm.call": a.get("model") or a.get("provider"),
        "tool.call": a.get("tool_name"),
        "mcp.use": a.get("tool_called") or a.get("server"),
        "custom": a.get("name"),
        "agent.register": a.get("sdk_version"),
    }.get(ev.type)
    if subject:
        out["subject"] = subject
    if ev.type == "mcp.use" and a.get("tool_called"):
        out["server"] = a.get("server")
    if a.get("destination_host"):
        out["destination"] = a["destination_host"]
    if a.get("outcome"):
        out["outcome"] = a["outcome"]
    if ev.flags:
        out["flags"] = ev.flags
    return out


@dataclass(frozen=True)
class StoredEvents:
    agent_id: str
    accepted: list[str]
    duplicates: list[str]


def store_agent_events(
    *,
    session: Session,
    org_id: str,
    agent_name: str,
    instance_id: str | None,
    events: Sequence[ValidEvent],
    source: str,
    dropped: dict[str, int] | None = None,
    now: datetime | None = None,
) -> StoredEvents:
    """Store validated events of one agent, update it and its rollups, publish what is new."""
    now = now or utcnow()
    agent, created = agents.ensure_agent(
        session=session, org_id=org_id, name=agent_name, source=source, now=now
    )
    if created:
        signals.publish(
            session=session,
            org_id=org_id,
            kind="agent.discovered",
            data={"agent": agent.name, "agent_id": agent.id, "source": source},
        )
    stored = insert_events(
        session,
        org_id=org_id,
        agent_id=agent.id,
        instance_id=instance_id,
        source=source,
        events=events,
        now=now,
    )
    new = stored.inserted
    interval: float | None = None
    heartbeat = False
    for ev in new:
        if ev.type == "agent.register":
            agents.apply_registration(session=session, agent=agent, attrs=ev.attributes)
            touch_instance(
                session,
                org_id=org_id,
                agent_id=agent.id,
                instance_id=ev.attributes["instance_id"],
                dropped=None,
                now=now,
                details={
                    "hostname": ev.attributes.get("hostname"),
                    "pid": ev.attributes.get("pid"),
                    "sdk_version": ev.attributes.get("sdk_version"),
                    "parent_instance_id": ev.attributes.get("parent_instance_id"),
                },
            )
        elif ev.type == "agent.heartbeat":
            heartbeat = True
            interval = float(ev.attributes["interval_s"])
    if instance_id is not None:
        touch_instance(
            session,
            org_id=org_id,
            agent_id=agent.id,
            instance_id=instance_id,
            dropped=dropped,
            now=now,
        )
    touch_agent(
        session,
        agent_id=agent.id,
        new_events=len(new),
        now=now,
        heartbeat_interval_s=interval,
        heartbeat=heartbeat,
    )
    if new:
        update_rollups(session, org_id=org_id, agent_id=agent.id, events=new, now=now)
        _record_mcp_usage(session, org_id, agent.id, new)
        _publish(session, org_id, agent.name, agent.id, source, new)
    return StoredEvents(agent.id, [ev.event_id for ev in new], stored.duplicates)


def _record_mcp_usage(
    session: Session, org_id: str, agent_id: str, new: Sequence[ValidEvent]
) -> None:
    """Tell the MCP inventory which servers and tools this agent used.

    One call per distinct (server, tool) in the batch, carrying the newest tool
    listing seen for that server, so a busy agent costs a handful of calls.
    """
    from threatvec.mcp.service import record_agent_usage

    latest: dict[tuple[str, str | None], ValidEvent] = {}
    listings: dict[str, ValidEvent] = {}
    for ev in new:
        if ev.type != "mcp.use":
            continue
        server = ev.attributes.get("server")
        if not isinstance(server, str) or not server:
            continue
        tool = ev.attributes.get("tool_called")
        latest[(server, tool if isinstance(tool, str) else None)] = ev
        if ev.attributes.get("tools_listed"):
            listings[server] = ev
    for (server, tool), ev in latest.items():
        listed = listings.get(server)
        record_agent_usage(
            session=session,
            org_id=org_id,
            agent_id=agent_id,
            server_name=server,
            server_info=ev.attributes.get("server_info") or None,
            tools_listed=listed.attributes.get("tools_listed") if listed else None,
            tool_called=tool,
            seen_at=ev.ts,
        )


def _publish(
    session: Session, org_id: str, name: str, agent_id: str, source: str, new: list[ValidEvent]
) -> None:
    # One signal per batch, not per event: a 500-event batch costs one row and one
    # wake-up of each Live Traffic stream, and the page draws one line per event.
    shown = [ev for ev in new if ev.type not in QUIET_TYPES]
    if shown:
        signals.publish(
            session=session,
            org_id=org_id,
            kind="agent.events",
            data={
                "agent": name,
                "agent_id": agent_id,
                "source": source,
                "count": len(shown),
                "events": [summarise(ev) for ev in shown[:MAX_SIGNAL_EVENTS]],
                "more": max(0, len(shown) - MAX_SIGNAL_EVENTS),
            },
        )
    flagged = [ev for ev in new if ev.flags]
    if flagged:
        signals.publish(
            session=session,
            org_id=org_id,
            kind="agent.flagged",
            data={
                "agent": name,
                "agent_id": agent_id,
                "count": len(flagged),
                "events": [
                    {"event_id": ev.event_id, **summarise(ev)} for ev in flagged[:MAX_SIGNAL_EVENTS]
                ],
            },
        )


def _envelope_errors(exc: ValidationError) -> list[FieldError]:
    return [
        FieldError(("body", *(p for p in e.get("loc", ()))), str(e.get("msg", "invalid")))
        for e in exc.errors()[:20]
    ]


def ingest_batch(
    *,
    session: Session,
    org_id: str,
    payload: Any,
    max_events: int,
    body_bytes: int | None = None,
    now: datetime | None = None,
    may_contain_nul: bool = True,
) -> IngestResult:
    """Validate the envelope (all or nothing), then each event; store and publish the good.

    ``may_contain_nul=False`` (the body has no ``\\u0000``) skips looking for NULs.
    """
    now = now or utcnow()
    if not isinstance(payload, dict):
        raise InvalidInput(("body",), "the batch must be a JSON object")
    try:
        envelope = IngestEnvelope.model_validate(payload)
    except ValidationError as exc:
        raise InvalidInput(errors=_envelope_errors(exc)) from None
    if may_contain_nul:
        envelope_fields = {k: v for k, v in payload.items() if k != "events"}
        where = nul_path(envelope_fields)
        if where is not None:
            raise InvalidInput(("body", *where), NUL_MESSAGE)
    if len(envelope.events) > max_events:
        raise PayloadTooLarge(f"{len(envelope.events)} events in one batch; at most {max_events}")
    # No single event can be over the limit when the whole body is not.
    check_size = body_bytes is None or body_bytes > MAX_EVENT_BYTES
    good, rejected = validate_events(
        envelope.events, now=now, check_size=check_size, check_nul=may_contain_nul
    )
    if len(envelope.events) == 1 and rejected and rejected[0].reason.startswith("event: too_large"):
        # A lone event that is too large: 413, so the SDK counts it as too_large.
        raise PayloadTooLarge(rejected[0].reason)
    stored = store_agent_events(
        session=session,
        org_id=org_id,
        agent_name=envelope.agent.name,
        instance_id=envelope.agent.instance_id,
        events=good,
        source="sdk",
        dropped=envelope.dropped.model_dump(),
        now=now,
    )
    INGEST_EVENTS.inc(len(stored.accepted), source="sdk", outcome="accepted")
    INGEST_EVENTS.inc(len(stored.duplicates), source="sdk", outcome="duplicate")
    INGEST_EVENTS.inc(len(rejected), source="sdk", outcome="rejected")
    return IngestResult(accepted=stored.accepted, duplicates=stored.duplicates, rejected=rejected)
