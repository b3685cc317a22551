"""Okta System Log API → auth anomaly signals and sign-ins to AI apps.

Reads ``GET {base}/api/v1/logs?since=…&sortOrder=ASCENDING&limit=…`` with
``Authorization: SSWS <token>`` and follows the ``Link: <…>; rel="next"``
header. Okta always sends a next link when polling; a short page means we are
caught up. The checkpoint is the ``published`` time of the last event plus
the uuids already seen at that instant (``since`` is inclusive).

What becomes a signal (``integration.okta.*``):

- ``threat_detected``   ``security.threat.detected`` (ThreatInsight)
- ``mfa_failure``       ``user.authentication.auth_via_mfa`` that failed or was denied
- ``sign_on_denied``    ``policy.evaluate_sign_on`` with outcome DENY
- ``account_locked``    ``user.account.lock``
- ``failed_login_burst`` ``failure_burst`` failed ``user.session.start`` by one user
  within ``burst_window_minutes`` (state kept in the checkpoint, across runs)
- ``ai_app_sign_in``    a successful SSO (``user.authentication.sso``) into an app whose
  name or URL is in the AI service catalog; it is also recorded as a Shadow AI
  visit to that service (pseudonymous user, source ``okta``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from threatvec.integrations.connectors.base import SyncContext, TestContext
from threatvec.integrations.connectors.common import (
    AiMatcher,
    UserHasher,
    host_of,
    iso,
    json_object,
    parse_time,
    shadow_event_id,
)
from threatvec.integrations.http import ConnectorError, origin
from threatvec.shadow import service as shadow
from threatvec.shadow.schemas import ShadowEventIn

__all__ = ["SIGNAL_KINDS", "describe_cursor", "sync", "test"]

PREFIX = "integration.okta."
SIGNAL_KINDS = tuple(
    PREFIX + k
    for k in (
        "threat_detected",
        "mfa_failure",
        "sign_on_denied",
        "account_locked",
        "failed_login_burst",
        "ai_app_sign_in",
    )
)
MAX_SEEN = 1000
MAX_TRACKED_USERS = 2000
FAILED = {"FAILURE", "DENY"}


def _headers(ctx: TestContext | SyncContext) -> dict[str, str]:
    token = ctx.settings.api_token.get_secret_value()
    return {"Authorization": f"SSWS {token}", "Accept": "application/json"}


def _check(status: int, what: str) -> None:
    if status in (401, 403):
        raise ConnectorError(
            f"Okta refused the API token ({what}: HTTP {status})", status_code=status
        )
    if status != 200:
        raise ConnectorError(f"{what}: HTTP {status}", status_code=status)


def test(ctx: TestContext) -> tuple[int | None, str]:
    url = f"{ctx.settings.base_url}/api/v1/logs"
    r = ctx.http.request("GET", url, params={"limit": 1}, headers=_headers(ctx))
    _check(r.status_code, "GET /api/v1/logs")
    return r.status_code, "System Log readable with this token"


def describe_cursor(cursor: dict[str, Any]) -> str | None:
    since = cursor.get("since")
    return f"events since {since}" if isinstance(since, str) else None


def _text(value: object, limit: int = 200) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _base_data(ev: dict[str, Any]) -> dict[str, Any]:
    actor = json_object(ev.get("actor"))
    client = json_object(ev.get("client"))
    geo = json_object(client.get("geographicalContext"))
    outcome = json_object(ev.get("outcome"))
    return {
        "event_id": ev["uuid"],
        "event_type": ev["eventType"],
        "published": ev["published"],
        "user": _text(actor.get("alternateId")),
        "ip": _text(client.get("ipAddress"), 64),
        "country": _text(geo.get("country"), 64),
        "outcome": _text(outcome.get("result"), 20),
        "reason": _text(outcome.get("reason")),
        "severity": _text(ev.get("severity"), 10),
    }


def _user_key(ev: dict[str, Any], users: UserHasher) -> str | None:
    """The org's salted pseudonym: the cursor is stored, and a bare hash of an address
    is undone with the staff list."""
    actor = ev.get("actor")
    who = actor.get("alternateId") or actor.get("id") if isinstance(actor, dict) else None
    return users(who) if isinstance(who, str) and who else None


def _burst(ctx: SyncContext, ev: dict[str, Any], when: datetime, users: UserHasher) -> bool:
    """Track failed sign-ins per user; True when this one completes a burst."""
    key = _user_key(ev, users)
    if key is None:
        return False
    window = timedelta(minutes=ctx.settings.burst_window_minutes)
    failures: dict[str, list[str]] = ctx.cursor.setdefault("failures", {})
    # Keys of the old unsalted form (24 hex characters) go; their bursts start afresh.
    for stale in [k for k in failures if len(k) != 64]:
        failures.pop(stale)
    recent = [t for t in failures.get(key, []) if (p := parse_time(t)) and when - p < window]
    recent.append(iso(when))
    if len(recent) >= ctx.settings.failure_burst:
        failures.pop(key, None)  # one signal per burst; the next burst starts afresh
        return True
    failures[key] = recent
    if len(failures) > MAX_TRACKED_USERS:
        for old in sorted(failures, key=lambda k: failures[k][-1])[
            : len(failures) - MAX_TRACKED_USERS
        ]:
            failures.pop(old)
    return False


def _ai_app(ev: dict[str, Any], matcher: AiMatcher) -> Any:
    for target in ev.get("target") or []:
        if not isinstance(target, dict) or target.get("type") not in ("AppInstance", "AppUser"):
            continue
        for field in ("alternateId", "displayName"):
            value = target.get(field)
            item = (
                matcher.by_host(host_of(value)) if isinstance(value, str) and "." in value else None
            )
            item = item or matcher.by_name(value)
            if item is not None:
                return item
    return None


def _handle(
    ctx: SyncContext,
    ev: dict[str, Any],
    when: datetime,
    matcher: AiMatcher,
    users: UserHasher,
    visits: list[ShadowEventIn],
) -> bool:
    """Publish what this event means; True when it produced a signal."""
    etype: str = ev["eventType"]
    outcome = json_object(ev.get("outcome"))
    result = str(outcome.get("result") or "").upper()
    kind: str | None = None
    extra: dict[str, Any] = {}
    if etype == "security.threat.detected":
        kind = "threat_detected"
    elif etype == "user.authentication.auth_via_mfa" and result in FAILED:
        kind = "mfa_failure"
    elif etype == "policy.evaluate_sign_on" and result == "DENY":
        kind = "sign_on_denied"
    elif etype == "user.account.lock":
        kind = "account_locked"
    elif etype == "user.session.start" and result in FAILED:
        if _burst(ctx, ev, when, users):
            kind = "failed_login_burst"
            extra = {
                "failures": ctx.settings.failure_burst,
                "window_minutes": ctx.settings.burst_window_minutes,
            }
    elif etype == "user.authentication.sso" and result in ("SUCCESS", "ALLOW"):
        item = _ai_app(ev, matcher)
        if item is not None:
            kind = "ai_app_sign_in"
            extra = {"service": item.service, "domain": item.domain, "vendor": item.vendor}
            actor = json_object(ev.get("actor"))
            visits.append(
                ShadowEventIn.model_validate(
                    {
                        "event_id": shadow_event_id("okta", ev["uuid"]),
                        "domain": item.domain,
                        "event_type": "visit",
                        "occurred_at": when,
                        "user_hash": users(actor.get("alternateId")),
                    },
                    context={"historical": True},
                )
            )
    if kind is None:
        return False
    ctx.publish(PREFIX + kind, {**_base_data(ev), **extra})
    return True


def _valid(ev: object) -> tuple[dict[str, Any], datetime] | str:
    if not isinstance(ev, dict):
        return "event is not an object"
    if not isinstance(ev.get("uuid"), str) or not 1 <= len(ev["uuid"]) <= 64:
        return "event has no uuid"
    if not isinstance(ev.get("eventType"), str) or not ev["eventType"]:
        return f"event {ev['uuid'][:40]} has no eventType"
    when = parse_time(ev.get("published"))
    if when is None:
        return f"event {ev['uuid'][:40]} has no valid published time"
    return ev, when


def sync(ctx: SyncContext) -> None:
    s = ctx.settings
    since = parse_time(ctx.cursor.get("since")) or ctx.now - timedelta(hours=s.lookback_hours)
    seen: list[str] = [x for x in ctx.cursor.get("seen", []) if isinstance(x, str)]
    matcher = AiMatcher(ctx.session, ctx.org_id)
    users = UserHasher(ctx.session, ctx.org_id)
    base_origin = origin(s.base_url)
    url: str | None = f"{s.base_url}/api/v1/logs"
    params: dict[str, Any] | None = {
        "since": iso(since),
        "sortOrder": "ASCENDING",
        "limit": s.page_limit,
    }
    while url:
        if ctx.counts.pages >= ctx.max_pages:
            ctx.counts.more = True
            return
        r = ctx.http.request("GET", url, params=params, headers=_headers(ctx))
        _check(r.status_code, "GET /api/v1/logs")
        page = ctx.http.json(r, "System Log page")
        if not isinstance(page, list):
            raise ConnectorError("System Log page is not a JSON array")
        ctx.counts.pages += 1
        visits: list[ShadowEventIn] = []
        seen_set = set(seen)
        for raw in page:
            checked = _valid(raw)
            if isinstance(checked, str):
                ctx.counts.skip(checked)
                continue
            ev, when = checked
            if when < since or (when == since and ev["uuid"] in seen_set):
                ctx.counts.duplicates += 1
                continue
            ctx.counts.fetched += 1
            try:
                if _handle(ctx, ev, when, matcher, users, visits):
                    ctx.counts.ingested += 1
            except ValueError as exc:
                ctx.counts.skip(f"event {ev['uuid'][:40]}: {str(exc)[:120]}")
            if when > since:
                since, seen = when, [ev["uuid"]]
            else:
                seen.append(ev["uuid"])
            seen_set.add(ev["uuid"])
        if visits:
            shadow.record_events(
                session=ctx.session, org_id=ctx.org_id, events=visits, source="okta"
            )
        ctx.cursor["since"] = iso(since)
        ctx.cursor["seen"] = seen[-MAX_SEEN:]
        ctx.checkpoint()
        if len(page) < s.page_limit:
            return
        nxt = r.links.get("next", {}).get("url")
        if nxt and origin(nxt) != base_origin:
            # The token goes only to the configured Okta org, never to a host a reply names.
            raise ConnectorError("Okta's next link points outside the configured base URL")
        url, params = nxt, None
