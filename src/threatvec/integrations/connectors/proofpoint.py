"""Proofpoint TAP SIEM API → email threat signals, correlated with AI services and lures.

``GET {base}/v2/siem/all?format=json&interval=<start>/<end>`` with HTTP Basic
(service principal : secret). The API serves at most one hour per call and
at most twelve hours back, without paging; a 204 means nothing happened.
Windows are read in order and the end of the last complete one is the
checkpoint; ids seen near the boundary are remembered so a record is never
published twice.

Every message (blocked or delivered) and click (blocked or permitted) becomes
``integration.proofpoint.<message_blocked|message_delivered|click_blocked|click_permitted>``
with its classifications and threat types. ``ai_related`` is set when a threat
URL or clicked URL is an AI service in the catalog, or the subject names an AI
tool (a common lure); the signal carries the matched names, never the subject.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from threatvec.integrations.connectors.base import SyncContext, TestContext
from threatvec.integrations.connectors.common import AiMatcher, host_of, iso, parse_time
from threatvec.integrations.http import ConnectorError

__all__ = ["SIGNAL_KINDS", "describe_cursor", "sync", "test"]

PREFIX = "integration.proofpoint."
PATH = "/v2/siem/all"
LISTS = {
    "messagesBlocked": "message_blocked",
    "messagesDelivered": "message_delivered",
    "clicksBlocked": "click_blocked",
    "clicksPermitted": "click_permitted",
}
SIGNAL_KINDS = tuple(PREFIX + v for v in LISTS.values())
WINDOW = timedelta(hours=1)
MAX_BACK = timedelta(hours=12) - timedelta(minutes=5)  # a margin inside the API's limit
SETTLE = timedelta(minutes=1)  # stay behind the API's clock, which rounds to the minute
MAX_RECENT = 5000
# Lure words beyond the catalog's service names: what phishing about AI tools says.
LURE_TERMS = (
    "chatgpt",
    "openai",
    "copilot",
    "gemini",
    "claude",
    "anthropic",
    "ai assistant",
    "gpt 4",
)


def _auth(ctx: TestContext | SyncContext) -> tuple[str, str]:
    return ctx.settings.service_principal, ctx.settings.service_secret.get_secret_value()


def _fetch(ctx: TestContext | SyncContext, params: dict[str, Any]) -> dict[str, Any]:
    r = ctx.http.request("GET", ctx.settings.base_url + PATH, params=params, auth=_auth(ctx))
    if r.status_code == 204:
        return {}
    if r.status_code in (401, 403):
        raise ConnectorError(
            f"Proofpoint refused the service credentials (HTTP {r.status_code})",
            status_code=r.status_code,
        )
    if r.status_code != 200:
        raise ConnectorError(f"GET {PATH}: HTTP {r.status_code}", status_code=r.status_code)
    body = ctx.http.json(r, "SIEM reply")
    if not isinstance(body, dict):
        raise ConnectorError("SIEM reply is not a JSON object")
    return body


def test(ctx: TestContext) -> tuple[int | None, str]:
    _fetch(ctx, {"format": "json", "sinceSeconds": 60})
    return 200, "SIEM API readable with these credentials"


def describe_cursor(cursor: dict[str, Any]) -> str | None:
    until = cursor.get("until")
    return f"events after {until}" if isinstance(until, str) else None


def _interval(start: datetime, end: datetime) -> str:
    return f"{start.strftime('%Y-%m-%dT%H:%M:%SZ')}/{end.strftime('%Y-%m-%dT%H:%M:%SZ')}"


def _str_list(value: object, limit: int = 20) -> list[str]:
    if not isinstance(value, list):
        return []
    return [v[:60] for v in value if isinstance(v, str) and v][:limit]


def _sender_domain(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or "@" not in value:
        return None
    return host_of(value.rsplit("@", 1)[1].strip(" >"))


def _message(rec: dict[str, Any], matcher: AiMatcher) -> tuple[str, dict[str, Any]] | str:
    guid = rec.get("GUID")
    if not isinstance(guid, str) or not 1 <= len(guid) <= 100:
        return "message has no GUID"
    when = parse_time(rec.get("messageTime"))
    if when is None:
        return f"message {guid[:40]} has no valid messageTime"
    threats = [t for t in rec.get("threatsInfoMap") or [] if isinstance(t, dict)]
    hosts = [
        host_of(t.get("threat")) for t in threats if str(t.get("threatType", "")).lower() == "url"
    ]
    services = sorted({i.service for h in hosts if (i := matcher.by_host(h))})
    lures = matcher.terms_in(rec.get("subject"), LURE_TERMS)
    recipients = rec.get("recipient")
    return "m:" + guid, {
        "message_guid": guid,
        "time": iso(when),
        "classifications": sorted(
            {str(t.get("classification", "")).lower()[:20] for t in threats} - {""}
        ),
        "threat_types": sorted({str(t.get("threatType", "")).lower()[:20] for t in threats} - {""}),
        "threat_ids": [str(t.get("threatID"))[:80] for t in threats if t.get("threatID")][:10],
        "sender_domain": _sender_domain(rec.get("fromAddress") or rec.get("sender")),
        "recipients": len(recipients) if isinstance(recipients, list) else int(bool(recipients)),
        "phish_score": rec.get("phishScore") if isinstance(rec.get("phishScore"), int) else None,
        "ai_services": services,
        "ai_lure_terms": lures,
        "ai_related": bool(services or lures),
    }


def _click(rec: dict[str, Any], matcher: AiMatcher) -> tuple[str, dict[str, Any]] | str:
    cid = rec.get("id") or rec.get("GUID")
    if not isinstance(cid, str) or not 1 <= len(cid) <= 100:
        return "click has no id"
    when = parse_time(rec.get("clickTime"))
    if when is None:
        return f"click {cid[:40]} has no valid clickTime"
    host = host_of(rec.get("url"))
    item = matcher.by_host(host)
    recipient = rec.get("recipient")
    return "c:" + cid, {
        "click_id": cid,
        "message_guid": str(rec.get("GUID") or "")[:100] or None,
        "time": iso(when),
        "classification": str(rec.get("classification") or "").lower()[:20] or None,
        "threat_id": str(rec.get("threatID") or "")[:80] or None,
        "url_host": host,
        "recipient": recipient[:200] if isinstance(recipient, str) else None,
        "ai_services": [item.service] if item else [],
        "ai_lure_terms": [],
        "ai_related": item is not None,
    }


def _window(
    ctx: SyncContext, start: datetime, end: datetime, matcher: AiMatcher, recent: list[str]
) -> None:
    body = _fetch(ctx, {"format": "json", "interval": _interval(start, end)})
    seen = set(recent)
    for list_name, suffix in LISTS.items():
        records = body.get(list_name) or []
        if not isinstance(records, list):
            ctx.counts.skip(f"{list_name} is not a list")
            continue
        for rec in records:
            ctx.counts.fetched += 1
            if not isinstance(rec, dict):
                ctx.counts.skip(f"{list_name} entry is not an object")
                continue
            out = (
                _message(rec, matcher) if list_name.startswith("messages") else _click(rec, matcher)
            )
            if isinstance(out, str):
                ctx.counts.skip(out)
                continue
            key, data = out
            key = f"{suffix}:{key}"
            if key in seen:
                ctx.counts.duplicates += 1
                continue
            seen.add(key)
            recent.append(key)
            ctx.publish(PREFIX + suffix, data)
            ctx.counts.ingested += 1


def sync(ctx: SyncContext) -> None:
    matcher = AiMatcher(ctx.session, ctx.org_id)
    horizon = ctx.now - SETTLE
    oldest = ctx.now - MAX_BACK
    until = parse_time(ctx.cursor.get("until"))
    start = until or ctx.now - timedelta(hours=ctx.settings.lookback_hours)
    if start < oldest:
        ctx.counts.reasons.append(f"gap: data before {iso(oldest)} is no longer served by the API")
        start = oldest
    start = start.replace(microsecond=0)
    recent: list[str] = [x for x in ctx.cursor.get("recent", []) if isinstance(x, str)]
    while horizon - start >= timedelta(seconds=30):  # the API's minimum interval
        if ctx.counts.pages >= ctx.max_pages:
            ctx.counts.more = True
            return
        end = min(start + WINDOW, horizon).replace(microsecond=0)
        _window(ctx, start, end, matcher, recent)
        ctx.counts.pages += 1
        ctx.cursor["until"] = iso(end)
        ctx.cursor["recent"] = recent[-MAX_RECENT:]
        ctx.checkpoint()
        start = end
