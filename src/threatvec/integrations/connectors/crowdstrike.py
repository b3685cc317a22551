"""CrowdStrike Falcon Discover → AI runtimes and tools found on endpoints.

OAuth2 client credentials (``POST {base}/oauth2/token``) give a bearer token;
``GET /discover/queries/applications/v1`` (FQL filter on
``last_updated_timestamp``, sorted ascending, ``offset``/``limit``) lists
application ids, and ``GET /discover/entities/applications/v1?ids=…`` returns
them (name, vendor, version, host). An application whose name is a known AI
runtime or tool (``data/ai_runtimes.json``) becomes an
``integration.crowdstrike.ai_runtime`` signal; a tool with a cloud service
(Claude, ChatGPT, Cursor, …) is also recorded as a Shadow AI visit to that
service (source ``crowdstrike``), so it shows up in the Shadow AI panel.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from threatvec.integrations.connectors.ai_runtimes import match_runtime
from threatvec.integrations.connectors.base import SyncContext, TestContext
from threatvec.integrations.connectors.common import (
    iso,
    json_object,
    parse_time,
    shadow_event_id,
)
from threatvec.integrations.http import ConnectorError
from threatvec.shadow import service as shadow
from threatvec.shadow.schemas import ShadowEventIn

__all__ = ["SIGNAL_KINDS", "describe_cursor", "sync", "test"]

SIGNAL = "integration.crowdstrike.ai_runtime"
SIGNAL_KINDS: tuple[str, ...] = (SIGNAL,)
QUERY = "/discover/queries/applications/v1"
ENTITIES = "/discover/entities/applications/v1"
FIRST_LOOKBACK = timedelta(days=30)
MAX_SEEN = 5000


def token(ctx: TestContext | SyncContext) -> str:
    s = ctx.settings
    r = ctx.http.request(
        "POST",
        s.base_url + "/oauth2/token",
        data={"client_id": s.client_id, "client_secret": s.client_secret.get_secret_value()},
    )
    if r.status_code in (400, 401, 403):
        raise ConnectorError(
            f"CrowdStrike refused the API client credentials (HTTP {r.status_code})",
            status_code=r.status_code,
        )
    if r.status_code not in (200, 201):
        raise ConnectorError(f"POST /oauth2/token: HTTP {r.status_code}", status_code=r.status_code)
    body = ctx.http.json(r, "token reply")
    value = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(value, str) or not value:
        raise ConnectorError("token reply has no access_token")
    return value


def _get(ctx: TestContext | SyncContext, bearer: str, path: str, params: Any) -> dict[str, Any]:
    r = ctx.http.request(
        "GET",
        ctx.settings.base_url + path,
        params=params,
        headers={"Authorization": f"Bearer {bearer}"},
    )
    if r.status_code in (401, 403):
        raise ConnectorError(
            f"GET {path}: HTTP {r.status_code} (the API client needs Falcon Discover: read)",
            status_code=r.status_code,
        )
    if r.status_code != 200:
        raise ConnectorError(f"GET {path}: HTTP {r.status_code}", status_code=r.status_code)
    body = ctx.http.json(r, path)
    if not isinstance(body, dict) or not isinstance(body.get("resources", []), list):
        raise ConnectorError(f"GET {path}: reply has no resources list")
    return body


def test(ctx: TestContext) -> tuple[int | None, str]:
    bearer = token(ctx)
    _get(ctx, bearer, QUERY, {"limit": 1})
    return 200, "token issued and Falcon Discover applications readable"


def describe_cursor(cursor: dict[str, Any]) -> str | None:
    since = cursor.get("since")
    return f"applications updated after {since}" if isinstance(since, str) else None


def _handle(
    ctx: SyncContext, app: object, seen: list[str], visits: list[ShadowEventIn]
) -> str | None:
    """Publish an AI runtime; return the app's update time (ISO), or None when skipped."""
    if not isinstance(app, dict) or not isinstance(app.get("id"), str):
        ctx.counts.skip("application has no id")
        return None
    updated = parse_time(app.get("last_updated_timestamp"))
    if updated is None:
        ctx.counts.skip(f"application {app['id'][:40]} has no valid last_updated_timestamp")
        return None
    key = f"{app['id']}@{iso(updated)}"
    if key in seen:
        ctx.counts.duplicates += 1
        return iso(updated)
    seen.append(key)
    ctx.counts.fetched += 1
    rt = match_runtime(app.get("name"))
    if rt is None:
        return iso(updated)
    host = json_object(app.get("host"))
    ctx.publish(
        SIGNAL,
        {
            "runtime": rt.name,
            "category": rt.category,
            "app": str(app.get("name"))[:120],
            "vendor": str(app.get("vendor") or "")[:120] or None,
            "version": str(app.get("version") or "")[:60] or None,
            "hostname": str(host.get("hostname") or "")[:120] or None,
            "host_id": str(host.get("aid") or host.get("id") or "")[:64] or None,
            "platform": str(host.get("platform_name") or "")[:20] or None,
            "domain": rt.domain,
            "updated_at": iso(updated),
        },
    )
    ctx.counts.ingested += 1
    if rt.domain:
        visits.append(
            ShadowEventIn.model_validate(
                {
                    "event_id": shadow_event_id("crowdstrike", key),
                    "domain": rt.domain,
                    "event_type": "visit",
                    "occurred_at": min(updated, ctx.now),
                },
                context={"historical": True},
            )
        )
    return iso(updated)


def sync(ctx: SyncContext) -> None:
    s = ctx.settings
    bearer = token(ctx)
    stored_since, stored_offset = ctx.cursor.get("since"), ctx.cursor.get("offset")
    since = stored_since if isinstance(stored_since, str) else iso(ctx.now - FIRST_LOOKBACK)
    offset = stored_offset if isinstance(stored_offset, int) else 0
    seen: list[str] = [x for x in ctx.cursor.get("seen", []) if isinstance(x, str)]
    stored_newest = ctx.cursor.get("newest")
    newest = stored_newest if isinstance(stored_newest, str) else since
    while True:
        if ctx.counts.pages >= ctx.max_pages:
            ctx.counts.more = True
            return
        query = {
            "filter": f"last_updated_timestamp:>='{since}'",
            "sort": "last_updated_timestamp.asc",
            "limit": s.page_limit,
            "offset": offset,
        }
        ids = [
            i for i in _get(ctx, bearer, QUERY, query).get("resources", []) if isinstance(i, str)
        ]
        ctx.counts.pages += 1
        visits: list[ShadowEventIn] = []
        if ids:
            apps = _get(ctx, bearer, ENTITIES, [("ids", i) for i in ids]).get("resources", [])
            for app in apps:
                try:
                    when = _handle(ctx, app, seen, visits)
                except ValueError as exc:
                    ctx.counts.skip(
                        f"application does not convert: {str(exc).splitlines()[0][:120]}"
                    )
                    continue
                if when and when > newest:
                    newest = when
        if visits:
            shadow.record_events(
                session=ctx.session, org_id=ctx.org_id, events=visits, source="crowdstrike"
            )
        offset += len(ids)
        done = len(ids) < s.page_limit
        ctx.cursor.update(
            {
                "since": newest if done else since,
                "offset": 0 if done else offset,
                "newest": newest,
                "seen": seen[-MAX_SEEN:],
            }
        )
        ctx.checkpoint()
        if done:
            return
