"""The Agents page (posture cards with filters) and the agent detail page."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from threatvec.agents import service
from threatvec.agents.router import detail_payload
from threatvec.agents.schemas import card_from_view
from threatvec.core.errors import NotFound
from threatvec.core.pagination import MAX_LIMIT, PageParams
from threatvec.redteam import service as redteam_service
from threatvec.server.web.charts import gauge
from threatvec.server.web.render import PageDep, render

router = APIRouter(include_in_schema=False)

BLURB = (
    "Every AI agent that reports to ThreatVec, or is registered under Settings → Assets, "
    "gets a posture card: score, rules in force, trust score, status and lethal-trifecta risk."
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
SORTS = {
    "score": "Weakest score first",
    "-risk": "Highest trifecta risk first",
    "trust_score": "Lowest trust first",
    "-drift": "Most drift first",
    "-last_seen": "Most recently seen",
    "name": "Name",
}
LEG_LABELS = {
    "private_data": "Access to private data",
    "untrusted_content": "Processes untrusted content",
    "external_comms": "Communicates externally",
}
RISK_CLASS = {"low": "low", "medium": "medium", "high": "high", "maximum": "critical"}
# never_reported: a plain badge; the card itself says what is missing.
STATUS_CLASS = {"active": "ok", "stale": "medium", "offline": "high", "never_reported": ""}


def _choice(value: str | None, allowed: tuple[str, ...] | list[str]) -> str | None:
    return value if value in allowed else None


@router.get("/agents", response_class=HTMLResponse)
def agents_page(
    ctx: PageDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    risk: Annotated[str | None, Query(max_length=20)] = None,
    sort: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    status = _choice(status, service.STATUSES)
    risk = _choice(risk, list(RISK_CLASS))
    sort = _choice(sort, list(SORTS)) or "score"
    q = (q or "").strip() or None
    everyone, _ = service.list_cards(
        session=ctx.session, org_id=ctx.org.id, page=PageParams(limit=MAX_LIMIT, sort="name")
    )
    if not everyone:
        return render(
            ctx, "empty_area.html", active="/agents", title="Agents", blurb=BLURB, steps=STEPS
        )
    rows, _ = service.list_cards(
        session=ctx.session,
        org_id=ctx.org.id,
        page=PageParams(limit=MAX_LIMIT, sort=sort),
        status=status,
        risk=risk,
        q=q,
    )
    risk_counts = Counter(v.score.trifecta.risk for v in everyone)
    unknown_risk = risk_counts.pop(None, 0)  # never reported: legs unknown, not "low"
    status_counts = Counter(v.status for v in everyone)
    return render(
        ctx,
        "agents.html",
        active="/agents",
        title="Agents",
        cards=[card_from_view(v) for v in rows],
        total=len(everyone),
        risk_counts=risk_counts,
        unknown_risk=unknown_risk,
        status_counts=status_counts,
        filters={"q": q or "", "status": status or "", "risk": risk or "", "sort": sort},
        sorts=SORTS,
        statuses=service.STATUSES,
        risks=list(RISK_CLASS),
        risk_class=RISK_CLASS,
        status_class=STATUS_CLASS,
        leg_labels=LEG_LABELS,
    )


@router.get("/agents/{agent_id}", response_class=HTMLResponse)
def agent_detail_page(ctx: PageDep, agent_id: str) -> HTMLResponse:
    try:
        data = service.detail(session=ctx.session, org_id=ctx.org.id, agent_id=agent_id[:64])
    except NotFound:
        return render(
            ctx,
            "agent_detail.html",
            active="/agents",
            title="Agent not found",
            agent=None,
            status_code=404,
        )
    agent: dict[str, Any] = detail_payload(data)
    redteam = redteam_service.agent_summary(
        session=ctx.session, org_id=ctx.org.id, agent_id=str(agent["id"])
    )
    return render(
        ctx,
        "agent_detail.html",
        active="/agents",
        title=f"Agent: {agent['name']}",
        agent=agent,
        redteam=redteam,
        score_gauge=gauge(agent["score"], label="Agent score"),
        trust_gauge=gauge(agent["trust_score"], label="Trust"),
        risk_class=RISK_CLASS,
        status_class=STATUS_CLASS,
        leg_labels=LEG_LABELS,
    )
