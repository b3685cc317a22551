"""The Shadow AI page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from threatvec.server.web.render import PageDep, render

router = APIRouter(include_in_schema=False)

BLURB = "AI services your people use, registered or not, and where personal data goes."
STEPS = [
    "Install the browser extension: see /extension.",
    "Import Microsoft 365 Copilot audit logs with `threatvec shadow import-m365 FILE`.",
]


@router.get("/shadow", response_class=HTMLResponse)
def shadow_page(ctx: PageDep) -> HTMLResponse:
    return render(
        ctx, "empty_area.html", active="/shadow", title="Shadow AI", blurb=BLURB, steps=STEPS
    )
