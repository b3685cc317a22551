"""Settings: the index of settings pages."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from threatvec.server.web.render import PageDep, render

router = APIRouter(include_in_schema=False)

# (href, title, what it is); later areas add their settings pages here.
SETTINGS_PAGES: list[tuple[str, str, str]] = [
    ("/settings/assets", "Assets", "Register agents, MCP servers and approved AI services."),
    ("/settings/score-weights", "Score Weights", "How much each dimension counts, with advice."),
    ("/settings/alerts", "Alert Rules", "When to alert: Slack, PagerDuty, webhook, email."),
    ("/settings/integrations", "Integrations", "Okta, CrowdStrike, SIEMs, M365, CASB, TAP."),
]


@router.get("/settings", response_class=HTMLResponse)
def settings_page(ctx: PageDep) -> HTMLResponse:
    return render(ctx, "settings.html", active="/settings", title="Settings", pages=SETTINGS_PAGES)
