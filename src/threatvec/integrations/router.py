"""/api/v1/integrations: kinds, configs (secrets write-only), connection test, sync now, runs.

Receive kinds (Zscaler) get an ingest token in the create reply, shown once;
POST …/token rotates it. Their receiver is integrations/receiver.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Request, status

from threatvec.core.crypto import SecretBox
from threatvec.core.deps import OrgIdDep, PageDep, SessionDep
from threatvec.core.problems import problem_responses
from threatvec.core.public_url import configured_url
from threatvec.integrations import flows, service, tokens
from threatvec.integrations.kinds import kind_reads
from threatvec.integrations.models import Integration
from threatvec.integrations.schemas import (
    IntegrationCreate,
    IntegrationCreated,
    IntegrationKind,
    IntegrationPage,
    IntegrationRead,
    IntegrationUpdate,
    KindRead,
    RunPage,
    RunRead,
    TestResult,
    TokenRotate,
)

router = APIRouter(
    prefix="/integrations", tags=["integrations"], responses=problem_responses(401, 422)
)

IdPath = Annotated[str, Path(min_length=1, max_length=64)]


def _box(request: Request) -> SecretBox:
    return SecretBox(request.app.state.secret_key)


def _allow_private(request: Request) -> bool:
    return bool(request.app.state.settings.allow_private_outbound)


@router.get(
    "/kinds",
    response_model=list[KindRead],
    summary="The integrations on offer, what each provides, and their documented fields",
    openapi_extra={"x-threatvec-scope": "global"},
)
def list_kinds() -> list[KindRead]:
    return kind_reads()


def _read(row: Integration, request: Request) -> IntegrationRead:
    read = service.read(row)
    base = configured_url(request.app.state.settings)
    # Only the configured public URL: this request's address (or Host) is no address for a vendor.
    if base and read.receiver is not None:
        read.receiver.url = base + read.receiver.path
    return read


def _created(row: Integration, token: str | None, request: Request) -> IntegrationCreated:
    read = _read(row, request)
    return IntegrationCreated(**read.model_dump(), token=token)


@router.post(
    "",
    response_model=IntegrationCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
    summary="Configure an integration (secrets write-only; a receive kind's token shown once)",
)
def create_integration(
    data: IntegrationCreate, request: Request, session: SessionDep, org_id: OrgIdDep
) -> IntegrationCreated:
    row, token = service.create_with_token(
        session=session,
        org_id=org_id,
        data=data,
        box=_box(request),
        allow_private=_allow_private(request),
    )
    return _created(row, token, request)


@router.get("", response_model=IntegrationPage, summary="List the org's integrations")
def list_integrations(
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    kind: IntegrationKind | None = None,
    enabled: bool | None = None,
) -> IntegrationPage:
    rows, cursor = service.list_page(
        session=session, org_id=org_id, page=page, kind=kind, enabled=enabled
    )
    return IntegrationPage(items=[_read(r, request) for r in rows], next_cursor=cursor)


@router.get("/{integration_id}", response_model=IntegrationRead, responses=problem_responses(404))
def get_integration(
    integration_id: IdPath, request: Request, session: SessionDep, org_id: OrgIdDep
) -> IntegrationRead:
    return _read(
        service.get_or_raise(session=session, org_id=org_id, integration_id=integration_id),
        request,
    )


@router.patch(
    "/{integration_id}",
    response_model=IntegrationRead,
    responses=problem_responses(404, 409),
    summary='Change an integration (toggle with {"enabled": false}; omitted secrets are kept)',
)
def update_integration(
    integration_id: IdPath,
    data: IntegrationUpdate,
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
) -> IntegrationRead:
    row = service.update(
        session=session,
        org_id=org_id,
        integration_id=integration_id,
        data=data,
        box=_box(request),
        allow_private=_allow_private(request),
    )
    return _read(row, request)


@router.delete(
    "/{integration_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404)
)
def delete_integration(integration_id: IdPath, session: SessionDep, org_id: OrgIdDep) -> None:
    service.delete(session=session, org_id=org_id, integration_id=integration_id)


@router.post(
    "/{integration_id}/token",
    response_model=IntegrationCreated,
    responses=problem_responses(404),
    summary="Rotate a receive integration's ingest token; the new one is in the reply, once",
)
def rotate_token(
    integration_id: IdPath,
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
    data: Annotated[TokenRotate | None, Body(examples=[{"grace_minutes": 60}])] = None,
) -> IntegrationCreated:
    # No body is the default rotation: the old token stops working at once.
    row, token = tokens.rotate(
        session=session,
        org_id=org_id,
        integration_id=integration_id,
        grace_minutes=data.grace_minutes if data is not None else 0,
    )
    return _created(row, token, request)


@router.post(
    "/{integration_id}/test",
    response_model=TestResult,
    responses=problem_responses(404),
    summary="Check the URL and credentials with a real, read-only request to the vendor",
)
def test_integration(
    integration_id: IdPath, request: Request, session: SessionDep, org_id: OrgIdDep
) -> TestResult:
    return flows.test_connection(
        session=session,
        org_id=org_id,
        integration_id=integration_id,
        box=_box(request),
        allow_private=_allow_private(request),
    )


@router.post(
    "/{integration_id}/sync",
    response_model=RunRead,
    responses=problem_responses(404, 409),
    summary="Sync now (the scheduler also does, on the integration's schedule)",
)
def sync_integration(
    integration_id: IdPath, request: Request, session: SessionDep, org_id: OrgIdDep
) -> RunRead:
    run = flows.run_sync(
        session=session,
        org_id=org_id,
        integration_id=integration_id,
        box=_box(request),
        allow_private=_allow_private(request),
        trigger="api",
    )
    return RunRead.model_validate(run)


@router.get(
    "/{integration_id}/runs",
    response_model=RunPage,
    responses=problem_responses(404),
    summary="Sync history, newest first",
)
def list_runs(
    integration_id: IdPath, session: SessionDep, org_id: OrgIdDep, page: PageDep
) -> RunPage:
    rows, cursor = service.list_run_page(
        session=session, org_id=org_id, integration_id=integration_id, page=page
    )
    return RunPage(items=[RunRead.model_validate(r) for r in rows], next_cursor=cursor)
