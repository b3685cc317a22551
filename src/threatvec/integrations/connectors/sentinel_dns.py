"""Microsoft Sentinel DNS queries to AI services → Shadow AI visits (pull).

An Entra ID token (client credentials, scope ``https://api.loganalytics.io/.default``),
then ``POST {query_url}/v1/workspaces/{workspace}/query`` with ``{"query": KQL}``;
the reply is ``{"tables": [{"columns": [{"name", "type"}], "rows": [[...]]}]}``.

The query filters to the AI service catalog's domains in the workspace
(``has_any``, so subdomains count) and summarises there: one row per domain,
client and clock hour, with the query count and the first and last time. Each
row becomes one Shadow AI ``visit`` (source ``sentinel-dns``): a visit is one
client's lookups of one domain within a clock hour. Its id is derived from the
hour, the domain and the client, never from the window that read it, so data
read again (a lost checkpoint) is never counted twice, and a window never
splits an hour. The client (user name, else host name, else IP) is kept only as
the org's salted pseudonym; the DNS answer is never read.

Windows of ``dns_window_hours`` whole clock hours are read oldest first, up
to the last hour that ended ``dns_lag_seconds`` ago, and checkpointed one by
one (cursor ``dns_since``, epoch seconds). A reply that fills
``dns_row_limit`` may be cut short, so that window is read again in 2, 4, …
parts by a hash of the client (``hash(Client, n) == i``), up to 64 parts. A
part that comes back whole is stored at once; a run that reaches its page
budget mid-window saves the split and the next part (``dns_parts``,
``dns_part_next``), and the next run goes on from there instead of starting
the window over (a window needing more queries than one run may make would
otherwise never be finished).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from threatvec.integrations.connectors.base import SyncContext, TestContext
from threatvec.integrations.connectors.common import (
    AiMatcher,
    UserHasher,
    convert_records,
    host_of,
    parse_time,
    shadow_event_id,
)
from threatvec.integrations.connectors.entra import token
from threatvec.integrations.http import ConnectorError
from threatvec.shadow import catalog as shadow_catalog
from threatvec.shadow import service as shadow
from threatvec.shadow.schemas import ShadowEventIn

__all__ = ["SOURCE", "describe_cursor", "query_text", "sync", "test"]

SCOPE = "https://api.loganalytics.io/.default"
SOURCE = "sentinel-dns"
HOUR_S = 3600
MAX_PARTS = 64
COLUMNS = ("Domain", "Client", "Queries", "FirstSeen", "LastSeen")
# Where each source keeps the queried name and who asked (first non-empty wins).
_SOURCES = {
    "asim": (
        "_Im_Dns(starttime={start}, endtime={end}, domain_has_any=ai)",
        "DnsQuery",
        "coalesce(SrcUsername, SrcHostname, SrcIpAddr)",
    ),
    "dnsevents": (
        'DnsEvents | where SubType == "LookupQuery" | where Name has_any (ai)',
        "Name",
        "ClientIP",
    ),
}


def _kql_time(when: datetime) -> str:
    return f"datetime({when.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')})"


def query_text(
    source: str,
    domains: list[str],
    start: datetime,
    end: datetime,
    limit: int,
    part: tuple[int, int] = (0, 1),
) -> str:
    """The KQL for one window: AI domains only, summarised per domain, client and hour.

    ``part`` (i, n) keeps the clients whose ``hash(Client, n)`` is i: the rows of
    one window, split without splitting an hour.
    """
    # Catalog domains match DOMAIN_RE (letters, digits, '-', '.'): nothing to escape.
    safe = [d for d in domains if shadow_catalog.DOMAIN_RE.match(d)]
    table, name_col, client_col = _SOURCES[source]
    lo, hi = _kql_time(start), _kql_time(end)
    return "\n".join(
        [
            "let ai = dynamic([" + ", ".join(f'"{d}"' for d in safe) + "]);",
            table.format(start=lo, end=hi),
            f"| where TimeGenerated >= {lo} and TimeGenerated < {hi}",
            f"| extend Client = tostring({client_col})",
            *([f"| where hash(Client, {part[1]}) == {part[0]}"] if part[1] > 1 else []),
            "| summarize Queries = count(), FirstSeen = min(TimeGenerated),"
            f" LastSeen = max(TimeGenerated) by Domain = tolower(tostring({name_col})), Client,"
            " Hour = bin(TimeGenerated, 1h)",
            f"| take {limit}",
        ]
    )


def _token(ctx: TestContext | SyncContext) -> str:
    return token(ctx, SCOPE)


def _query(ctx: TestContext | SyncContext, bearer: str, kql: str) -> list[dict[str, Any]]:
    s = ctx.settings
    r = ctx.http.request(
        "POST",
        f"{s.query_url}/v1/workspaces/{s.dns_workspace_id}/query",
        json={"query": kql},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    if r.status_code in (401, 403):
        raise ConnectorError(
            f"the workspace refused the token (HTTP {r.status_code}); grant the app "
            "'Log Analytics Reader' on the workspace",
            status_code=r.status_code,
        )
    if r.status_code == 404:
        raise ConnectorError("no such Log Analytics workspace (HTTP 404)", status_code=404)
    if r.status_code == 400:
        body = ctx.http.json(r, "query error") if r.content else None
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        hint = " (is the ASIM _Im_Dns parser deployed? try dns_source=dnsevents)"
        code_text = f", {str(code)[:60]}" if code else ""
        raise ConnectorError(
            f"the workspace rejected the DNS query (HTTP 400{code_text})"
            + (hint if s.dns_source == "asim" else ""),
            status_code=400,
        )
    if r.status_code != 200:
        raise ConnectorError(
            f"Log Analytics query: HTTP {r.status_code}", status_code=r.status_code
        )
    body = ctx.http.json(r, "query reply")
    tables = body.get("tables") if isinstance(body, dict) else None
    if not isinstance(tables, list) or not tables or not isinstance(tables[0], dict):
        raise ConnectorError("query reply has no tables")
    if isinstance(body.get("error"), dict):
        # A partial result (e.g. a workspace in the query timed out) must not move the cursor.
        raise ConnectorError("the workspace answered with a partial result; retried next run")
    columns = tables[0].get("columns")
    rows = tables[0].get("rows")
    if not isinstance(columns, list) or not isinstance(rows, list):
        raise ConnectorError("query reply's table has no columns or rows")
    # A column without a name gets "" (never one of COLUMNS, so never read).
    names = [str(c.get("name") or "") if isinstance(c, dict) else "" for c in columns]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ConnectorError(f"query reply lacks the columns {', '.join(missing)}")
    return [dict(zip(names, row, strict=False)) for row in rows if isinstance(row, list)]


def test(ctx: TestContext) -> str:
    """Read the last five minutes: proves the token, the workspace and the DNS source."""
    end = datetime.now(UTC)
    kql = query_text(ctx.settings.dns_source, ["openai.com"], end - timedelta(minutes=5), end, 1)
    _query(ctx, _token(ctx), kql)
    return f"the workspace answered a DNS query ({ctx.settings.dns_source})"


def describe_cursor(cursor: dict[str, Any]) -> str | None:
    since = cursor.get("dns_since")
    if not isinstance(since, int):
        return None
    return f"DNS queries after {datetime.fromtimestamp(since, UTC).strftime('%Y-%m-%d %H:%M UTC')}"


def _convert(
    row: dict[str, Any], matcher: AiMatcher, users: UserHasher
) -> ShadowEventIn | str | None:
    """The event, a skip reason (malformed), or None (not an AI service after all)."""
    host = host_of(row.get("Domain"))
    if host is None:
        return f"row has no valid domain ({str(row.get('Domain'))[:60]!r})"
    item = matcher.by_host(host)
    if item is None:
        return None  # has_any matches terms: "openai.com.evil.test" is not OpenAI
    first = parse_time(row.get("FirstSeen"))
    if first is None:
        return f"row for {host} has no valid FirstSeen"
    queries = row.get("Queries")
    if isinstance(queries, bool) or not isinstance(queries, int) or queries < 1:
        return f"row for {host} has no valid query count"
    hour = first.astimezone(UTC).strftime("%Y-%m-%dT%H")
    client = row.get("Client")
    client = client.strip() if isinstance(client, str) else ""
    return ShadowEventIn.model_validate(
        {
            "event_id": shadow_event_id(SOURCE, f"{hour}|{host}|{client.lower()}"),
            "domain": host,
            "event_type": "visit",
            "occurred_at": first,
            "user_hash": users(client or None),
            "signals": {"dns_queries": queries},
        },
        context={"historical": True},
    )


def _store(
    ctx: SyncContext, rows: list[dict[str, Any]], matcher: AiMatcher, users: UserHasher
) -> None:
    events = convert_records(rows, lambda row: _convert(row, matcher, users), ctx.counts, "DNS row")
    if events:
        result = shadow.record_events(
            session=ctx.session, org_id=ctx.org_id, events=events, source=SOURCE
        )
        ctx.counts.ingested += result.accepted
        ctx.counts.duplicates += result.duplicates


def _hour_floor(epoch: int) -> int:
    return epoch - epoch % HOUR_S


def sync(ctx: SyncContext) -> None:
    s = ctx.settings
    matcher = AiMatcher(ctx.session, ctx.org_id)
    users = UserHasher(ctx.session, ctx.org_id)
    domains = [item.domain for item in matcher.catalog.items()]
    since = ctx.cursor.get("dns_since")
    start = (
        since
        if isinstance(since, int) and not isinstance(since, bool)
        else int((ctx.now - timedelta(hours=s.dns_lookback_hours)).timestamp())
    )
    # Whole clock hours only, so an hour is never split between two reads (a
    # visit is one client's lookups of a domain in an hour: a split hour would
    # lose the second part's count as a duplicate).
    start = _hour_floor(start)
    until = _hour_floor(int(ctx.now.timestamp()) - s.dns_lag_seconds)
    span = s.dns_window_hours * HOUR_S
    bearer: str | None = None
    # A window that needed more queries than one run may make goes on where
    # the last run stopped: same split, next part (see _resume_point).
    parts, first = _resume_point(ctx.cursor, start)
    while start < until:
        end = min(start + span, until)
        while True:
            cut = False
            for part in range(first, parts):
                if ctx.counts.pages >= ctx.max_pages:
                    ctx.counts.more = True
                    ctx.cursor.update(dns_since=start, dns_parts=parts, dns_part_next=part)
                    ctx.checkpoint()
                    return
                bearer = bearer or _token(ctx)
                kql = query_text(
                    s.dns_source,
                    domains,
                    datetime.fromtimestamp(start, UTC),
                    datetime.fromtimestamp(end, UTC),
                    s.dns_row_limit,
                    part=(part, parts),
                )
                got = _query(ctx, bearer, kql)
                ctx.counts.pages += 1
                if len(got) >= s.dns_row_limit and parts < MAX_PARTS:
                    cut = True  # this part may be cut short: split finer
                    break
                if len(got) >= s.dns_row_limit:
                    ctx.counts.skip(
                        f"a DNS window in {MAX_PARTS} parts still filled dns_row_limit "
                        f"({s.dns_row_limit}); rows past it are not read"
                    )
                # A whole part holds every lookup of its clients in these hours:
                # stored now, it is final (a re-read later is a duplicate).
                _store(ctx, got, matcher, users)
            if not cut:
                break
            # A full reply may be cut: read the same hours again in more parts,
            # split by client (not by time, which would split an hour).
            parts, first = parts * 2, 0
        ctx.cursor.pop("dns_parts", None)
        ctx.cursor.pop("dns_part_next", None)
        ctx.cursor["dns_since"] = end
        ctx.checkpoint()
        start, parts, first = end, 1, 0


def _resume_point(cursor: dict[str, Any], start: int) -> tuple[int, int]:
    """(parts, next part) to resume the window at ``start``; (1, 0) for a fresh window."""
    parts, nxt = cursor.get("dns_parts"), cursor.get("dns_part_next")
    if (
        cursor.get("dns_since") == start
        and isinstance(parts, int)
        and isinstance(nxt, int)
        and 1 <= parts <= MAX_PARTS
        and 0 <= nxt < parts
    ):
        return parts, nxt
    return 1, 0
