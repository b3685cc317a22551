"""GET /api/v1/agents (posture cards) and GET /api/v1/agents/{id} (the detail)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from threatvec.agents import service
from threatvec.agents.schemas import (
    AgentCardRead,
    AgentDetailRead,
    AgentPage,
    AgentSource,
    AgentStatus,
    TrifectaRisk,
    card_from_view,
)
from threatvec.core.deps import OrgIdDep, PageDep, SessionDep
from threatvec.core.problems import problem_responses

router = APIRouter(prefix="/agents", tags=["agents"], responses=problem_responses(401, 422))


@router.get(
    "",
    response_model=AgentPage,
    summary="Agent fleet: a posture card per agent",
    description=(
        "Filter by `status`, `risk` (trifecta), `approved`, `source` and `q` (name). "
        "Sort with `sort=` one of " + ", ".join(service.SORT_FIELDS) + " (prefix `-` for "
        "descending); the default `score` lists the weakest agents first."
    ),
)
def list_agents(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    status: AgentStatus | None = None,
    risk: TrifectaRisk | None = None,
    approved: bool | None = None,
    source: AgentSource | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Search by name")] = None,
) -> AgentPage:
    rows, cursor = service.list_cards(
        session=session,
        org_id=org_id,
        page=page,
        status=status,
        risk=risk,
        approved=approved,
        source=source,
        q=q,
    )
    return AgentPage(
        items=[AgentCardRead.model_validate(card_from_view(v)) for v in rows], next_cursor=cursor
    )


def detail_payload(data: dict[str, Any]) -> dict[str, Any]:
    """The service's detail as the API shape (also used by the dashboard page)."""
    return {
        **card_from_view(data["card"]),
        "declared": data["declared"],
        "score_parts": data["score_parts"],
        "trust": data["trust"],
        "trifecta": data["trifecta"],
        "drift_detail": data["drift"],
        "rules": data["rules"],
        "activity": data["activity"],
        "tools": data["tools"],
        "models": data["models"],
        "providers": data["providers"],
        "destinations": data["destinations"],
        "mcp_servers": data["mcp_servers"],
        "instances": [
            {
                "instance_id": i.instance_id,
                "parent_instance_id": i.parent_instance_id,
                "hostname": i.hostname,
                "pid": i.pid,
                "sdk_version": i.sdk_version,
                "first_seen": i.first_seen,
                "last_seen": i.last_seen,
                "dropped": i.dropped(),
            }
            for i in data["instances"]
        ],
        "events_lost": data["events_lost"],
        "recent_events": [
            {
                "event_id": e.event_id,
                "type": e.type,
                "ts": e.ts,
                "source": e.source,
                "outcome": e.outcome,
                "subject": e.subject,
                "destination": e.destination,
                "flags": list(e.flags or []),
            }
            for e in data["recent_events"]
        ],
        "explanation": data["explanation"],
    }


@router.get(
    "/{agent_id}",
    response_model=AgentDetailRead,
    responses=problem_responses(404),
    summary="One agent: trifecta evidence, drift, rules, tools, destinations, recent events",
)
def get_agent(
    agent_id: Annotated[str, Path(max_length=64)],
    session: SessionDep,
    org_id: OrgIdDep,
) -> AgentDetailRead:
    data = service.detail(session=session, org_id=org_id, agent_id=agent_id)
    return AgentDetailRead.model_validate(detail_payload(data))
