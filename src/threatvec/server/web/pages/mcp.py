"""The MCP page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from threatvec.server.web.render import PageDep, render

router = APIRouter(include_in_schema=False)

BLURB = "MCP servers your agents use, their tool definitions, pins and integrity findings."
STEPS = [
    "Run `threatvec mcp scan --report` on a developer machine or in CI.",
    "Agents using the SDK's MCP integration report the servers and tools they call.",
    "Register an MCP server under Settings → Assets.",
]


@router.get("/mcp", response_class=HTMLResponse)
def mcp_page(ctx: PageDep) -> HTMLResponse:
    return render(ctx, "empty_area.html", active="/mcp", title="MCP", blurb=BLURB, steps=STEPS)
