"""/api/v1/enforcement: sources (secrets shown once), the event feed, stats and the gap scan.

The webhook itself is `enforcement/webhook.py` (signed, no org key).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from threatvec.core.crypto import SecretBox
from threatvec.core.deps import OrgIdDep, PageDep, SessionDep, actor
from threatvec.core.errors import InvalidInput
from threatvec.core.problems import problem_responses
from threatvec.core.public_url import configured_url
from threatvec.enforcement import service, snapper
from threatvec.enforcement.gaps import GapScan
from threatvec.enforcement.schemas import (
    Action,
    Category,
    EventPage,
    EventRead,
    GapPairRead,
    GapScanRead,
    SecurityEventPage,
    SecurityEventRead,
    SourceCreate,
    SourceCreated,
    SourcePage,
    SourceRead,
    SourceRotate,
    SourceUpdate,
    StatsRead,
)

router = APIRouter(
    prefix="/enforcement", tags=["enforcement"], responses=problem_responses(401, 422)
)

IdPath = Annotated[str, Path(min_length=1, max_length=64)]


def _box(request: Request) -> SecretBox:
    return SecretBox(request.app.state.secret_key)


def _created(source: object, secret: str, request: Request) -> SourceCreated:
    read = SourceRead.model_validate(source)
    created = SourceCreated(**read.model_dump(), secret=secret)
    if read.kind == "snapper":
        # Snapper signs its own way and posts to its own path (docs/enforcement.md §7).
        created.webhook_path = snapper.PATH.format(source_id=read.id)
    base = configured_url(request.app.state.settings)
    if base:
        created.webhook_url = base + created.webhook_path
    return created


@router.post(
    "/sources",
    response_model=SourceCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Add an enforcement source; the reply holds its signing secret, shown once",
)
def create_source(
    data: SourceCreate, request: Request, session: SessionDep, org_id: OrgIdDep
) -> SourceCreated:
    source, secret = service.create_source(
        session=session, org_id=org_id, data=data, box=_box(request), actor=actor(request)
    )
    return _created(source, secret, request)


@router.get("/sources", response_model=SourcePage, summary="List enforcement sources")
def list_sources(
    session: SessionDep, org_id: OrgIdDep, page: PageDep, enabled: bool | None = None
) -> SourcePage:
    rows, cursor = service.list_sources(session=session, org_id=org_id, page=page, enabled=enabled)
    return SourcePage(items=[SourceRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get("/sources/{source_id}", response_model=SourceRead, responses=problem_responses(404))
def get_source(source_id: IdPath, session: SessionDep, org_id: OrgIdDep) -> SourceRead:
    return SourceRead.model_validate(
        service.get_source_or_raise(session=session, org_id=org_id, source_id=source_id)
    )


@router.patch(
    "/sources/{source_id}",
    response_model=SourceRead,
    responses=problem_responses(404),
    summary='Rename or disable a source ({"enabled": false} refuses its webhooks)',
)
def update_source(
    source_id: IdPath, data: SourceUpdate, session: SessionDep, org_id: OrgIdDep
) -> SourceRead:
    return SourceRead.model_validate(
        service.update_source(session=session, org_id=org_id, source_id=source_id, data=data)
    )


@router.post(
    "/sources/{source_id}/rotate",
    response_model=SourceCreated,
    responses=problem_responses(404),
    summary="Rotate the signing secret; the new one is in the reply, shown once",
)
def rotate_source(
    source_id: IdPath,
    data: SourceRotate,
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
) -> SourceCreated:
    source, secret = service.rotate_secret(
        session=session,
        org_id=org_id,
        source_id=source_id,
        box=_box(request),
        grace_minutes=data.grace_minutes,
    )
    return _created(source, secret, request)


@router.delete(
    "/sources/{source_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
    summary="Delete a source and the events it reported",
)
def delete_source(source_id: IdPath, session: SessionDep, org_id: OrgIdDep) -> None:
    service.delete_source(session=session, org_id=org_id, source_id=source_id)


def _require_zone(since: datetime | None) -> None:
    """A ``since`` without a zone is ambiguous: refuse it rather than guess UTC."""
    if since is not None and since.tzinfo is None:
        raise InvalidInput(("query", "since"), "since needs a timezone (e.g. a trailing Z)")


@router.get(
    "/events",
    response_model=EventPage,
    summary="Enforcement decisions, newest first (sort=ts|-ts|received_at|-received_at)",
)
def list_events(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    action: Action | None = None,
    category: Category | None = None,
    agent: Annotated[str | None, Query(max_length=200, description="Agent name or id")] = None,
    source_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query(description="RFC 3339 with a zone")] = None,
) -> EventPage:
    _require_zone(since)
    rows, cursor = service.list_events(
        session=session,
        org_id=org_id,
        page=page,
        action=action,
        category=category,
        agent=agent,
        source_id=source_id,
        since=since,
    )
    return EventPage(items=[EventRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get(
    "/security-events",
    response_model=SecurityEventPage,
    summary="Snapper's security and threat-engine events, newest first",
    description=(
        "Quarantined agents, security alerts, CVE mitigations, finished scans and the threat "
        "engine's events (threats detected, threat scores raised, kill chains completed, "
        "threats resolved or marked false positives), kept as long as their source. "
        "`sort=ts|-ts|received_at|-received_at`. See docs/enforcement.md §7."
    ),
)
def list_security_events(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    event: Annotated[str | None, Query(max_length=60, description="Snapper's audit action")] = None,
    agent: Annotated[str | None, Query(max_length=200)] = None,
    source_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query(description="RFC 3339 with a zone")] = None,
) -> SecurityEventPage:
    _require_zone(since)
    rows, cursor = service.list_security_events(
        session=session,
        org_id=org_id,
        page=page,
        event=event,
        agent=agent,
        source_id=source_id,
        since=since,
    )
    return SecurityEventPage(
        items=[SecurityEventRead.model_validate(r) for r in rows], next_cursor=cursor
    )


@router.get(
    "/stats",
    response_model=StatsRead,
    summary="Decision counts per action, category and agent over 24 h and 7 d",
)
def get_stats(session: SessionDep, org_id: OrgIdDep) -> StatsRead:
    return service.stats(session=session, org_id=org_id)


def gap_scan_read(result: GapScan, *, limit: int, covered: bool | None = None) -> GapScanRead:
    """The API shape of a gap scan (totals always over every pair; `pairs` filtered, capped)."""
    shown = [p for p in result.pairs if covered is None or p.covered is covered][:limit]
    return GapScanRead(
        generated_at=result.generated_at,
        window_days=result.window_days,
        high_risk_pairs=len(result.pairs),
        covered=result.covered,
        uncovered=len(result.pairs) - result.covered,
        coverage=result.coverage,
        weighted_coverage=result.weighted_coverage,
        blocked_7d=result.blocked_7d,
        sources_total=result.sources_total,
        sources_reporting=result.sources_reporting,
        unmatched_agents=list(result.unmatched_agents),
        explanation=result.explanation(),
        pairs=[
            GapPairRead(
                agent_id=p.agent_id,
                agent_name=p.agent_name,
                tool=p.tool,
                mcp_server=p.mcp_server,
                risk=p.risk,  # type: ignore[arg-type]
                weight=p.weight,
                reasons=list(p.reasons),
                covered=p.covered,
                coverage=p.coverage,  # type: ignore[arg-type]
                last_decision_at=p.last_decision_at,
                decisions=p.decisions,
                blocked=p.blocked,
                sources=list(p.sources),
            )
            for p in shown
        ],
    )


@router.get(
    "/gap-scan",
    response_model=GapScanRead,
    summary="High-risk agent-tool pairs and whether an enforcement layer covers each",
    description=(
        "Pairs come from the agents' observed tool calls, the MCP inventory's tool labels and "
        "open lethal-trifecta findings; a pair is covered by a decision (any action) for that "
        "agent and tool, or an agent-wide one, in the last 7 days. Uncovered and critical "
        "pairs come first. See docs/enforcement.md."
    ),
)
def gap_scan(
    session: SessionDep,
    org_id: OrgIdDep,
    covered: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Pairs listed")] = 200,
) -> GapScanRead:
    return gap_scan_read(
        service.gap_scan(session=session, org_id=org_id), limit=limit, covered=covered
    )
