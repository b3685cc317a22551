"""The Agents page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from threatvec.server.web.render import PageDep, render

router = APIRouter(include_in_schema=False)

BLURB = (
    "Every AI agent that reports to ThreatVec gets a posture card: score, rules in "
    "force, trust score, status and lethal-trifecta risk."
)
STEPS = [
    (
        "pip install threatvec, then call ThreatVec.auto() in the agent's startup "
        "(THREATVEC_URL and THREATVEC_AGENT_NAME set)."
    ),
    (
        "Or point an OpenTelemetry OTLP/HTTP exporter at /v1/traces: GenAI spans become "
        "agents and events."
    ),
    "Or register an agent by hand under Settings → Assets.",
]


@router.get("/agents", response_class=HTMLResponse)
def agents_page(ctx: PageDep) -> HTMLResponse:
    return render(
        ctx, "empty_area.html", active="/agents", title="Agents", blurb=BLURB, steps=STEPS
    )
