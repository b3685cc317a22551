"""The bulk write path: events in one INSERT … ON CONFLICT DO NOTHING, then the rollups.

Only the events the INSERT reports back (RETURNING) count towards the agent's
rollups, so a retried batch changes nothing twice. Rows are written through
SQLAlchemy Core (no ORM object per event) and rollup rows are upserted in a
fixed key order so concurrent batches lock them in the same order.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, case, func, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from threatvec.agents.models import (
    DROP_REASONS,
    Agent,
    AgentActivity,
    AgentInstance,
    AgentUsage,
)
from threatvec.store.base import new_id

__all__ = [
    "SECRET_CATEGORIES",
    "StoredBatch",
    "ValidEvent",
    "event_flags",
    "event_subject",
    "insert_events",
    "touch_instance",
    "update_rollups",
    "write_lock",
]

# PII categories of threatvec.detect.pii that are credentials: they count as "secrets".
SECRET_CATEGORIES = frozenset({"AWS_ACCESS_KEY", "API_KEY", "PRIVATE_KEY", "JWT"})
ACTIVITY_TYPES = frozenset({"llm.call", "tool.call", "mcp.use", "custom"})
_FLAG_COLUMNS = (
    ("pii", "pii"),
    ("secret", "secrets"),
    ("injection", "injection"),
    ("blocked", "blocked"),
)


@dataclass(slots=True)
class ValidEvent:
    """An event that passed validation, ready to store."""

    event_id: str
    type: str
    ts: datetime
    attributes: dict[str, Any]
    flags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StoredBatch:
    inserted: list[ValidEvent]
    duplicates: list[str]


_write_locks: dict[int, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def write_lock(engine: Engine) -> AbstractContextManager[Any]:
    """On SQLite, one ingest transaction at a time per engine (a no-op elsewhere).

    SQLite has one writer anyway; queueing writers on a Python lock wakes the next
    one the moment the previous commits, where SQLite's busy handler would make it
    sleep in steps of up to 100 ms (that, not the inserts, was the p99 with
    several clients). PostgreSQL writes concurrently and needs none.
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _write_locks_guard:
        lock = _write_locks.setdefault(id(engine), threading.Lock())
    return lock


def _insert(session: Session, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _greatest(session: Session, a: Any, b: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.greatest(a, b)
    return func.max(a, b)  # SQLite's scalar max() of two arguments


def event_subject(event_type: str, attrs: dict[str, Any]) -> str | None:
    key = {"llm.call": "model", "tool.call": "tool_name", "mcp.use": "server", "custom": "name"}
    value = attrs.get(key.get(event_type, ""))
    if event_type == "llm.call" and value is None:
        value = attrs.get("provider")
    return value if isinstance(value, str) else None


def event_flags(attrs: dict[str, Any]) -> list[str]:
    """What a security team should look at: PII/secret categories, injection markers, blocks."""
    flags: list[str] = []
    det = attrs.get("detections")
    if isinstance(det, dict):
        for category, count in sorted((det.get("pii") or {}).items()):
            if count:
                kind = "secret" if category in SECRET_CATEGORIES else "pii"
                flags.append(f"{kind}:{category}")
        flags += [f"injection:{m}" for m in det.get("injection") or ()]
    if attrs.get("outcome") == "blocked":
        flags.append("blocked")
    return flags


def insert_events(
    session: Session,
    *,
    org_id: str,
    agent_id: str,
    instance_id: str | None,
    source: str,
    events: Sequence[ValidEvent],
    now: datetime,
) -> StoredBatch:
    """Store each event id once per org; report which were new and which were duplicates."""
    seen: set[str] = set()
    unique: list[ValidEvent] = []
    duplicates: list[str] = []
    for ev in events:
        if ev.event_id in seen:
            duplicates.append(ev.event_id)
            continue
        seen.add(ev.event_id)
        unique.append(ev)
    if not unique:
        return StoredBatch([], duplicates)
    rows = []
    for ev in unique:
        attrs = ev.attributes
        ev.flags = event_flags(attrs)
        dest = attrs.get("destination_host")
        rows.append(
            {
                "org_id": org_id,
                "event_id": ev.event_id,
                "agent_id": agent_id,
                "instance_id": instance_id,
                "type": ev.type,
                "ts": ev.ts,
                "received_at": now,
                "source": attrs.get("source") or source,
                "outcome": attrs.get("outcome"),
                "subject": event_subject(ev.type, attrs),
                "destination": dest if isinstance(dest, str) else None,
                "flags": ev.flags,
                "attributes": attrs,
            }
        )
    if session.get_bind().dialect.name == "postgresql":
        new_ids = _insert_pg_unnest(session, rows)
    else:
        new_ids = _insert_sqlite_json(session, rows)
    inserted = [ev for ev in unique if ev.event_id in new_ids]
    duplicates += [ev.event_id for ev in unique if ev.event_id not in new_ids]
    return StoredBatch(inserted, duplicates)


# One statement with one array per column: a short query text psycopg prepares
# once, instead of a multi-row VALUES list it would have to re-parse for every
# batch (that parsing cost more than the insert itself). The arrays travel in
# binary (%b), which spares quoting and escaping every element as text.
_PG_UNNEST_INSERT = """
INSERT INTO agent_events (org_id, event_id, agent_id, instance_id, type, ts, received_at,
                          source, outcome, subject, destination, flags, attributes)
SELECT %(org_id)s, e.event_id, %(agent_id)s, %(instance_id)s, e.type, e.ts, %(received_at)s,
       e.source, e.outcome, e.subject, e.destination, e.flags::jsonb, e.attributes::jsonb
FROM unnest(%(event_id)b::text[], %(type)b::text[], %(ts)b::timestamp[], %(source)b::text[],
            %(outcome)b::text[], %(subject)b::text[], %(destination)b::text[],
            %(flags)b::text[], %(attributes)b::text[])
     AS e(event_id, type, ts, source, outcome, subject, destination, flags, attributes)
ON CONFLICT (org_id, event_id) DO NOTHING
RETURNING event_id
"""


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _insert_pg_unnest(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    first = rows[0]
    params = {
        "org_id": first["org_id"],
        "agent_id": first["agent_id"],
        "instance_id": first["instance_id"],
        "received_at": _naive_utc(first["received_at"]),
        "event_id": [r["event_id"] for r in rows],
        "type": [r["type"] for r in rows],
        "ts": [_naive_utc(r["ts"]) for r in rows],
        "source": [r["source"] for r in rows],
        "outcome": [r["outcome"] for r in rows],
        "subject": [r["subject"] for r in rows],
        "destination": [r["destination"] for r in rows],
        "flags": [json.dumps(r["flags"]) for r in rows],
        "attributes": [json.dumps(r["attributes"], separators=(",", ":")) for r in rows],
    }
    result = session.connection().exec_driver_sql(_PG_UNNEST_INSERT, params)
    return {row[0] for row in result}


# SQLite: the whole batch as one JSON array parameter, unpacked by json_each. One
# C-level json.dumps for the batch replaces per-row parameter processing; the
# stored values are exactly what the ORM would write (naive UTC timestamps in
# SQLAlchemy's format, JSON text). "WHERE true" is SQLite's rule for an upsert
# on INSERT … SELECT.
_SQLITE_JSON_INSERT = """
INSERT INTO agent_events (org_id, event_id, agent_id, instance_id, type, ts, received_at,
                          source, outcome, subject, destination, flags, attributes)
SELECT :org_id, json_extract(e.value, '$[0]'), :agent_id, :instance_id,
       json_extract(e.value, '$[1]'), json_extract(e.value, '$[2]'), :received_at,
       json_extract(e.value, '$[3]'), json_extract(e.value, '$[4]'),
       json_extract(e.value, '$[5]'), json_extract(e.value, '$[6]'),
       json_extract(e.value, '$[7]'), json_extract(e.value, '$[8]')
FROM json_each(:rows) AS e WHERE true
ON CONFLICT (org_id, event_id) DO NOTHING
RETURNING event_id
"""
_SQLITE_TS = "%Y-%m-%d %H:%M:%S.%f"


def _insert_sqlite_json(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    first = rows[0]
    packed = json.dumps(
        [
            [
                r["event_id"],
                r["type"],
                _naive_utc(r["ts"]).strftime(_SQLITE_TS),
                r["source"],
                r["outcome"],
                r["subject"],
                r["destination"],
                r["flags"],
                r["attributes"],
            ]
            for r in rows
        ],
        separators=(",", ":"),
    )
    result = session.connection().execute(
        text(_SQLITE_JSON_INSERT),
        {
            "org_id": first["org_id"],
            "agent_id": first["agent_id"],
            "instance_id": first["instance_id"],
            "received_at": _naive_utc(first["received_at"]).strftime(_SQLITE_TS),
            "rows": packed,
        },
    )
    return {row[0] for row in result}


def _usage_items(ev: ValidEvent) -> list[tuple[str, str]]:
    a = ev.attributes
    items: list[tuple[str, str | None]] = []
    if ev.type == "llm.call":
        items += [("model", a.get("model")), ("provider", a.get("provider"))]
    elif ev.type == "tool.call":
        items += [("tool", a.get("tool_name")), ("destination", a.get("destination_host"))]
    elif ev.type == "mcp.use":
        items += [("mcp_server", a.get("server")), ("tool", a.get("tool_called"))]
    return [(f, v) for f, v in items if isinstance(v, str) and v]


def update_rollups(
    session: Session, *, org_id: str, agent_id: str, events: Sequence[ValidEvent], now: datetime
) -> None:
    """Add the new events to the per-day usage and activity counters."""
    usage: Counter[tuple[str, str, date]] = Counter()
    last: dict[tuple[str, str, date], datetime] = {}
    activity: dict[date, Counter[str]] = {}
    for ev in events:
        day = ev.ts.date()
        for facet, item in _usage_items(ev):
            key = (facet, item[:256], day)
            usage[key] += 1
            seen = last.get(key)
            if seen is None or ev.ts > seen:
                last[key] = ev.ts
        if ev.type not in ACTIVITY_TYPES:
            continue
        counts = activity.get(day)
        if counts is None:
            counts = activity[day] = Counter()
        counts["events"] += 1
        if ev.flags:
            kinds = {f.split(":", 1)[0] for f in ev.flags}
            for kind, column in _FLAG_COLUMNS:
                if kind in kinds:
                    counts[column] += 1
        else:
            counts["clean"] += 1
        if ev.attributes.get("outcome") in ("error", "timeout"):
            counts["errors"] += 1
    if usage:
        table = AgentUsage.__table__
        rows = [
            {
                "org_id": org_id,
                "agent_id": agent_id,
                "facet": facet,
                "item": item,
                "day": day,
                "count": n,
                "last_seen": last[(facet, item, day)],
            }
            for (facet, item, day), n in sorted(usage.items())
        ]
        stmt = _insert(session, table)  # type: ignore[arg-type]
        stmt = stmt.on_conflict_do_update(
            index_elements=["org_id", "agent_id", "facet", "item", "day"],
            set_={
                "count": table.c.count + stmt.excluded.count,
                "last_seen": _greatest(session, table.c.last_seen, stmt.excluded.last_seen),
            },
        )
        session.connection().execute(stmt, rows)
    if activity:
        table = AgentActivity.__table__
        columns = ("events", "clean", "pii", "injection", "secrets", "blocked", "errors")
        rows = [
            {
                "org_id": org_id,
                "agent_id": agent_id,
                "day": day,
                **{c: counts.get(c, 0) for c in columns},
            }
            for day, counts in sorted(activity.items())
        ]
        stmt = _insert(session, table)  # type: ignore[arg-type]
        stmt = stmt.on_conflict_do_update(
            index_elements=["org_id", "agent_id", "day"],
            set_={c: table.c[c] + stmt.excluded[c] for c in columns},
        )
        session.connection().execute(stmt, rows)


def touch_instance(
    session: Session,
    *,
    org_id: str,
    agent_id: str,
    instance_id: str,
    dropped: dict[str, int] | None,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """Create the instance if new; keep each drop counter at its maximum (never summed)."""
    table = cast(Table, AgentInstance.__table__)
    stmt = _insert(session, table).on_conflict_do_nothing(
        index_elements=["org_id", "agent_id", "instance_id"]
    )
    zero = dict.fromkeys(DROP_REASONS, 0)
    session.connection().execute(
        stmt,
        [
            {
                "id": new_id(),
                "org_id": org_id,
                "agent_id": agent_id,
                "instance_id": instance_id,
                "first_seen": now,
                "last_seen": now,
                **zero,
            }
        ],
    )
    values: dict[str, Any] = {"last_seen": now}
    for reason, count in (dropped or {}).items():
        column = table.c[reason]
        values[reason] = case((column < count, count), else_=column)
    for key, value in (details or {}).items():
        values[key] = value
    session.connection().execute(
        update(table)
        .where(
            table.c.org_id == org_id,
            table.c.agent_id == agent_id,
            table.c.instance_id == instance_id,
        )
        .values(**values)
    )


def touch_agent(
    session: Session,
    *,
    agent_id: str,
    new_events: int,
    now: datetime,
    heartbeat_interval_s: float | None = None,
    heartbeat: bool = False,
) -> None:
    """Last seen now, the event count, and the heartbeat interval the agent reported."""
    table = cast(Table, Agent.__table__)
    values: dict[str, Any] = {
        "last_seen": _greatest(session, table.c.last_seen, now),
        "events_total": table.c.events_total + new_events,
    }
    if heartbeat:
        values["last_heartbeat"] = now
    if heartbeat_interval_s is not None:
        values["heartbeat_interval_s"] = heartbeat_interval_s
    session.connection().execute(update(table).where(table.c.id == agent_id).values(**values))
