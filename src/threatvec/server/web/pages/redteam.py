"""The Red Team page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from threatvec.server.web.render import PageDep, render

router = APIRouter(include_in_schema=False)

BLURB = "AgentBench adversarial probes and the learning cycle, mapped to MITRE ATLAS."
STEPS = [
    "Register an agent target, then Run AgentBench (POST /api/v1/agentbench/run).",
    "Run the learning cycle: POST /api/v1/red-team/learn/run-cycle.",
]


@router.get("/red-team", response_class=HTMLResponse)
def redteam_page(ctx: PageDep) -> HTMLResponse:
    return render(
        ctx, "empty_area.html", active="/red-team", title="Red Team", blurb=BLURB, steps=STEPS
    )
