"""The posture API: the explained score, its history, the brief, score weights and advice.

The router's lifespan starts the app's debounced `Recomputer` (recompute.py),
so data changes anywhere in the app are folded into the posture seconds later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request

from threatvec.core.deps import OrgIdDep, SessionDep, SettingsDep, actor
from threatvec.core.llm import LlmClient
from threatvec.core.problems import problem_responses
from threatvec.posture import recompute as debounce
from threatvec.posture import service
from threatvec.posture.composite import DEFAULT_WEIGHTS
from threatvec.posture.factors import round1
from threatvec.posture.schemas import (
    AdviceRead,
    BriefRead,
    HistoryPointRead,
    HistoryRead,
    PostureRead,
    WeightsRead,
    WeightsUpdate,
)

__all__ = ["router"]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    quiet_s, max_wait_s = getattr(app.state, "posture_debounce_s", (2.0, 10.0))
    rec = debounce.attach(app.state.session_factory, quiet_s=quiet_s, max_wait_s=max_wait_s)
    app.state.posture_recomputer = rec
    try:
        yield
    finally:
        debounce.detach(rec)


router = APIRouter(tags=["posture"], responses=problem_responses(401, 422), lifespan=_lifespan)


def _take_pending(request: Request, org_id: str) -> Any:
    return debounce.take_pending(request.app.state, org_id)


@router.get(
    "/posture",
    response_model=PostureRead,
    summary="The posture: composite, dimensions with their factors, weights, coverage, trend",
)
def get_posture(request: Request, session: SessionDep, org_id: OrgIdDep) -> PostureRead:
    cur = service.current(session=session, org_id=org_id, pending=_take_pending(request, org_id))
    return PostureRead.of(cur)


@router.post(
    "/posture/recompute",
    response_model=PostureRead,
    summary="Recompute every dimension now and store the snapshot",
)
def recompute_posture(request: Request, session: SessionDep, org_id: OrgIdDep) -> PostureRead:
    _take_pending(request, org_id)  # a full recompute covers whatever was waiting
    service.recompute(session=session, org_id=org_id, trigger="api")
    return PostureRead.of(service.current(session=session, org_id=org_id))


@router.get(
    "/posture/history",
    response_model=HistoryRead,
    response_model_by_alias=True,
    summary="The posture over time (one point per stored snapshot)",
)
def posture_history(
    session: SessionDep,
    org_id: OrgIdDep,
    from_: Annotated[
        datetime | None, Query(alias="from", description="Start (ISO 8601); default 7 days ago")
    ] = None,
    to: Annotated[datetime | None, Query(description="End (ISO 8601); default now")] = None,
    limit: Annotated[int, Query(ge=1, le=service.HISTORY_MAX_POINTS)] = 500,
) -> HistoryRead:
    start, end, rows = service.history(
        session=session, org_id=org_id, start=from_, end=to, limit=limit
    )
    return HistoryRead.model_validate(
        {"from": start, "to": end, "items": [HistoryPointRead.of(r) for r in rows]}
    )


@router.get(
    "/posture/brief",
    response_model=BriefRead,
    summary="A plain-English brief: score and trend, top three risks, one recommended action",
)
def posture_brief(
    request: Request, session: SessionDep, org_id: OrgIdDep, settings: SettingsDep
) -> BriefRead:
    cur, b = service.brief(
        session=session,
        org_id=org_id,
        llm=LlmClient.from_settings(settings),
        pending=_take_pending(request, org_id),
    )
    return BriefRead.of(cur.snapshot, b)


def _weights_read(session: SessionDep, org_id: str) -> WeightsRead:
    return WeightsRead(
        weights=service.get_weights(session=session, org_id=org_id),
        defaults=dict(DEFAULT_WEIGHTS),
        is_default=service.weights_are_default(session=session, org_id=org_id),
        changes=WeightsRead.changes_of(service.weight_changes(session=session, org_id=org_id)),
    )


@router.get(
    "/settings/score-weights",
    response_model=WeightsRead,
    summary="The score weights and who changed them",
)
def get_score_weights(session: SessionDep, org_id: OrgIdDep) -> WeightsRead:
    return _weights_read(session, org_id)


@router.put(
    "/settings/score-weights",
    response_model=WeightsRead,
    summary="Set the score weights (non-negative, sum 100); recomputes the posture",
)
def put_score_weights(
    data: WeightsUpdate, request: Request, session: SessionDep, org_id: OrgIdDep
) -> WeightsRead:
    _, snap = service.put_weights(
        session=session, org_id=org_id, weights=data.weights, by=actor(request), note=data.note
    )
    out = _weights_read(session, org_id)
    out.value = None if snap.composite is None else round1(snap.composite)
    out.snapshot_id = snap.id
    return out


@router.get(
    "/settings/score-weights/advice",
    response_model=AdviceRead,
    summary="Suggested weights for this deployment, with the reasoning (never applied)",
)
def score_weights_advice(session: SessionDep, org_id: OrgIdDep) -> AdviceRead:
    return AdviceRead.of(service.advice(session=session, org_id=org_id))
