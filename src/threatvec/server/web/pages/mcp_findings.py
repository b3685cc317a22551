"""Every MCP finding of one status, a page at a time: what the MCP pages cut at 200 rows.

The server page and the trifecta list show the worst 200 open and suppressed
findings; this page walks all of them (and the resolved history), filtered by
server and rule, and takes the same suppress / unsuppress actions.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from threatvec.core.pagination import PageParams
from threatvec.mcp import service
from threatvec.mcp.models import McpServer
from threatvec.server.web.render import PageDep, render

router = APIRouter(include_in_schema=False)

FINDINGS_PER_PAGE = 100
PATH = "/mcp/findings"
# The query keys a findings page link keeps (anything else is dropped from `back`).
_KEYS = ("server_id", "rule_id", "status", "cursor", "page")

Status = Literal["open", "suppressed", "resolved"]


def page_url(**params: str | int | None) -> str:
    """A link to this page with the given filters (empty ones left out)."""
    query = urlencode([(k, str(params[k])) for k in _KEYS if params.get(k) not in (None, "")])
    return f"{PATH}?{query}" if query else PATH


def safe_back(value: str | None) -> str | None:
    """``value`` as a link back to a findings page, or None when it is anything else.

    A form's ``back`` field comes from the browser: only this page's own path with
    its own query keys is followed, so it can never send the user to another site.
    """
    if not value or len(value) > 1000 or any(ord(c) < 0x20 or c == "\\" for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path != PATH:
        return None
    kept = {k: v for k, v in parse_qsl(parts.query) if k in _KEYS}
    return page_url(**kept)


@router.get(PATH, response_class=HTMLResponse)
def mcp_findings_page(
    ctx: PageDep,
    status: Status = "open",
    server_id: Annotated[str | None, Query(max_length=64)] = None,
    rule_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    flash: Annotated[str | None, Query(max_length=400)] = None,
) -> HTMLResponse:
    org_id = ctx.org.id
    server: McpServer | None = None
    if server_id:  # another org's id is a 404, as on the server page
        server = service.get_server_or_raise(
            session=ctx.session, org_id=org_id, server_id=server_id
        )
    findings, next_cursor = service.list_findings(
        session=ctx.session,
        org_id=org_id,
        page=PageParams(limit=FINDINGS_PER_PAGE, cursor=cursor or None),
        server_id=server_id or None,
        rule_id=rule_id or None,
        status=status,
    )
    counts = service.finding_counts(
        session=ctx.session, org_id=org_id, server_id=server_id or None, rule_id=rule_id or None
    )
    shown = {f.server_id for f in findings if f.server_id}
    names = service.server_names(session=ctx.session, org_id=org_id, server_ids=shown)
    first = (page - 1) * FINDINGS_PER_PAGE + 1 if cursor else 1
    here = page_url(server_id=server_id, rule_id=rule_id, status=status, cursor=cursor, page=page)
    return render(
        ctx,
        "mcp_findings.html",
        active="/mcp",
        title="MCP findings",
        server=server,
        rule_id=rule_id or None,
        status=status,
        findings=findings,
        names=names,
        counts=counts,
        shown_from=first,
        shown_to=first + len(findings) - 1,
        status_urls={
            s: page_url(server_id=server_id, rule_id=rule_id, status=s)
            for s in ("open", "suppressed", "resolved")
        },
        next_url=(
            page_url(
                server_id=server_id,
                rule_id=rule_id,
                status=status,
                cursor=next_cursor,
                page=page + 1,
            )
            if next_cursor
            else None
        ),
        first_url=page_url(server_id=server_id, rule_id=rule_id, status=status) if cursor else None,
        back=here,
        flash=flash[:200] if flash else None,
    )
