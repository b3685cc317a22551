"""AgentBench and red-team API: targets, runs, SDK probe serving, learning cycles, ATLAS."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request, status
from fastapi.responses import Response

from threatvec.core.crypto import SecretBox
from threatvec.core.deps import OrgIdDep, PageDep, SessionDep, actor
from threatvec.core.errors import NotFound
from threatvec.core.problems import problem_responses
from threatvec.redteam import flows, service, suggestions
from threatvec.redteam.coverage import navigator_layer
from threatvec.redteam.schemas import (
    AGENT_ID_PATTERN,
    AtlasSummary,
    AtlasTechniqueRead,
    CancelRequest,
    CoverageRead,
    CycleCreate,
    CycleDetail,
    CyclePage,
    CycleRead,
    NavigatorLayer,
    OutcomeRead,
    ProbeEnvelopeRead,
    ProbeReplyAck,
    ProbeReplyIn,
    ResultPage,
    ResultRead,
    RunCreate,
    RunPage,
    RunRead,
    SuggestionList,
    SuggestionRead,
    TargetPage,
    TargetRead,
    TargetWrite,
)
from threatvec.redteam.transport_db import DbProbeTransport

router = APIRouter(responses=problem_responses(401, 422))

AgentIdPath = Annotated[str, Path(pattern=AGENT_ID_PATTERN, description="Agent id or asset id")]
RunIdPath = Annotated[str, Path(max_length=64)]
GLOBAL = {"x-threatvec-scope": "global"}
HOLD_MAX_S = 8.0
CANCEL_EXAMPLES: dict[str, Any] = {
    "reason": {"summary": "With a reason", "value": {"reason": "agent redeploying until 10:00"}},
    "none": {"summary": "No reason (the body may be omitted)", "value": {}},
}


def _ctx(request: Request) -> flows.RunContext:
    return flows.context_from_settings(
        request.app.state.session_factory,
        request.app.state.settings,
        secret_key=request.app.state.secret_key,
    )


# ── targets ───────────────────────────────────────────────────────────────


@router.put(
    "/agentbench/targets/{agent_id}",
    response_model=TargetRead,
    tags=["agentbench"],
    responses=problem_responses(404, 409),
    summary="Register or replace how AgentBench reaches an agent",
)
def put_target(
    agent_id: AgentIdPath,
    data: TargetWrite,
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
) -> dict[str, Any]:
    target = service.put_target(
        session=session, org_id=org_id, agent_id=agent_id, config=data.config,
        secrets=data.secrets, box=SecretBox(request.app.state.secret_key), by=actor(request),
    )  # fmt: skip
    return service.target_read(target)


@router.get(
    "/agentbench/targets", response_model=TargetPage, tags=["agentbench"],
    summary="List registered AgentBench targets",
)  # fmt: skip
def list_targets(session: SessionDep, org_id: OrgIdDep, page: PageDep) -> dict[str, Any]:
    rows, cursor = service.list_targets(session=session, org_id=org_id, page=page)
    return {"items": [service.target_read(t) for t in rows], "next_cursor": cursor}


@router.get(
    "/agentbench/targets/{agent_id}", response_model=TargetRead, tags=["agentbench"],
    responses=problem_responses(404), summary="An agent's target (secret names, never values)",
)  # fmt: skip
def get_target(agent_id: AgentIdPath, session: SessionDep, org_id: OrgIdDep) -> dict[str, Any]:
    agent = service.resolve_agent(session=session, org_id=org_id, agent_id=agent_id)
    target = service.get_target(session=session, org_id=org_id, agent=agent)
    if target is None:
        raise NotFound(f"no AgentBench target registered for agent {agent_id}")
    return service.target_read(target)


@router.delete(
    "/agentbench/targets/{agent_id}", status_code=status.HTTP_204_NO_CONTENT,
    tags=["agentbench"], responses=problem_responses(404), summary="Remove an agent's target",
)  # fmt: skip
def delete_target(agent_id: AgentIdPath, session: SessionDep, org_id: OrgIdDep) -> None:
    service.delete_target(session=session, org_id=org_id, agent_id=agent_id)


# ── runs ──────────────────────────────────────────────────────────────────


@router.post(
    "/agentbench/run",
    response_model=RunRead,
    status_code=status.HTTP_202_ACCEPTED,
    tags=["agentbench"],
    responses=problem_responses(404, 409),
    summary="Start an AgentBench run (quick or full) against an agent",
)
def start_run(data: RunCreate, request: Request, org_id: OrgIdDep) -> RunRead:
    ctx = _ctx(request)
    run_id = flows.start_agentbench(
        ctx, org_id=org_id, agent_id=data.agent_id, mode=data.mode, k=data.k, by=actor(request)
    )
    with ctx.factory() as session:
        return RunRead.model_validate(
            service.get_run_or_raise(session=session, org_id=org_id, run_id=run_id)
        )


@router.get(
    "/agentbench/runs", response_model=RunPage, tags=["agentbench"],
    summary="List AgentBench and learning-cycle runs, newest first",
)  # fmt: skip
def list_runs(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    agent_id: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[
        Literal["queued", "running", "completed", "cancelled", "failed"] | None,
        Query(alias="status"),
    ] = None,
    kind: Literal["agentbench", "cycle"] | None = None,
) -> RunPage:
    rows, cursor = service.list_runs(
        session=session, org_id=org_id, page=page, agent_id=agent_id, status=status_, kind=kind
    )
    return RunPage(items=[RunRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get(
    "/agentbench/runs/{run_id}", response_model=RunRead, tags=["agentbench"],
    responses=problem_responses(404), summary="A run: status, progress and summary",
)  # fmt: skip
def get_run(run_id: RunIdPath, session: SessionDep, org_id: OrgIdDep) -> RunRead:
    return RunRead.model_validate(
        service.get_run_or_raise(session=session, org_id=org_id, run_id=run_id)
    )


@router.get(
    "/agentbench/runs/{run_id}/results", response_model=ResultPage, tags=["agentbench"],
    responses=problem_responses(404),
    summary="Per-probe results: verdict, evidence, ATLAS/OWASP ids, attempts",
)  # fmt: skip
def list_results(
    run_id: RunIdPath,
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    verdict: Literal["PASS", "FAIL", "INCONCLUSIVE", "ERROR", "NOT_APPLICABLE"] | None = None,
) -> ResultPage:
    rows, cursor = service.list_results(
        session=session, org_id=org_id, run_id=run_id, page=page, verdict=verdict
    )
    return ResultPage(items=[ResultRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.post(
    "/agentbench/runs/{run_id}/cancel",
    response_model=RunRead,
    status_code=status.HTTP_202_ACCEPTED,
    tags=["agentbench"],
    responses=problem_responses(404, 409),
    summary="Cancel a queued or running run",
)
def cancel_run(
    run_id: RunIdPath,
    request: Request,
    org_id: OrgIdDep,
    data: Annotated[CancelRequest | None, Body(openapi_examples=CANCEL_EXAMPLES)] = None,
) -> RunRead:
    run = flows.cancel_run(
        _ctx(request), org_id=org_id, run_id=run_id, by=actor(request),
        reason=data.reason if data else None,
    )  # fmt: skip
    return RunRead.model_validate(run)


# ── SDK-served probes (tv.serve_probes) ───────────────────────────────────


@router.get(
    "/agentbench/probes/next",
    response_model=ProbeEnvelopeRead,
    tags=["agentbench"],
    responses={
        204: {"description": "No probe for this agent within `wait` seconds"},
        **problem_responses(404),
    },
    summary="Long-poll: the next probe for an SDK-served agent",
)
async def next_probe(
    request: Request,
    org_id: OrgIdDep,
    agent: Annotated[str, Query(min_length=1, max_length=200, description="The agent's name")],
    wait: Annotated[
        float,
        Query(
            ge=0, le=60, description="Seconds the server may hold the request (it holds at most 8)"
        ),
    ] = 25,
) -> Any:
    factory = request.app.state.session_factory

    def known() -> bool:
        with factory() as session:
            return service.serves_probes(session=session, org_id=org_id, agent_name=agent)

    if not await asyncio.to_thread(known):
        raise NotFound(
            f"no agent named {agent!r} is registered for SDK probes (register it through the "
            "SDK or PUT /api/v1/agentbench/targets/{agent_id} with type sdk)"
        )
    # Held at most HOLD_MAX_S (the SDK then simply polls again): proxies and clients
    # with short idle timeouts never see a request hang up.
    hold = min(wait, HOLD_MAX_S)
    envelope = await DbProbeTransport(factory, org_id).next_probe_async(agent, hold)
    if envelope is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return ProbeEnvelopeRead(**envelope.as_json())


@router.post(
    "/agentbench/probes/{probe_id}/reply",
    response_model=ProbeReplyAck,
    tags=["agentbench"],
    responses=problem_responses(404),
    summary="The agent's answer to a probe",
)
def probe_reply(
    probe_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,128}$")],
    data: ProbeReplyIn,
    request: Request,
    org_id: OrgIdDep,
) -> ProbeReplyAck:
    transport = DbProbeTransport(request.app.state.session_factory, org_id)
    if not transport.submit_reply(probe_id, data.model_dump(exclude_none=True)):
        raise NotFound(f"probe {probe_id} is unknown, already answered or expired")
    return ProbeReplyAck(accepted=True)


# ── learning cycle ────────────────────────────────────────────────────────


@router.post(
    "/red-team/learn/run-cycle",
    response_model=CycleRead,
    status_code=status.HTTP_202_ACCEPTED,
    tags=["red-team"],
    responses=problem_responses(404, 409),
    summary="Run the red-team learning cycle now (recent AI CVEs → scenarios → runs)",
)
def run_cycle(
    request: Request,
    org_id: OrgIdDep,
    data: Annotated[
        CycleCreate | None,
        Body(
            openapi_examples={
                "recent": {"summary": "Recent AI CVEs, every agent", "value": {"days": 30}},
                "agents": {
                    "summary": "Some agents, one attempt",
                    "value": {
                        "agent_ids": ["3f2b9c0d8e7a4b6c9d1e2f3a4b5c6d7e"],
                        "days": 90,
                        "k": 1,
                    },
                },
            }
        ),
    ] = None,
) -> CycleRead:
    data = data or CycleCreate()
    ctx = _ctx(request)
    cycle_id = flows.start_cycle(
        ctx, org_id=org_id, trigger="api", days=data.days, k=data.k,
        agent_ids=data.agent_ids, cves=data.cves,
    )  # fmt: skip
    with ctx.factory() as session:
        return CycleRead.model_validate(
            service.get_cycle_or_raise(session=session, org_id=org_id, cycle_id=cycle_id)
        )


@router.get(
    "/red-team/learn/cycles", response_model=CyclePage, tags=["red-team"],
    summary="Learning cycles, newest first",
)  # fmt: skip
def list_cycles(session: SessionDep, org_id: OrgIdDep, page: PageDep) -> CyclePage:
    rows, cursor = service.list_cycles(session=session, org_id=org_id, page=page)
    return CyclePage(items=[CycleRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get(
    "/red-team/learn/cycles/{cycle_id}", response_model=CycleDetail, tags=["red-team"],
    responses=problem_responses(404),
    summary="A cycle with its cve → rule → scenario → run → verdict rows",
)  # fmt: skip
def get_cycle(
    cycle_id: Annotated[str, Path(max_length=64)], session: SessionDep, org_id: OrgIdDep
) -> CycleDetail:
    cycle = service.get_cycle_or_raise(session=session, org_id=org_id, cycle_id=cycle_id)
    outcomes = service.cycle_outcomes(session=session, org_id=org_id, cycle_id=cycle_id)
    return CycleDetail(
        **CycleRead.model_validate(cycle).model_dump(),
        outcomes=[OutcomeRead.model_validate(o) for o in outcomes],
    )


@router.post(
    "/red-team/learn/cycles/{cycle_id}/cancel",
    response_model=CycleRead,
    status_code=status.HTTP_202_ACCEPTED,
    tags=["red-team"],
    responses=problem_responses(404, 409),
    summary="Cancel a queued or running learning cycle (and its runs in progress)",
)
def cancel_cycle(
    cycle_id: Annotated[str, Path(max_length=64)],
    request: Request,
    org_id: OrgIdDep,
    data: Annotated[CancelRequest | None, Body(openapi_examples=CANCEL_EXAMPLES)] = None,
) -> CycleRead:
    cycle = flows.cancel_cycle(
        _ctx(request), org_id=org_id, cycle_id=cycle_id, by=actor(request),
        reason=data.reason if data else None,
    )  # fmt: skip
    return CycleRead.model_validate(cycle)


@router.get(
    "/red-team/learn/suggestions", response_model=SuggestionList, tags=["red-team"],
    summary="LLM-suggested CVE → ATLAS mappings (applied only after approval)",
)  # fmt: skip
def list_suggestions(
    session: SessionDep,
    org_id: OrgIdDep,
    state: Annotated[Literal["pending", "approved", "rejected"] | None, Query()] = None,
) -> SuggestionList:
    rows = suggestions.list_suggestions(session=session, org_id=org_id, state=state)
    return SuggestionList(
        items=[SuggestionRead.model_validate(suggestions.suggestion_read(r)) for r in rows]
    )


def _decide(request: Request, session: Any, org_id: str, sid: str, approve: bool) -> Any:
    row = suggestions.decide(
        session=session, org_id=org_id, suggestion_id=sid, approve=approve, by=actor(request)
    )
    session.commit()
    return SuggestionRead.model_validate(suggestions.suggestion_read(row))


@router.post(
    "/red-team/learn/suggestions/{suggestion_id}/approve", response_model=SuggestionRead,
    tags=["red-team"], responses=problem_responses(404, 409),
    summary="Approve a suggested mapping: later cycles use it as a rule for that CVE",
)  # fmt: skip
def approve_suggestion(
    suggestion_id: Annotated[str, Path(max_length=64)],
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
) -> SuggestionRead:
    return _decide(request, session, org_id, suggestion_id, True)  # type: ignore[no-any-return]


@router.post(
    "/red-team/learn/suggestions/{suggestion_id}/reject", response_model=SuggestionRead,
    tags=["red-team"], responses=problem_responses(404, 409),
    summary="Reject a suggested mapping: it is never applied and not asked again",
)  # fmt: skip
def reject_suggestion(
    suggestion_id: Annotated[str, Path(max_length=64)],
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
) -> SuggestionRead:
    return _decide(request, session, org_id, suggestion_id, False)  # type: ignore[no-any-return]


# ── ATLAS ─────────────────────────────────────────────────────────────────


@router.get(
    "/red-team/atlas", response_model=AtlasSummary, tags=["red-team"],
    openapi_extra=GLOBAL, summary="The stored MITRE ATLAS catalogue: version and counts",
)  # fmt: skip
def atlas(session: SessionDep) -> dict[str, Any]:
    return service.atlas_summary(session=session)


@router.get(
    "/red-team/atlas/techniques/{technique_id}", response_model=AtlasTechniqueRead,
    tags=["red-team"], openapi_extra=GLOBAL, responses=problem_responses(404),
    summary="One ATLAS technique or sub-technique by id",
)  # fmt: skip
def atlas_technique(
    technique_id: Annotated[str, Path(pattern=r"^AML\.T\d{4}(\.\d{3})?$")], session: SessionDep
) -> AtlasTechniqueRead:
    return AtlasTechniqueRead.model_validate(
        service.get_technique_or_raise(session=session, technique_id=technique_id)
    )


_COVERAGE_EXAMPLE = CoverageRead.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


@router.get(
    "/red-team/atlas-coverage",
    response_model=CoverageRead | NavigatorLayer,
    tags=["red-team"],
    responses={
        200: {
            "description": "Coverage per technique and tactic, or (format=navigator) an "
            "ATLAS Navigator layer",
            "content": {"application/json": {"example": _COVERAGE_EXAMPLE}},
        },
        **problem_responses(404),
    },
    summary="ATLAS coverage: pass rate with Wilson interval and band per technique and tactic",
)
def atlas_coverage(
    session: SessionDep,
    org_id: OrgIdDep,
    agent_id: Annotated[str | None, Query(pattern=AGENT_ID_PATTERN)] = None,
    days: Annotated[int, Query(ge=1, le=3650)] = service.RECENT_DAYS,
    format: Literal["json", "navigator"] = "json",
) -> Any:
    report, imported, counted = service.coverage_report(
        session=session, org_id=org_id, agent_id=agent_id, days=days
    )
    if format == "navigator":
        return navigator_layer(report)
    return {
        **service.coverage_dict(report),
        "catalog_imported": imported,
        "window_days": days,
        "agent_id": agent_id,
        "results_counted": counted,
    }
