"""The posture of an organisation: recompute and store snapshots, read them back, brief, weights.

A recompute calls every registered dimension provider (builtin.py registers
Agent, MCP and Shadow AI), combines them with the org's weights and stores one
`PostureSnapshot`. After a change that touched only some dimensions (or some
objects of one), the other dimensions are taken from the latest snapshot when
it is from today and under `REUSE_MAX_AGE` old: that is what makes one event
cheap. Nothing here knows about HTTP.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, defer

from threatvec.core.clock import utcnow
from threatvec.core.errors import InvalidInput
from threatvec.core.llm import LlmClient
from threatvec.orgs import service as orgs
from threatvec.posture.advisor import Advice, DeploymentProfile, advise_weights
from threatvec.posture.brief import Brief, HistoryPoint, Trend, build_brief, trend
from threatvec.posture.builtin import register_builtin
from threatvec.posture.composite import (
    DEFAULT_WEIGHTS,
    PostureScore,
    compute_posture,
    validate_weights,
)
from threatvec.posture.dimensions import DimensionScore
from threatvec.posture.factors import Factor, Risk, Score
from threatvec.posture.gcpause import paused_gc
from threatvec.posture.models import PostureSnapshot, PostureWeightChange
from threatvec.posture.providers import ProviderRegistry, registry
from threatvec.posture.whatif import WhatIf, rank_risks
from threatvec.signals import service as signals

__all__ = [
    "READ_MAX_AGE",
    "REUSE_MAX_AGE",
    "WEIGHTS_SETTING",
    "Changes",
    "CurrentPosture",
    "advice",
    "brief",
    "current",
    "dump_posture",
    "get_weights",
    "history",
    "latest_snapshot",
    "load_posture",
    "prune",
    "put_weights",
    "recompute",
    "trend_for",
    "weight_changes",
]

log = logging.getLogger("threatvec.posture")

WEIGHTS_SETTING = "posture.weights"
# A read older than this (or from another UTC day) recomputes: windows move with time.
READ_MAX_AGE = timedelta(hours=1)
# After a change, the untouched dimensions are reused from a snapshot this fresh.
REUSE_MAX_AGE = timedelta(hours=1)
HISTORY_MAX_POINTS = 2000
HISTORY_MAX_RANGE = timedelta(days=400)
# Thinning: every snapshot for 2 days, then the last of each hour, nothing after 400 days.
KEEP_ALL = timedelta(days=2)
KEEP_HOURLY = timedelta(days=400)

# {dimension: changed object ids, or None for "anything in it may have changed"}
Changes = Mapping[str, frozenset[str] | None]

register_builtin()


# ── (de)serialising a posture at full precision ─────────────────────────


def _dump_factor(f: Factor) -> list[Any]:
    return [f.name, f.points, f.max_points, f.detail, list(f.objects)]


def _load_factor(raw: list[Any]) -> Factor:
    name, points, max_points, detail, objects = raw
    return Factor(str(name), float(points), float(max_points), str(detail), tuple(objects))


def _dump_score(s: Score) -> dict[str, Any]:
    return {"value": s.value, "detail": s.detail, "parts": [_dump_factor(p) for p in s.parts]}


def _load_score(raw: Mapping[str, Any]) -> Score:
    value = raw.get("value")
    return Score(
        None if value is None else float(value),
        tuple(_load_factor(p) for p in raw.get("parts", ())),
        str(raw.get("detail", "")),
    )


def _dump_risk(r: Risk) -> dict[str, Any]:
    return {
        "id": r.id,
        "dimension": r.dimension,
        "title": r.title,
        "action": r.action,
        "points_lost": r.points_lost,
        "objects": list(r.objects),
        "detail": r.detail,
    }


def _load_risk(raw: Mapping[str, Any]) -> Risk:
    return Risk(
        str(raw["id"]),
        str(raw["dimension"]),
        str(raw["title"]),
        str(raw["action"]),
        float(raw["points_lost"]),
        tuple(raw.get("objects", ())),
        str(raw.get("detail", "")),
    )


def dump_posture(p: PostureScore) -> dict[str, Any]:
    """A JSON-ready posture with unrounded numbers (what a snapshot stores)."""
    return {
        "composite": _dump_score(p.composite),
        "weights": dict(p.weights),
        "effective": dict(p.effective),
        "dimensions": [
            {
                "name": d.name,
                "label": d.label,
                "score": _dump_score(d.score),
                "risks": [_dump_risk(r) for r in d.risks],
                "coverage": dict(d.coverage),
            }
            for d in p.dimensions
        ],
    }


def _load_dimension(raw: Mapping[str, Any]) -> DimensionScore:
    return DimensionScore(
        str(raw["name"]),
        _load_score(raw["score"]),
        tuple(_load_risk(r) for r in raw.get("risks", ())),
        {str(k): int(v) for k, v in dict(raw.get("coverage", {})).items()},
        str(raw.get("label", "")),
    )


def load_posture(raw: Mapping[str, Any]) -> PostureScore:
    """The `PostureScore` a snapshot stored, exactly as computed."""
    return PostureScore(
        _load_score(raw["composite"]),
        tuple(_load_dimension(d) for d in raw.get("dimensions", ())),
        {str(k): float(v) for k, v in dict(raw.get("weights", {})).items()},
        {str(k): float(v) for k, v in dict(raw.get("effective", {})).items()},
    )


# ── weights ───────────────────────────────────────────────────────────────


def get_weights(*, session: Session, org_id: str) -> dict[str, float]:
    """The org's weights (validated); the defaults when none are set or they no longer fit."""
    stored = orgs.get_setting(session=session, org_id=org_id, name=WEIGHTS_SETTING)
    if isinstance(stored, Mapping):
        try:
            return validate_weights(stored)
        except InvalidInput:
            log.warning("stored score weights of org %s are invalid; using defaults", org_id)
    return dict(DEFAULT_WEIGHTS)


def weights_are_default(*, session: Session, org_id: str) -> bool:
    return orgs.get_setting(session=session, org_id=org_id, name=WEIGHTS_SETTING) is None


def weight_changes(*, session: Session, org_id: str, limit: int = 20) -> list[PostureWeightChange]:
    """The latest weight changes, newest first."""
    return list(
        session.scalars(
            select(PostureWeightChange)
            .where(PostureWeightChange.org_id == org_id)
            .order_by(PostureWeightChange.changed_at.desc(), PostureWeightChange.id)
            .limit(limit)
        )
    )


def put_weights(
    *,
    session: Session,
    org_id: str,
    weights: Mapping[str, object],
    by: str,
    note: str | None = None,
    now: datetime | None = None,
) -> tuple[dict[str, float], PostureSnapshot]:
    """Validate and store new weights, record who changed them, recompute the posture."""
    new = validate_weights(weights)
    now = now or utcnow()
    previous = get_weights(session=session, org_id=org_id)
    orgs.put_setting(session=session, org_id=org_id, name=WEIGHTS_SETTING, value=new, by=by[:200])
    session.add(
        PostureWeightChange(
            org_id=org_id,
            changed_at=now,
            changed_by=by[:200],
            previous=previous,
            weights=new,
            note=note[:500] if note else None,
        )
    )
    session.flush()
    log.info("score weights of org %s changed by %s", org_id, by[:200])
    # the weights change only the composite: every dimension is reused when fresh
    snap = recompute(session=session, org_id=org_id, now=now, trigger="weights", changed={})
    return new, snap


# ── recompute and snapshots ───────────────────────────────────────────────


def latest_snapshot(*, session: Session, org_id: str) -> PostureSnapshot | None:
    return session.scalar(
        select(PostureSnapshot)
        .where(PostureSnapshot.org_id == org_id)
        .order_by(PostureSnapshot.computed_at.desc(), PostureSnapshot.id.desc())
        .limit(1)
    )


def _reusable(snap: PostureSnapshot | None, now: datetime) -> PostureScore | None:
    if snap is None or not snap.data:
        return None
    age = now - snap.computed_at
    if age < timedelta(0) or age > REUSE_MAX_AGE or snap.computed_at.date() != now.date():
        return None
    try:
        return load_posture(snap.data)
    except (KeyError, TypeError, ValueError):
        return None


def _compute_dimension(
    provider: Any, session: Session, org_id: str, now: datetime, changed: frozenset[str] | None
) -> DimensionScore:
    try:
        incremental = getattr(provider, "compute_incremental", None)
        if changed is not None and incremental is not None:
            dim: DimensionScore = incremental(
                session=session, org_id=org_id, now=now, changed=changed
            )
        else:
            dim = provider.compute(session=session, org_id=org_id, now=now)
        if dim.name != provider.name:
            raise ValueError(f"provider returned dimension {dim.name!r}")
        return dim
    except Exception as exc:
        # the class name only: messages can carry data we do not want in logs
        log.warning(
            "posture provider %s failed for org %s: %s", provider.name, org_id, type(exc).__name__
        )
        return DimensionScore(
            provider.name, Score.missing(f"provider failed ({type(exc).__name__})")
        )


def compute(
    *,
    session: Session,
    org_id: str,
    now: datetime,
    weights: Mapping[str, float] | None = None,
    changed: Changes | None = None,
    previous: PostureScore | None = None,
    providers: ProviderRegistry | None = None,
) -> PostureScore:
    """The posture now; with `changed` and a `previous` posture, only what changed is redone."""
    w = get_weights(session=session, org_id=org_id) if weights is None else dict(weights)
    dims: list[DimensionScore] = []
    # the providers allocate hundreds of thousands of acyclic objects: see gcpause.py
    with paused_gc():
        for provider in providers if providers is not None else registry:
            name = provider.name
            if changed is not None and previous is not None and name not in changed:
                try:
                    dims.append(previous.dimension(name))
                    continue
                except KeyError:
                    pass
            ids = changed.get(name) if changed is not None and previous is not None else None
            dims.append(_compute_dimension(provider, session, org_id, now, ids))
    return compute_posture(dims, w)


def recompute(
    *,
    session: Session,
    org_id: str,
    now: datetime | None = None,
    trigger: str = "api",
    changed: Changes | None = None,
    providers: ProviderRegistry | None = None,
) -> PostureSnapshot:
    """Compute the posture and store it as a snapshot (publishes ``posture.updated``).

    ``changed=None`` recomputes every dimension; a mapping names the dimensions
    (and objects) that changed, the rest come from a fresh latest snapshot.
    """
    now = now or utcnow()
    started = time.perf_counter()
    prev_snap = latest_snapshot(session=session, org_id=org_id)
    previous = _reusable(prev_snap, now) if changed is not None else None
    posture = compute(
        session=session,
        org_id=org_id,
        now=now,
        changed=changed if previous is not None else None,
        previous=previous,
        providers=providers,
    )
    snap = PostureSnapshot(
        org_id=org_id,
        computed_at=now,
        trigger=trigger[:20],
        composite=posture.value,
        values={d.name: d.value for d in posture.dimensions},
        weights=dict(posture.weights),
        data=dump_posture(posture),
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    session.add(snap)
    session.flush()
    _remember(org_id, snap.id, posture)
    before = prev_snap.composite if prev_snap is not None else None
    signals.publish(
        session=session,
        org_id=org_id,
        kind="posture.updated",
        data={
            "snapshot_id": snap.id,
            "value": None if posture.value is None else round(posture.value, 1),
            "previous": None if before is None else round(before, 1),
            "trigger": snap.trigger,
        },
    )
    return snap


# The latest PostureScore per org, so a read right after a recompute skips the JSON decode.
_RECENT: OrderedDict[tuple[str, str], PostureScore] = OrderedDict()
_RECENT_MAX = 256
_RECENT_LOCK = threading.Lock()


def _remember(org_id: str, snapshot_id: str, posture: PostureScore) -> None:
    with _RECENT_LOCK:
        _RECENT[(org_id, snapshot_id)] = posture
        _RECENT.move_to_end((org_id, snapshot_id))
        while len(_RECENT) > _RECENT_MAX:
            _RECENT.popitem(last=False)


def posture_of(snap: PostureSnapshot) -> PostureScore:
    """The explained posture a snapshot holds."""
    with _RECENT_LOCK:
        hit = _RECENT.get((snap.org_id, snap.id))
    return hit if hit is not None else load_posture(snap.data)


@dataclass(frozen=True, slots=True)
class CurrentPosture:
    snapshot: PostureSnapshot
    posture: PostureScore
    trend: Trend
    top: tuple[WhatIf, ...]


def trend_for(
    *, session: Session, org_id: str, current: float | None, now: datetime
) -> tuple[Trend, list[HistoryPoint]]:
    """Change against the latest snapshot at least 24 h and 7 d old (two indexed reads)."""
    points: list[HistoryPoint] = []
    for window in (timedelta(hours=24), timedelta(days=7)):
        row = session.execute(
            select(PostureSnapshot.computed_at, PostureSnapshot.composite)
            .where(
                PostureSnapshot.org_id == org_id,
                PostureSnapshot.computed_at <= now - window,
                PostureSnapshot.composite.is_not(None),
            )
            .order_by(PostureSnapshot.computed_at.desc())
            .limit(1)
        ).first()
        if row is not None and row[1] is not None:
            points.append(HistoryPoint(row[0], float(row[1])))
    return trend(points, current, now), points


def current(
    *,
    session: Session,
    org_id: str,
    now: datetime | None = None,
    pending: Changes | None = None,
    max_age: timedelta = READ_MAX_AGE,
) -> CurrentPosture:
    """The latest posture; recomputed first when there is none, it is stale or changes wait."""
    now = now or utcnow()
    snap = latest_snapshot(session=session, org_id=org_id)
    stale = (
        snap is None or now - snap.computed_at > max_age or snap.computed_at.date() != now.date()
    )
    if stale or pending is not None:
        snap = recompute(
            session=session,
            org_id=org_id,
            now=now,
            trigger="read",
            changed=None if stale else pending,
        )
    assert snap is not None
    posture = posture_of(snap)
    tr, _ = trend_for(session=session, org_id=org_id, current=posture.value, now=now)
    top = tuple(w for w in rank_risks(posture, limit=5) if w.gain > 0.05)
    return CurrentPosture(snap, posture, tr, top)


def _utc_param(value: datetime, name: str) -> datetime:
    """A query timestamp in UTC, or a 422 naming the parameter.

    Converting is where an offset at the edge of the calendar (year 1 at +01:00,
    year 9999 at -01:00) overflows; it must be a bad-input answer, not a 500.
    """
    if value.tzinfo is None:
        raise InvalidInput(("query", name), "timestamps need a timezone (e.g. Z or +00:00)")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(("query", name), "is outside the years 1–9999 in UTC") from None


def history(
    *,
    session: Session,
    org_id: str,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = HISTORY_MAX_POINTS,
    now: datetime | None = None,
) -> tuple[datetime, datetime, list[PostureSnapshot]]:
    """Snapshots between start and end (default: the last 7 days), oldest first."""
    now = now or utcnow()
    end = _utc_param(end or now, "to")
    if start is None:
        try:
            start = end - timedelta(days=7)
        except OverflowError:
            raise InvalidInput(("query", "to"), "must be at least 7 days after year 1") from None
    start = _utc_param(start, "from")
    if start >= end:
        raise InvalidInput(("query", "from"), "`from` must be before `to`")
    if end - start > HISTORY_MAX_RANGE:
        raise InvalidInput(("query", "from"), "the range can be at most 400 days")
    if not 1 <= limit <= HISTORY_MAX_POINTS:
        raise InvalidInput(("query", "limit"), f"limit must be 1–{HISTORY_MAX_POINTS}")
    in_range = (
        PostureSnapshot.org_id == org_id,
        PostureSnapshot.computed_at >= start,
        PostureSnapshot.computed_at <= end,
    )
    order = (PostureSnapshot.computed_at, PostureSnapshot.id)
    stamps = session.execute(
        select(PostureSnapshot.id, PostureSnapshot.computed_at).where(*in_range).order_by(*order)
    ).all()
    keep = [i for i, _ in stamps] if len(stamps) <= limit else _span(stamps, start, end, limit)
    rows = list(
        session.scalars(
            select(PostureSnapshot)
            .options(defer(PostureSnapshot.data))  # the explained posture is not history
            .where(PostureSnapshot.id.in_(keep))
            .order_by(*order)
        )
    )
    return start, end, rows


def _span(stamps: Sequence[Any], start: datetime, end: datetime, limit: int) -> list[str]:
    """Ids of the last snapshot in each of `limit` equal slices of the range.

    A busy org stores a snapshot every few seconds (every change recomputes, and all
    are kept for 2 days): the newest `limit` of them covered the last hour of a 7-day
    range. One per slice spans the range and always includes the newest.
    """
    width = (end - start) / limit
    last: dict[int, str] = {}
    for snapshot_id, at in stamps:  # oldest first: a later one replaces its slice's
        last[min(limit - 1, int((at - start) / width))] = snapshot_id
    return list(last.values())


# ── brief and advice ──────────────────────────────────────────────────────

_BRIEFS: OrderedDict[tuple[str, str, str, str], Brief] = OrderedDict()
_BRIEFS_MAX = 256


def brief(
    *,
    session: Session,
    org_id: str,
    llm: LlmClient | None = None,
    now: datetime | None = None,
    pending: Changes | None = None,
) -> tuple[CurrentPosture, Brief]:
    """The plain-English brief of the current posture (LLM-worded when one is configured).

    Cached per snapshot and hour: the facts change only with a new snapshot (or
    as the trend windows move), and an LLM call is slow.
    """
    now = now or utcnow()
    cur = current(session=session, org_id=org_id, now=now, pending=pending)
    model = f"{llm.url}|{llm.model}" if llm else ""
    key = (org_id, cur.snapshot.id, model, now.strftime("%Y%m%d%H"))
    with _RECENT_LOCK:
        hit = _BRIEFS.get(key)
    if hit is not None:
        return cur, hit
    _, points = trend_for(session=session, org_id=org_id, current=cur.posture.value, now=now)
    result = build_brief(cur.posture, history=points, now=now, llm=llm)
    with _RECENT_LOCK:
        _BRIEFS[key] = result
        while len(_BRIEFS) > _BRIEFS_MAX:
            _BRIEFS.popitem(last=False)
    return cur, result


def advice(*, session: Session, org_id: str, now: datetime | None = None) -> Advice:
    """Suggested weights from the current deployment profile; never applied here."""
    cur = current(session=session, org_id=org_id, now=now)
    return advise_weights(
        DeploymentProfile.from_posture(cur.posture), get_weights(session=session, org_id=org_id)
    )


# ── retention ─────────────────────────────────────────────────────────────


def prune(*, session: Session, org_id: str, now: datetime | None = None) -> int:
    """Thin old snapshots: all for 2 days, then the last of each hour, none after 400 days."""
    now = now or utcnow()
    result = session.execute(
        delete(PostureSnapshot).where(
            PostureSnapshot.org_id == org_id, PostureSnapshot.computed_at < now - KEEP_HOURLY
        )
    )
    deleted = getattr(result, "rowcount", 0) or 0  # a DML result (CursorResult) has one
    rows = session.execute(
        select(PostureSnapshot.id, PostureSnapshot.computed_at)
        .where(
            PostureSnapshot.org_id == org_id,
            PostureSnapshot.computed_at < now - KEEP_ALL,
        )
        .order_by(PostureSnapshot.computed_at.desc(), PostureSnapshot.id.desc())
    ).all()
    seen: set[str] = set()
    drop: list[str] = []
    for snap_id, at in rows:
        hour = at.strftime("%Y%m%d%H")
        if hour in seen:
            drop.append(snap_id)
        else:
            seen.add(hour)
    for i in range(0, len(drop), 500):
        session.execute(
            delete(PostureSnapshot).where(
                PostureSnapshot.org_id == org_id, PostureSnapshot.id.in_(drop[i : i + 500])
            )
        )
    return int(deleted) + len(drop)
