"""Overview: the posture at a glance (filled in by the posture engine)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from threatvec.server.web.render import PageDep, render

router = APIRouter(include_in_schema=False)

STEPS = [
    "Install the browser extension (see /extension) to discover shadow AI.",
    "Add ThreatVec.auto() to an agent's startup to put it on the dashboard.",
    "Scan MCP configurations with `threatvec mcp scan --report`.",
]


@router.get("/", response_class=HTMLResponse)
def overview_page(ctx: PageDep) -> HTMLResponse:
    return render(
        ctx,
        "empty_area.html",
        active="/",
        title="Overview",
        blurb="Your AI security posture appears here once data flows in.",
        steps=STEPS,
    )
