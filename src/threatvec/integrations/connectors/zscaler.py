"""Zscaler ZIA web logs with DLP hits → Shadow AI PII events (CASB PII signals), received.

ZIA has no log-query API: web logs leave through the Nanolog Streaming Service.
A Cloud NSS feed with output type JSON posts batches to our receiver
(``integrations/receiver.py``); this module turns one delivery into events.

A delivery is newline-delimited JSON records, a JSON array of records (the
feed's "JSON Array Notation"), or one object; a record may be wrapped the
HEC way, ``{"sourcetype": "zscalernss-web", "event": {...}}``. NSS writes every
macro as a string, so numbers arrive as ``"3"`` as often as ``3``.

Fields read (the names of the web log feed macros; see docs/integrations.md):
``recordid`` (the dedupe key), ``epochtime`` or ``time`` (feed time zone GMT),
``login``, ``host`` / ``eurl`` / ``url`` (host only), ``appname``, ``appclass``,
``urlcat`` / ``urlsupercat`` / ``urlclass``, ``action``, ``dlpeng`` and
``dlpdict`` (names, ``|``-separated when several), ``dlpdicthitcount``, and
``filetype`` / ``filename`` only to tell an upload from a post. Matched values,
URL paths, file names and the login itself are never kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.integrations.connectors.base import RunCounts, SyncContext, TestContext
from threatvec.integrations.connectors.common import (
    AiMatcher,
    UserHasher,
    host_of,
    shadow_event_id,
)
from threatvec.integrations.connectors.pii_map import categories_for
from threatvec.integrations.http import ConnectorError
from threatvec.shadow import service as shadow
from threatvec.shadow.models import ShadowEvent
from threatvec.shadow.schemas import MAX_COUNT, ShadowEventIn
from threatvec.signals import service as signals

__all__ = [
    "MAX_RECORDS",
    "SIGNAL_KINDS",
    "Delivery",
    "Unparsable",
    "describe_cursor",
    "process",
    "split_records",
    "sync",
    "test",
]

SIGNAL = "integration.zscaler.dlp_to_ai"
SIGNAL_KINDS: tuple[str, ...] = (SIGNAL,)
SOURCE = "zscaler"
MAX_RECORDS = 10_000
# NSS writes these where a field has no value.
_EMPTY = frozenset({"", "none", "na", "n/a", "null", "-", "0"})
_SPLIT = re.compile(r"[|;,]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_RECORD_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
_NSS_TIME = "%a %b %d %H:%M:%S %Y"  # %s{time}: "Mon Oct 16 22:55:48 2023", no zone


@dataclass(frozen=True)
class Unparsable:
    """A piece of the body that is not JSON; it is rejected at its index."""

    reason: str


@dataclass
class Delivery:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    ignored: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    counts: RunCounts = field(default_factory=RunCounts)


# ── the connector protocol: a receive kind has nothing to pull ─────────────


def test(ctx: TestContext) -> tuple[int | None, str]:
    raise ConnectorError("Zscaler posts to ThreatVec; there is nothing to call out to")


def sync(ctx: SyncContext) -> None:
    raise ConnectorError("Zscaler posts to ThreatVec; there is nothing to sync")


def describe_cursor(cursor: dict[str, Any]) -> str | None:
    return None


# ── the body ──────────────────────────────────────────────────────────────


def split_records(text: str) -> list[object]:
    """The delivery's records in order; a stretch that is not JSON becomes one ``Unparsable``.

    Successive JSON values are read one after another (NDJSON, or HEC-style objects
    with no newline between them); a top-level array contributes its elements. On a
    syntax error the rest of that line is dropped and reading resumes on the next.
    """
    decoder = json.JSONDecoder()
    out: list[object] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos >= end:
            return out
        try:
            value, pos = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            out.append(Unparsable("record is not valid JSON"))
            newline = text.find("\n", pos)
            pos = end if newline < 0 else newline + 1
            continue
        if isinstance(value, list):
            out.extend(value)
        else:
            out.append(value)


# ── one record ────────────────────────────────────────────────────────────


def _text(value: object) -> str:
    """A field's text, or "" when NSS wrote it as empty ("None", "NA", …)."""
    if isinstance(value, bool) or value is None:
        return ""
    text = str(value).strip() if isinstance(value, str | int | float) else ""
    return "" if text.lower() in _EMPTY else text


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 20:
        return int(value.strip())
    return None


def _when(rec: dict[str, Any]) -> datetime | None:
    epoch = _int(rec.get("epochtime"))
    if epoch is not None and epoch > 0:
        try:
            return datetime.fromtimestamp(epoch, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    raw = rec.get("time")
    if isinstance(raw, str) and 10 <= len(raw) <= 40:
        try:
            # The feed's time zone must be GMT (docs); %s{time} carries no zone.
            return datetime.strptime(" ".join(raw.split()), _NSS_TIME).replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


def _names(rec: dict[str, Any], *keys: str) -> list[str]:
    out: list[str] = []
    for key in keys:
        raw = rec.get(key)
        if isinstance(raw, str):
            out.extend(t for part in _SPLIT.split(raw[:2000]) if (t := _text(part)))
    return out


def _hit_count(rec: dict[str, Any]) -> int | None:
    count = _int(rec.get("dlpdicthitcount"))
    if count is not None:
        return count
    raw = rec.get("dlpdictcnts")  # the "7|7|6" form some DLP feeds use
    if isinstance(raw, str):
        parts = [_int(p) for p in raw.split("|")[:50]]
        return sum(p for p in parts if p is not None) or None
    return None


def _words(text: str) -> str:
    return " " + " ".join(_NON_WORD.sub(" ", text.lower()[:300]).split()) + " "


def _unwrap(rec: object) -> object:
    if isinstance(rec, dict) and isinstance(rec.get("event"), dict):
        return rec["event"]  # HEC style: {"sourcetype": …, "event": {…}}
    return rec


def _convert(
    rec: object,
    matcher: AiMatcher,
    users: UserHasher,
    ai_categories: list[str],
) -> tuple[ShadowEventIn, dict[str, Any]] | str | None:
    """(event, signal data), a reject reason (malformed), or None (not DLP to an AI service)."""
    rec = _unwrap(rec)
    if not isinstance(rec, dict):
        return "record is not a JSON object"
    raw_id = rec.get("recordid")
    # _text: NSS writes a missing value as "None" / "NA", which is no id to dedupe on.
    rid = _text(raw_id) if isinstance(raw_id, str | int) else ""
    if not _RECORD_ID.match(rid):
        return "record has no recordid"
    when = _when(rec)
    if when is None:
        return f"record {rid} has no valid epochtime or time"
    engines = _names(rec, "dlpeng", "dlpengnames")
    dictionaries = _names(rec, "dlpdict", "dlpdictnames")
    hits = _hit_count(rec)
    if not engines and not dictionaries and not hits:
        return None  # ordinary web traffic: no DLP hit
    host = host_of(_text(rec.get("host"))) or host_of(_text(rec.get("eurl")))
    host = host or host_of(_text(rec.get("url")))
    item = matcher.by_host(host) or matcher.by_name(_text(rec.get("appname")))
    labels = "".join(
        _words(_text(rec.get(k))) for k in ("urlcat", "urlsupercat", "urlclass", "appclass")
    )
    if item is None and not any(f" {p} " in labels for p in ai_categories):
        return None
    domain = item.domain if item else host
    if domain is None:
        given = _text(rec.get("host")) or _text(rec.get("eurl")) or _text(rec.get("url"))
        if given:
            # an IP address or a malformed name: Shadow AI keys services by host name
            return f"record {rid}: destination {given[:60]!r} is not a host name"
        return f"record {rid} names no destination host"
    cats, unmapped = categories_for(dictionaries + engines)
    count = max(1, min(hits or 1, MAX_COUNT))
    uploaded = any(_text(rec.get(k)) for k in ("filetype", "filename", "fileclass"))
    event = ShadowEventIn.model_validate(
        {
            "event_id": shadow_event_id(SOURCE, rid),
            "domain": domain,
            "event_type": "upload" if uploaded else "submit",
            "pii_categories": cats,
            "pii_counts": {c: count for c in cats},
            "occurred_at": when,
            "user_hash": users(_text(rec.get("login")) or None),
            "unknown_service": item is None,
        },
        context={"historical": True},
    )
    data = {
        "record_id": rid,
        "domain": domain,
        "service": item.service if item else None,
        "categories": cats,
        "matches": count,
        "unmapped_dlp_names": unmapped,
        "action": _text(rec.get("action"))[:20] or None,
        "app": _text(rec.get("appname"))[:60] or None,
        "occurred_at": when.isoformat(),
    }
    return event, data


# ── one delivery ──────────────────────────────────────────────────────────


def process(
    *,
    session: Session,
    org_id: str,
    integration_id: str,
    settings: Any,
    records: list[object],
) -> Delivery:
    """Store the new DLP-to-AI records of one delivery as Shadow AI events; count the rest."""
    out = Delivery()
    out.counts.pages = 1
    matcher = AiMatcher(session, org_id)
    users = UserHasher(session, org_id)  # one salt read for the whole delivery
    phrases = [" ".join(_words(p).split()) for p in settings.ai_categories]
    converted: list[tuple[ShadowEventIn, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, rec in enumerate(records):
        out.counts.fetched += 1
        if isinstance(rec, Unparsable):
            result: tuple[ShadowEventIn, dict[str, Any]] | str | None = rec.reason
        else:
            try:
                result = _convert(rec, matcher, users, phrases)
            except ValidationError as exc:
                # The field and the reason, never the input pydantic could echo.
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "record"
                result = f"record does not convert: {where}: {first['msg'][:120]}"
            except ValueError as exc:
                result = f"record does not convert: {str(exc).splitlines()[0][:120]}"
        if isinstance(result, str):
            out.rejected.append((index, result))
            out.counts.skip(f"#{index}: {result}")
        elif result is None:
            out.ignored += 1
        elif result[0].event_id in seen:
            out.duplicates.append(result[1]["record_id"])  # twice in one batch
        else:
            seen.add(result[0].event_id)
            converted.append(result)
    if converted:
        known = set(
            session.scalars(
                select(ShadowEvent.event_id).where(
                    ShadowEvent.org_id == org_id,
                    ShadowEvent.event_id.in_([e.event_id for e, _ in converted]),
                )
            )
        )
        fresh = [(e, d) for e, d in converted if e.event_id not in known]
        out.duplicates.extend(d["record_id"] for e, d in converted if e.event_id in known)
        if fresh:
            shadow.record_events(
                session=session, org_id=org_id, events=[e for e, _ in fresh], source=SOURCE
            )
            for _, data in fresh:
                signals.publish(
                    session=session,
                    org_id=org_id,
                    kind=SIGNAL,
                    data={**data, "integration_id": integration_id},
                )
                out.counts.signals[SIGNAL] += 1
                out.accepted.append(data["record_id"])
    out.counts.ingested = len(out.accepted)
    out.counts.duplicates = len(out.duplicates)
    return out
