"""Netskope REST API v2 DLP alerts → Shadow AI PII events (CASB PII signals).

``GET {base}/api/v2/events/data/alert?type=dlp&starttime=…&endtime=…&limit=…&offset=…``
with the ``Netskope-Api-Token`` header; times are epoch seconds, the reply is
``{"ok": 1, "result": [...]}``. A window [start, end] is read page by page
(offset), checkpointed after each page; the next window starts at this end.

Only alerts to AI services count: the destination host (or the app name) is
in the AI service catalog, or Netskope's app category says generative AI.
Each becomes a Shadow AI ``upload``/``submit`` event (source ``netskope``)
with the PII *categories* its DLP profile and rule names map to and the match
count; file names, URLs' paths and matched values are never read into it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from threatvec.core.clock import utcnow
from threatvec.integrations.connectors.base import SyncContext, TestContext
from threatvec.integrations.connectors.common import (
    AiMatcher,
    UserHasher,
    convert_records,
    host_of,
    parse_time,
    shadow_event_id,
)
from threatvec.integrations.connectors.pii_map import categories_for
from threatvec.integrations.http import ConnectorError
from threatvec.shadow import service as shadow
from threatvec.shadow.models import ShadowEvent
from threatvec.shadow.schemas import MAX_COUNT, ShadowEventIn

__all__ = ["SIGNAL_KINDS", "describe_cursor", "sync", "test"]

SIGNAL = "integration.netskope.dlp_to_ai"
SIGNAL_KINDS: tuple[str, ...] = (SIGNAL,)
PATH = "/api/v2/events/data/alert"
PROFILE_FIELDS = ("dlp_profile", "dlp_profile_name", "dlp_rule", "dlp_rule_name")
AI_CATEGORY_WORDS = ("generative ai", "artificial intelligence", "genai")


def _headers(ctx: TestContext | SyncContext) -> dict[str, str]:
    return {
        "Netskope-Api-Token": ctx.settings.api_token.get_secret_value(),
        "Accept": "application/json",
    }


def _fetch(ctx: TestContext | SyncContext, params: dict[str, Any]) -> list[Any]:
    r = ctx.http.request("GET", ctx.settings.base_url + PATH, params=params, headers=_headers(ctx))
    if r.status_code in (401, 403):
        raise ConnectorError(
            f"Netskope refused the API token (HTTP {r.status_code})", status_code=r.status_code
        )
    if r.status_code != 200:
        raise ConnectorError(f"GET {PATH}: HTTP {r.status_code}", status_code=r.status_code)
    body = ctx.http.json(r, "alert page")
    if not isinstance(body, dict):
        raise ConnectorError("alert page is not a JSON object")
    if body.get("ok") == 0:
        raise ConnectorError("Netskope answered ok=0 (check the token's scopes)")
    records = body.get("result", body.get("data", []))
    if not isinstance(records, list):
        raise ConnectorError("alert page has no result list")
    return records


def test(ctx: TestContext) -> tuple[int | None, str]:
    now = int(utcnow().timestamp())
    _fetch(
        ctx, {"type": ctx.settings.alert_type, "starttime": now - 300, "endtime": now, "limit": 1}
    )
    return 200, "alerts readable with this token"


def describe_cursor(cursor: dict[str, Any]) -> str | None:
    window = cursor.get("window")
    if isinstance(window, list) and len(window) == 2:
        return f"alerts in window {window[0]}–{window[1]} from offset {cursor.get('offset', 0)}"
    since = cursor.get("since")
    return f"alerts since epoch {since}" if isinstance(since, int) else None


def _names(rec: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for field in PROFILE_FIELDS:
        value = rec.get(field)
        values = value if isinstance(value, list) else [value]
        out.extend(v for v in values if isinstance(v, str) and v.strip())
    return out


def _event_type(activity: object) -> str:
    text = activity.lower() if isinstance(activity, str) else ""
    if "upload" in text or "attach" in text:
        return "upload"
    if "paste" in text:
        return "paste"
    return "submit"


def _convert(
    ctx: SyncContext, rec: object, matcher: AiMatcher, users: UserHasher
) -> tuple[ShadowEventIn, dict[str, Any]] | str | None:
    """(event, signal data), a skip reason (malformed), or None (not DLP to an AI service)."""
    if not isinstance(rec, dict):
        return "alert is not an object"
    rid = rec.get("_id") or rec.get("id")
    if not isinstance(rid, str) or not 1 <= len(rid) <= 100:
        return "alert has no _id"
    when = parse_time(rec.get("timestamp"))
    if when is None:
        return f"alert {rid[:40]} has no valid timestamp"
    alert_type = rec.get("alert_type")
    if isinstance(alert_type, str) and alert_type.lower() != ctx.settings.alert_type:
        return None
    host = host_of(rec.get("url")) or host_of(rec.get("domain"))
    item = matcher.by_host(host) or matcher.by_name(rec.get("app"))
    category = str(rec.get("appcategory") or "").lower()
    if item is None and not any(w in category for w in AI_CATEGORY_WORDS):
        return None
    domain = item.domain if item else host
    if domain is None:
        return f"alert {rid[:40]} names no destination host"
    cats, unmapped = categories_for(_names(rec))
    raw_count = rec.get("dlp_rule_count")
    count = raw_count if isinstance(raw_count, int) and not isinstance(raw_count, bool) else 1
    count = max(1, min(count, MAX_COUNT))
    event = ShadowEventIn.model_validate(
        {
            "event_id": shadow_event_id("netskope", rid),
            "domain": domain,
            "event_type": _event_type(rec.get("activity")),
            "pii_categories": cats,
            "pii_counts": {c: count for c in cats},
            "occurred_at": when,
            "user_hash": users(rec.get("user")),
            "unknown_service": item is None,
        },
        context={"historical": True},
    )
    data = {
        "alert_id": rid[:100],
        "domain": domain,
        "service": item.service if item else None,
        "categories": cats,
        "matches": count,
        "unmapped_profiles": unmapped,
        "action": str(rec.get("action") or "")[:20] or None,
        "activity": str(rec.get("activity") or "")[:40] or None,
        "occurred_at": when.isoformat(),
    }
    return event, data


def _process(ctx: SyncContext, records: list[Any], matcher: AiMatcher, users: UserHasher) -> None:
    converted = convert_records(
        records, lambda rec: _convert(ctx, rec, matcher, users), ctx.counts, "alert"
    )
    if not converted:
        return
    ids = [e.event_id for e, _ in converted]
    known = set(
        ctx.session.scalars(
            select(ShadowEvent.event_id).where(
                ShadowEvent.org_id == ctx.org_id, ShadowEvent.event_id.in_(ids)
            )
        )
    )
    fresh = [(e, d) for e, d in converted if e.event_id not in known]
    ctx.counts.duplicates += len(converted) - len(fresh)
    if not fresh:
        return
    shadow.record_events(
        session=ctx.session, org_id=ctx.org_id, events=[e for e, _ in fresh], source="netskope"
    )
    for _, data in fresh:
        ctx.publish(SIGNAL, data)
        ctx.counts.ingested += 1


def sync(ctx: SyncContext) -> None:
    s = ctx.settings
    matcher = AiMatcher(ctx.session, ctx.org_id)
    users = UserHasher(ctx.session, ctx.org_id)
    window = ctx.cursor.get("window")
    if isinstance(window, list) and len(window) == 2 and all(isinstance(x, int) for x in window):
        start, end = window
        stored_offset = ctx.cursor.get("offset")
        offset = stored_offset if isinstance(stored_offset, int) else 0
    else:
        since = ctx.cursor.get("since")
        start = (
            since
            if isinstance(since, int)
            else int((ctx.now - timedelta(hours=s.lookback_hours)).timestamp())
        )
        end = int(ctx.now.timestamp()) - s.lag_seconds
        offset = 0
        if end <= start:
            return
    while True:
        if ctx.counts.pages >= ctx.max_pages:
            ctx.counts.more = True
            return
        params = {
            "type": s.alert_type,
            "starttime": start,
            "endtime": end,
            "limit": s.page_limit,
            "offset": offset,
        }
        records = _fetch(ctx, params)
        ctx.counts.pages += 1
        _process(ctx, records, matcher, users)
        offset += len(records)
        if len(records) < s.page_limit:
            # The window is done; the next one starts at its end (a record on the
            # boundary second is read twice and dropped as a duplicate).
            ctx.cursor.clear()
            ctx.cursor["since"] = end
            ctx.checkpoint()
            return
        ctx.cursor.update({"window": [start, end], "offset": offset})
        ctx.checkpoint()
