"""Settings: the index of settings pages, and what the background jobs did."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from threatvec.jobs import service as jobs
from threatvec.server.web.render import PageDep, render

router = APIRouter(include_in_schema=False)

# (href, title, what it is); later areas add their settings pages here.
SETTINGS_PAGES: list[tuple[str, str, str]] = [
    ("/settings/assets", "Assets", "Register agents, MCP servers and approved AI services."),
    ("/settings/score-weights", "Score Weights", "How much each dimension counts, with advice."),
    ("/settings/alerts", "Alert Rules", "When to alert: Slack, PagerDuty, webhook, email."),
    ("/settings/integrations", "Integrations", "Okta, CrowdStrike, SIEMs, M365, CASB, TAP."),
]

_UNITS = ((86400, "d"), (3600, "h"), (60, "min"), (1, "s"))


def every(seconds: int) -> str:
    """An interval in its largest whole unit: 30 s, 15 min, 2 h, 7 d."""
    for size, unit in _UNITS:
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@router.get("/settings", response_class=HTMLResponse)
def settings_page(ctx: PageDep) -> HTMLResponse:
    states = jobs.job_states(session=ctx.session, org_id=ctx.org.id)
    return render(
        ctx,
        "settings.html",
        active="/settings",
        title="Settings",
        pages=SETTINGS_PAGES,
        jobs=states,
        # Named above the table: a failing job among a dozen rows is easy to miss.
        failing=[j.name for j in states if j.last_run and j.last_run.outcome == "error"],
        every=every,
        # Off here, the jobs run only on other replicas or by `threatvec jobs run`.
        scheduler_on=getattr(ctx.request.app.state, "scheduler", None) is not None,
    )
