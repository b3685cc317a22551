"""MCP inventory API: scans in; servers, tools, snapshots, diffs, findings, scores out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, status

from threatvec.core.deps import OrgIdDep, PageDep, SessionDep, actor
from threatvec.core.problems import problem_responses
from threatvec.mcp import service
from threatvec.mcp.models import McpServer, McpSnapshot
from threatvec.mcp.schemas import (
    FindingStatus,
    McpAgentUsagePage,
    McpAgentUsageRead,
    McpAllowlistCreate,
    McpAllowlistPage,
    McpAllowlistRead,
    McpApprove,
    McpChange,
    McpDiffRead,
    McpFindingPage,
    McpFindingRead,
    McpFleetScoreRead,
    McpScanPage,
    McpScanRead,
    McpScanReport,
    McpScanResult,
    McpScanServerResult,
    McpScorePart,
    McpScoreRead,
    McpServerDetail,
    McpServerPage,
    McpServerRead,
    McpSnapshotDetail,
    McpSnapshotPage,
    McpSnapshotRead,
    McpSuppress,
    McpToolRead,
    ServerStatus,
    Severity,
)

router = APIRouter(prefix="/mcp", tags=["mcp"], responses=problem_responses(401, 422))
ServerId = Annotated[str, Query(max_length=64)]


@router.post(
    "/scans",
    response_model=McpScanResult,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(413),
    summary="Receive a `threatvec mcp scan --report` result",
)
def post_scan(data: McpScanReport, session: SessionDep, org_id: OrgIdDep) -> McpScanResult:
    report = data.model_dump(by_alias=True)
    result = service.ingest_report(session=session, org_id=org_id, report=report)
    base = McpScanRead.model_validate(result.scan)
    return McpScanResult(
        **base.model_dump(),
        accepted=[McpScanServerResult(**vars(a)) for a in result.accepted],
    )


@router.get("/scans", response_model=McpScanPage, summary="Scan reports received")
def list_scans(session: SessionDep, org_id: OrgIdDep, page: PageDep) -> McpScanPage:
    rows, cursor = service.list_scans(session=session, org_id=org_id, page=page)
    return McpScanPage(items=[McpScanRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get("/servers", response_model=McpServerPage, summary="MCP servers (by identity)")
def list_servers(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    approved: bool | None = None,
    server_status: Annotated[ServerStatus | None, Query(alias="status")] = None,
    transport: Annotated[str | None, Query(max_length=20)] = None,
    min_severity: Severity | None = None,
    max_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Search name/target")] = None,
) -> McpServerPage:
    filters = service.ServerFilters(approved, server_status, transport, min_severity, max_score, q)
    rows, cursor = service.list_servers(
        session=session,
        org_id=org_id,
        page=page,
        approved=approved,
        status=server_status,
        transport=transport,
        min_severity=min_severity,
        max_score=max_score,
        q=q,
    )
    total = service.count_servers(session=session, org_id=org_id, filters=filters)
    return McpServerPage(
        items=[McpServerRead.model_validate(r) for r in rows], next_cursor=cursor, total=total
    )


def _detail(session: SessionDep, org_id: str, server: McpServer) -> McpServerDetail:
    tools = service.server_tools(session=session, org_id=org_id, server_id=server.id)
    agents = service.agent_counts(session=session, org_id=org_id, server_ids=[server.id])
    base = McpServerRead.model_validate(server).model_dump()
    return McpServerDetail(
        **base,
        identity=server.identity or {},
        groups=server.groups or [],
        score_parts={k: McpScorePart(**v) for k, v in (server.score_parts or {}).items()},
        pin_diff=server.pin_diff,
        current_snapshot_id=server.current_snapshot_id,
        approved_snapshot_id=server.approved_snapshot_id,
        tools=[McpToolRead.model_validate(t) for t in tools],
        agents=agents.get(server.id, 0),
    )


@router.get(
    "/servers/{server_id}",
    response_model=McpServerDetail,
    responses=problem_responses(404),
    summary="One server with its tools, pin state and score parts",
)
def get_server(server_id: str, session: SessionDep, org_id: OrgIdDep) -> McpServerDetail:
    server = service.get_server_or_raise(session=session, org_id=org_id, server_id=server_id)
    return _detail(session, org_id, server)


@router.get(
    "/servers/{server_id}/tools",
    response_model=list[McpToolRead],
    responses=problem_responses(404),
    summary="Tools of the server's current snapshot",
)
def list_tools(server_id: str, session: SessionDep, org_id: OrgIdDep) -> list[McpToolRead]:
    tools = service.server_tools(session=session, org_id=org_id, server_id=server_id)
    return [McpToolRead.model_validate(t) for t in tools]


@router.get(
    "/servers/{server_id}/score",
    response_model=McpScoreRead,
    responses=problem_responses(404),
    summary="Score: integrity, covert instructions, catalog trust, schema stability",
)
def get_score(server_id: str, session: SessionDep, org_id: OrgIdDep) -> McpScoreRead:
    score = service.server_score(session=session, org_id=org_id, server_id=server_id)
    if score is None:
        return McpScoreRead(server_id=server_id, value=None, parts={})
    return McpScoreRead(
        server_id=server_id,
        value=score.value,
        parts={k: McpScorePart(**p.to_dict()) for k, p in score.parts.items()},
    )


def _snapshot_read(row: McpSnapshot, server: McpServer) -> McpSnapshotRead:
    return McpSnapshotRead(
        id=row.id,
        server_id=row.server_id,
        server_hash=row.server_hash,
        tool_count=row.tool_count,
        origin=row.origin,  # type: ignore[arg-type]
        scan_id=row.scan_id,
        rug_pull=row.rug_pull,
        approved=row.id == server.approved_snapshot_id,
        change_count=len((row.diff or {}).get("changes", [])),
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
    )


@router.get(
    "/servers/{server_id}/snapshots",
    response_model=McpSnapshotPage,
    responses=problem_responses(404),
    summary="Distinct states of a server, newest first",
)
def list_snapshots(
    server_id: str, session: SessionDep, org_id: OrgIdDep, page: PageDep
) -> McpSnapshotPage:
    rows, cursor = service.list_snapshots(
        session=session, org_id=org_id, server_id=server_id, page=page
    )
    server = service.get_server_or_raise(session=session, org_id=org_id, server_id=server_id)
    return McpSnapshotPage(items=[_snapshot_read(r, server) for r in rows], next_cursor=cursor)


@router.get(
    "/servers/{server_id}/snapshots/{snapshot_id}",
    response_model=McpSnapshotDetail,
    responses=problem_responses(404),
    summary="One snapshot with its definitions and pins",
)
def get_snapshot(
    server_id: str, snapshot_id: str, session: SessionDep, org_id: OrgIdDep
) -> McpSnapshotDetail:
    server = service.get_server_or_raise(session=session, org_id=org_id, server_id=server_id)
    row = service.get_snapshot_or_raise(
        session=session, org_id=org_id, server_id=server_id, snapshot_id=snapshot_id
    )
    base = _snapshot_read(row, server).model_dump()
    return McpSnapshotDetail(**base, data=row.data or {}, diff=row.diff)


@router.get(
    "/servers/{server_id}/diff",
    response_model=McpDiffRead,
    responses=problem_responses(404, 409),
    summary="Diff between two snapshots (default: the current one and the one before)",
)
def get_diff(
    server_id: str,
    session: SessionDep,
    org_id: OrgIdDep,
    from_id: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    to_id: Annotated[str | None, Query(alias="to", max_length=64)] = None,
) -> McpDiffRead:
    result = service.diff_between(
        session=session, org_id=org_id, server_id=server_id, from_id=from_id, to_id=to_id
    )
    d = result.diff.to_dict()
    return McpDiffRead(
        server_id=server_id,
        from_snapshot_id=result.from_snapshot.id if result.from_snapshot else None,
        to_snapshot_id=result.to_snapshot.id,
        status=d["status"],
        pin_state=d["pin_state"],
        pin_error=d["pin_error"],
        approved=d["approved"],
        old_hash=d["old_hash"],
        new_hash=d["new_hash"],
        severity=d["severity"],
        rug_pull=d["rug_pull"],
        changes=[McpChange(**c) for c in d["changes"]],
        findings=d["findings"],
    )


@router.get(
    "/servers/{server_id}/agents",
    response_model=McpAgentUsagePage,
    responses=problem_responses(404),
    summary="Agents seen using this server (from the SDK's mcp.use events)",
)
def list_server_agents(
    server_id: str, session: SessionDep, org_id: OrgIdDep, page: PageDep
) -> McpAgentUsagePage:
    rows, cursor = service.server_agents(
        session=session, org_id=org_id, server_id=server_id, page=page
    )
    return McpAgentUsagePage(
        items=[
            McpAgentUsageRead(
                agent_id=u.agent_id,
                agent_name=name,
                server_id=u.server_id,
                server_name=u.server_name,
                list_count=u.list_count,
                call_count=u.call_count,
                tools_called={str(k): int(v) for k, v in (u.tools_called or {}).items()},
                first_seen_at=u.first_seen_at,
                last_seen_at=u.last_seen_at,
            )
            for u, name in rows
        ],
        next_cursor=cursor,
    )


@router.post(
    "/servers/{server_id}/approve",
    response_model=McpServerDetail,
    responses=problem_responses(404, 409),
    summary="Approve: pin the current snapshot and add it to the org allowlist",
)
def approve_server(
    server_id: str,
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
    data: Annotated[
        McpApprove | None, Body(examples=[{"note": "Reviewed tools v1.9.4 with the platform team"}])
    ] = None,
) -> McpServerDetail:
    server = service.approve(
        session=session,
        org_id=org_id,
        server_id=server_id,
        by=actor(request),
        note=data.note if data else None,
    )
    return _detail(session, org_id, server)


@router.post(
    "/servers/{server_id}/revoke",
    response_model=McpServerDetail,
    responses=problem_responses(404),
    summary="Withdraw approval (drops the pin and its allowlist entry)",
)
def revoke_server(server_id: str, session: SessionDep, org_id: OrgIdDep) -> McpServerDetail:
    server = service.revoke(session=session, org_id=org_id, server_id=server_id)
    return _detail(session, org_id, server)


@router.get("/findings", response_model=McpFindingPage, summary="MCP findings")
def list_findings(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    server_id: ServerId | None = None,
    finding_status: Annotated[FindingStatus | None, Query(alias="status")] = None,
    severity: Annotated[Severity | None, Query(description="This severity or above")] = None,
    rule_id: Annotated[str | None, Query(max_length=60)] = None,
    scope: Annotated[str | None, Query(max_length=500)] = None,
) -> McpFindingPage:
    rows, cursor = service.list_findings(
        session=session,
        org_id=org_id,
        page=page,
        server_id=server_id,
        status=finding_status,
        severity=severity,
        rule_id=rule_id,
        scope=scope,
    )
    return McpFindingPage(
        items=[McpFindingRead.model_validate(r) for r in rows], next_cursor=cursor
    )


@router.get(
    "/findings/{finding_id}",
    response_model=McpFindingRead,
    responses=problem_responses(404),
)
def get_finding(finding_id: str, session: SessionDep, org_id: OrgIdDep) -> McpFindingRead:
    return McpFindingRead.model_validate(
        service.get_finding_or_raise(session=session, org_id=org_id, finding_id=finding_id)
    )


@router.post(
    "/findings/{finding_id}/suppress",
    response_model=McpFindingRead,
    responses=problem_responses(404),
    summary="Suppress a finding (or accept a trifecta flow) with a reason",
)
def suppress_finding(
    finding_id: str, data: McpSuppress, request: Request, session: SessionDep, org_id: OrgIdDep
) -> McpFindingRead:
    row = service.suppress_finding(
        session=session, org_id=org_id, finding_id=finding_id, reason=data.reason, by=actor(request)
    )
    return McpFindingRead.model_validate(row)


@router.post(
    "/findings/{finding_id}/unsuppress",
    response_model=McpFindingRead,
    responses=problem_responses(404, 409),
    summary="Undo a suppression (a trifecta's accepted flow is withdrawn too); "
    "resolved instead of open when the latest scan no longer finds it",
)
def unsuppress_finding(finding_id: str, session: SessionDep, org_id: OrgIdDep) -> McpFindingRead:
    row = service.unsuppress_finding(session=session, org_id=org_id, finding_id=finding_id)
    return McpFindingRead.model_validate(row)


@router.get("/allowlist", response_model=McpAllowlistPage, summary="Approved servers and hashes")
def list_allowlist(session: SessionDep, org_id: OrgIdDep, page: PageDep) -> McpAllowlistPage:
    rows, cursor = service.list_allowlist(session=session, org_id=org_id, page=page)
    return McpAllowlistPage(
        items=[McpAllowlistRead.model_validate(r) for r in rows], next_cursor=cursor
    )


@router.post(
    "/allowlist",
    response_model=McpAllowlistRead,
    status_code=status.HTTP_201_CREATED,
    summary="Approve a server identity at a pinned hash",
)
def add_allowlist(
    data: McpAllowlistCreate, request: Request, session: SessionDep, org_id: OrgIdDep
) -> McpAllowlistRead:
    entry = service.add_allowlist_entry(
        session=session,
        org_id=org_id,
        identity_key=data.identity_key,
        server_hash=data.server_hash,
        note=data.note,
        by=actor(request),
    )
    return McpAllowlistRead.model_validate(entry)


@router.delete(
    "/allowlist/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
def remove_allowlist(entry_id: str, session: SessionDep, org_id: OrgIdDep) -> None:
    service.remove_allowlist_entry(session=session, org_id=org_id, entry_id=entry_id)


@router.get("/score", response_model=McpFleetScoreRead, summary="Fleet MCP score (posture)")
def fleet_score(session: SessionDep, org_id: OrgIdDep) -> McpFleetScoreRead:
    dim = service.fleet_score(session=session, org_id=org_id)
    return McpFleetScoreRead(
        value=dim.value,
        servers=int(dim.coverage.get("servers", 0)),
        at_risk=int(dim.coverage.get("at_risk", 0)),
        dimension=dim.to_dict(),
    )
