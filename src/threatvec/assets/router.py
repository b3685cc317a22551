from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from threatvec.assets import service
from threatvec.assets.schemas import AssetCreate, AssetKind, AssetPage, AssetRead, AssetUpdate
from threatvec.core.deps import OrgIdDep, PageDep, SessionDep
from threatvec.core.problems import problem_responses

router = APIRouter(prefix="/assets", tags=["assets"], responses=problem_responses(401, 422))


@router.post(
    "",
    response_model=AssetRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
    summary="Register an agent, MCP server or AI service",
)
def create_asset(data: AssetCreate, session: SessionDep, org_id: OrgIdDep) -> AssetRead:
    return AssetRead.model_validate(service.create(session=session, org_id=org_id, data=data))


@router.get("", response_model=AssetPage, summary="List registered assets")
def list_assets(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    kind: AssetKind | None = None,
    approved: bool | None = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Search by name")] = None,
) -> AssetPage:
    rows, cursor = service.list_page(
        session=session, org_id=org_id, page=page, kind=kind, approved=approved, tag=tag, q=q
    )
    return AssetPage(items=[AssetRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get("/{asset_id}", response_model=AssetRead, responses=problem_responses(404))
def get_asset(asset_id: str, session: SessionDep, org_id: OrgIdDep) -> AssetRead:
    return AssetRead.model_validate(
        service.get_or_raise(session=session, org_id=org_id, asset_id=asset_id)
    )


@router.patch("/{asset_id}", response_model=AssetRead, responses=problem_responses(404, 409))
def update_asset(
    asset_id: str, data: AssetUpdate, session: SessionDep, org_id: OrgIdDep
) -> AssetRead:
    return AssetRead.model_validate(
        service.update(session=session, org_id=org_id, asset_id=asset_id, data=data)
    )


@router.delete(
    "/{asset_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404)
)
def delete_asset(asset_id: str, session: SessionDep, org_id: OrgIdDep) -> None:
    service.delete(session=session, org_id=org_id, asset_id=asset_id)
