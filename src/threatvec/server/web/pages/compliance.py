"""The Compliance page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from threatvec.server.web.render import PageDep, render

router = APIRouter(include_in_schema=False)

BLURB = (
    "Evidence for OWASP LLM Top 10, NIST AI RMF, EU AI Act, SOC 2, ISO 27001 and "
    "MITRE ATLAS from your live posture."
)
STEPS = [
    "Evidence builds from the data the other areas collect; connect agents and MCP scans first."
]


@router.get("/compliance", response_class=HTMLResponse)
def compliance_page(ctx: PageDep) -> HTMLResponse:
    return render(
        ctx, "empty_area.html", active="/compliance", title="Compliance", blurb=BLURB, steps=STEPS
    )
