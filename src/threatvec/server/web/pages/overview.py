"""Overview: the posture at a glance — gauge, dimension cards, trend, brief, top risks.

Two slots belong to later areas: ``compliance-pills`` and ``enforcement-card``.
An area fills one by adding a renderer to `SLOT_RENDERERS`
(``(ctx) -> Markup | None``); an empty slot stays in the page, empty.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from threatvec.core.llm import LlmClient
from threatvec.posture import service
from threatvec.posture.composite import PostureScore
from threatvec.posture.dimensions import DIMENSION_LABELS
from threatvec.posture.factors import round1
from threatvec.posture.recompute import take_pending
from threatvec.server.web.charts import band_color, gauge, line
from threatvec.server.web.render import PageContext, PageDep, render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("threatvec.web")

# Where each dimension's objects live in the dashboard. Shadow AI services have no page
# of their own: the link opens the Shadow AI monitor, whose table lists the service.
OBJECT_LINKS: dict[str, str] = {
    "agent": "/agents/{id}",
    "mcp": "/mcp/servers/{id}",
    "shadow": "/shadow#service-{id}",
}
AREA_LINKS: dict[str, str] = {"agent": "/agents", "mcp": "/mcp", "shadow": "/shadow"}
SLOTS = ("compliance-pills", "enforcement-card")
SLOT_RENDERERS: dict[str, Callable[[PageContext], Markup | None]] = {}

STEPS = [
    "Add ThreatVec.auto() to an agent's startup to put it on the dashboard.",
    "Scan MCP configurations with `threatvec mcp scan --report`.",
    "Install the browser extension (see /extension) to discover shadow AI.",
]


def object_link(dimension: str, object_id: str) -> str:
    return OBJECT_LINKS.get(dimension, "/").format(id=object_id)


def _slots(ctx: PageContext) -> dict[str, Markup]:
    out: dict[str, Markup] = {}
    for slot in SLOTS:
        renderer = SLOT_RENDERERS.get(slot)
        if renderer is None:
            continue
        try:
            html = renderer(ctx)
        except Exception:  # a broken card must not take the overview down
            log.exception("overview slot %s failed", slot)
            html = None
        if html:
            out[slot] = html
    return out


def dimension_cards(posture: PostureScore) -> list[dict[str, Any]]:
    """One card per dimension: its shown value, and the colour of that value's band
    (79.96 shows as 80.0 and is green, not the amber of scores below 80)."""
    return [
        {
            "name": d.name,
            "label": d.display_name,
            "value": d.score.rounded,
            "color": band_color(d.score.rounded),
            "detail": d.score.detail,
            "weight": posture.weights.get(d.name, 0.0),
            "effective": posture.effective.get(d.name, 0.0) * 100,
            "top": d.top_factor(),
            "href": AREA_LINKS.get(d.name, "/"),
        }
        for d in posture.dimensions
    ]


@router.get("/", response_class=HTMLResponse)
def overview_page(ctx: PageDep) -> HTMLResponse:
    org_id = ctx.org.id
    state = ctx.request.app.state
    pending = take_pending(state, org_id)
    cur, brief = service.brief(
        session=ctx.session,
        org_id=org_id,
        llm=LlmClient.from_settings(state.settings),
        pending=pending,
    )
    _, _, rows = service.history(
        session=ctx.session,
        org_id=org_id,
        start=cur.snapshot.computed_at - timedelta(days=7),
        end=cur.snapshot.computed_at,
        limit=500,
    )
    points = [(r.computed_at.strftime("%m-%d %H:%M"), r.composite) for r in rows]
    dims = dimension_cards(cur.posture)
    risks = [
        {
            "rank": i,
            "title": w.risk.title,
            "action": w.risk.action,
            "dimension": DIMENSION_LABELS.get(w.risk.dimension, w.risk.dimension),
            "gain": round1(w.gain),
            "after": None if w.after is None else round1(w.after),
            "objects": [(o, object_link(w.risk.dimension, o)) for o in w.risk.objects],
        }
        for i, w in enumerate(cur.top[:5], 1)
    ]
    value = cur.posture.value
    return render(
        ctx,
        "overview.html",
        active="/",
        title="Overview",
        value=None if value is None else round1(value),
        gauge=gauge(None if value is None else round1(value), label="Posture"),
        trend_chart=line(points, label="Posture over 7 days"),
        trend=cur.trend.to_dict(),
        snapshot=cur.snapshot,
        dims=dims,
        brief=brief,
        brief_lines=brief.text.splitlines(),
        risks=risks,
        steps=STEPS,
        slots=_slots(ctx),
    )
