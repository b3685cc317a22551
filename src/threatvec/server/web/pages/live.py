"""Live Traffic: signals as they happen, streamed with EventSource."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from threatvec.server.web.render import PageDep, render
from threatvec.signals import service as signals

router = APIRouter(include_in_schema=False)


@router.get("/live", response_class=HTMLResponse)
def live_page(ctx: PageDep) -> HTMLResponse:
    recent = signals.list_latest(session=ctx.session, org_id=ctx.org.id, limit=50)
    return render(
        ctx, "live.html", active="/live", title="Live AI Traffic", recent=list(reversed(recent))
    )
