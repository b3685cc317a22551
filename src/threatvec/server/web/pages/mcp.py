"""The MCP page: servers with score and findings, tools, diffs, approve and suppress."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from threatvec.core.errors import ThreatVecError
from threatvec.core.pagination import PageParams
from threatvec.mcp import service
from threatvec.mcp.models import McpFinding, McpServer
from threatvec.server.web.charts import band_color, gauge
from threatvec.server.web.pages.mcp_findings import page_url, safe_back
from threatvec.server.web.render import PageContext, PageDep, check_csrf, redirect, render

router = APIRouter(include_in_schema=False)

PART_LABELS = {
    "integrity": "Integrity",
    "covert": "Covert instructions",
    "catalog_trust": "Catalog trust",
    "schema_stability": "Schema stability",
}
STEPS = [
    "Run `threatvec mcp scan --report` on a developer machine or in CI.",
    "Agents using the SDK's MCP integration report the servers and tools they call.",
]


def _flash(value: str | None) -> str | None:
    return value[:200] if value else None


# Rows a page lists per status; past that the counts link to /mcp/findings, which pages.
PAGE_ROWS = 200
TRIFECTA = "TV-MCP-TRIFECTA"


def _unresolved(
    ctx: PageContext, *, server_id: str | None = None, rule_id: str | None = None
) -> list[McpFinding]:
    """Open then suppressed findings, each fetched by its status.

    One list of every status cut at N rows let a long resolved history push
    open findings off the page.
    """
    rows: list[McpFinding] = []
    for status in ("open", "suppressed"):
        page, _ = service.list_findings(
            session=ctx.session,
            org_id=ctx.org.id,
            page=PageParams(limit=PAGE_ROWS),
            server_id=server_id,
            rule_id=rule_id,
            status=status,
        )
        rows.extend(page)
    return rows


# Servers per page of the /mcp list (worst score first); the pager walks the rest.
SERVERS_PER_PAGE = 50


@router.get("/mcp", response_class=HTMLResponse)
def mcp_page(
    ctx: PageDep,
    flash: str | None = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    org_id = ctx.org.id
    servers, next_cursor = service.list_servers(
        session=ctx.session,
        org_id=org_id,
        page=PageParams(limit=SERVERS_PER_PAGE, cursor=cursor or None, sort="score"),
    )
    total = service.count_servers(session=ctx.session, org_id=org_id)
    trifectas = _unresolved(ctx, rule_id=TRIFECTA)
    trifecta_counts = service.finding_counts(session=ctx.session, org_id=org_id, rule_id=TRIFECTA)
    fleet = service.fleet_score(session=ctx.session, org_id=org_id)
    # The page counts servers as the fleet score does (scanned successfully at least once),
    # so the number above the gauge is the number of servers the gauge averages.
    scored = int(fleet.coverage.get("servers", 0))
    agents = service.agent_counts(
        session=ctx.session, org_id=org_id, server_ids=[s.id for s in servers]
    )
    first = (page - 1) * SERVERS_PER_PAGE + 1 if cursor else 1
    return render(
        ctx,
        "mcp.html",
        active="/mcp",
        title="MCP",
        servers=servers,
        total=total,
        scored=scored,
        unscored=max(0, total - scored),
        shown_from=first,
        shown_to=first + len(servers) - 1,
        per_page=SERVERS_PER_PAGE,
        next_url=f"/mcp?cursor={quote(next_cursor)}&page={page + 1}" if next_cursor else None,
        first_url="/mcp" if cursor else None,
        agents=agents,
        trifectas=trifectas,
        trifecta_counts=trifecta_counts,
        trifecta_urls={
            st: page_url(rule_id=TRIFECTA, status=st) for st in ("open", "suppressed", "resolved")
        },
        page_rows=PAGE_ROWS,
        fleet_gauge=gauge(fleet.value, label="MCP"),
        fleet=fleet,
        color=band_color,
        steps=STEPS,
        flash=_flash(flash),
    )


def _server_page(
    ctx: PageContext,
    server: McpServer,
    *,
    from_id: str | None,
    to_id: str | None,
    flash: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    org_id = ctx.org.id
    tools = service.server_tools(session=ctx.session, org_id=org_id, server_id=server.id)
    findings = _unresolved(ctx, server_id=server.id)
    counts = service.finding_counts(session=ctx.session, org_id=org_id, server_id=server.id)
    snapshots, _ = service.list_snapshots(
        session=ctx.session, org_id=org_id, server_id=server.id, page=PageParams(limit=100)
    )
    usage, _ = service.server_agents(
        session=ctx.session, org_id=org_id, server_id=server.id, page=PageParams(limit=100)
    )
    diff: dict[str, Any] | None = None
    diff_error: str | None = None
    if server.current_snapshot_id:
        try:
            result = service.diff_between(
                session=ctx.session,
                org_id=org_id,
                server_id=server.id,
                from_id=from_id,
                to_id=to_id,
            )
            diff = {
                **result.diff.to_dict(),
                "from_id": result.from_snapshot.id if result.from_snapshot else None,
                "to_id": result.to_snapshot.id,
            }
        except ThreatVecError as exc:
            diff_error = exc.detail
    return render(
        ctx,
        "mcp_server.html",
        active="/mcp",
        title=f"MCP server {server.name}",
        server=server,
        tools=tools,
        findings=findings,
        counts=counts,
        page_rows=PAGE_ROWS,
        snapshots=snapshots,
        usage=usage,
        diff=diff,
        diff_error=diff_error,
        parts=PART_LABELS,
        color=band_color,
        flash=flash,
        error=error,
        status_code=status_code,
    )


@router.get("/mcp/servers/{server_id}", response_class=HTMLResponse)
def mcp_server_page(
    ctx: PageDep,
    server_id: str,
    from_id: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    to_id: Annotated[str | None, Query(alias="to", max_length=64)] = None,
    flash: Annotated[str | None, Query(max_length=400)] = None,
) -> HTMLResponse:
    server = service.get_server_or_raise(
        session=ctx.session, org_id=ctx.org.id, server_id=server_id
    )
    return _server_page(
        ctx, server, from_id=from_id or None, to_id=to_id or None, flash=_flash(flash)
    )


@router.post("/mcp/servers/{server_id}/approve", response_model=None)
def approve_server(
    ctx: PageDep, server_id: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(ctx, csrf)
    server = service.get_server_or_raise(
        session=ctx.session, org_id=ctx.org.id, server_id=server_id
    )
    try:
        service.approve(session=ctx.session, org_id=ctx.org.id, server_id=server_id, by="dashboard")
    except ThreatVecError as exc:
        return _server_page(
            ctx, server, from_id=None, to_id=None, error=exc.detail, status_code=exc.status
        )
    ctx.session.commit()
    return redirect(ctx, f"/mcp/servers/{server_id}?flash=" + quote("Approved and pinned"))


def _back(finding: McpFinding, requested: str) -> str:
    """Where a suppress / unsuppress form returns: the findings page it came from, if so."""
    return safe_back(requested) or (
        f"/mcp/servers/{finding.server_id}" if finding.server_id else "/mcp"
    )


def _with_flash(url: str, message: str) -> str:
    return url + ("&" if "?" in url else "?") + "flash=" + quote(message)


@router.post("/mcp/findings/{finding_id}/suppress", response_model=None)
def suppress_finding(
    ctx: PageDep,
    finding_id: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    check_csrf(ctx, csrf)
    finding = service.get_finding_or_raise(
        session=ctx.session, org_id=ctx.org.id, finding_id=finding_id
    )
    back = _back(finding, back)
    if not reason.strip():
        return redirect(ctx, _with_flash(back, "A suppression needs a reason"))
    service.suppress_finding(
        session=ctx.session,
        org_id=ctx.org.id,
        finding_id=finding_id,
        reason=reason,
        by="dashboard",
    )
    ctx.session.commit()
    return redirect(ctx, _with_flash(back, "Suppressed"))


@router.post("/mcp/findings/{finding_id}/unsuppress", response_model=None)
def unsuppress_finding(
    ctx: PageDep,
    finding_id: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
    back: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    check_csrf(ctx, csrf)
    finding = service.get_finding_or_raise(
        session=ctx.session, org_id=ctx.org.id, finding_id=finding_id
    )
    back = _back(finding, back)
    try:
        row = service.unsuppress_finding(
            session=ctx.session, org_id=ctx.org.id, finding_id=finding_id
        )
    except ThreatVecError as exc:
        return redirect(ctx, _with_flash(back, exc.detail))
    ctx.session.commit()
    said = (
        "Suppression withdrawn: the latest scan no longer finds it, so it is resolved"
        if row.status == "resolved"
        else "Suppression withdrawn"
    )
    return redirect(ctx, _with_flash(back, said))
