"""Patches, CVE facts and the tech stack over HTTP (thin: parse, call the service, reply)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile, status
from fastapi.responses import Response

from threatvec.core.deps import OrgIdDep, PageDep, SessionDep, SettingsDep, actor
from threatvec.core.errors import PayloadTooLarge
from threatvec.core.llm import LlmClient
from threatvec.core.problems import problem_responses
from threatvec.vulns import ask, service, stack_jobs, stack_service
from threatvec.vulns.csv_safe import csv_text
from threatvec.vulns.schemas import (
    AskRequest,
    AskResponse,
    CveFactsRead,
    PatchDetail,
    PatchPage,
    PatchStats,
    PatchStatusUpdate,
    Severity,
    StackImportJobRead,
    TechStackEntryRead,
    TechStackImportResult,
    TechStackPage,
)
from threatvec.vulns.stack import MAX_STACK_BYTES, TECH_STACK_TEMPLATE_CSV

router = APIRouter(tags=["vulnerabilities"], responses=problem_responses(401, 422))


@router.get("/patches", response_model=PatchPage, summary="List patches by priority")
def list_patches(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    severity: Annotated[list[Severity] | None, Query(max_length=5)] = None,
    status_: Annotated[
        list[Literal["open", "investigating", "fixed", "deployed", "wont_fix"]] | None,
        Query(alias="status", max_length=5),
    ] = None,
    scope: Annotated[
        Literal["relevant", "all"],
        Query(description="relevant = AI-relevant or in the tech stack (default); all = every CVE"),
    ] = "relevant",
    ai_only: bool = False,
    stack_only: bool = False,
    kev: bool | None = None,
    overdue: bool | None = None,
    technology: Annotated[str | None, Query(max_length=100)] = None,
    text: Annotated[
        str | None, Query(max_length=200, description="Search id and description")
    ] = None,
    with_total: bool = False,
) -> PatchPage:
    """Sort with `sort=priority|cvss|epss|published|due` (prefix `-` for descending);
    the default is `-priority`."""
    filters = service.PatchFilters(
        severity=severity or (),
        status=status_ or (),
        scope=scope,
        ai_only=ai_only,
        stack_only=stack_only,
        kev=kev,
        overdue=overdue,
        technology=technology or None,
        text=text or None,
    )
    items, cursor = service.list_page(session=session, org_id=org_id, page=page, filters=filters)
    total = None
    if with_total and not page.cursor:
        total = service.count(session=session, org_id=org_id, filters=filters)
    return PatchPage(items=items, next_cursor=cursor, total=total)


@router.get("/patches/stats", response_model=PatchStats, summary="Headline patch counts")
def patch_stats(session: SessionDep, org_id: OrgIdDep) -> PatchStats:
    return service.stats(session=session, org_id=org_id)


@router.post("/patches/ask", response_model=AskResponse, summary="Ask about patches in plain words")
def ask_patches(
    data: AskRequest, session: SessionDep, org_id: OrgIdDep, settings: SettingsDep
) -> AskResponse:
    return ask.answer_question(
        session=session,
        org_id=org_id,
        question=data.question,
        llm=LlmClient.from_settings(settings),
    )


@router.get(
    "/patches/{patch_id}",
    response_model=PatchDetail,
    responses=problem_responses(404),
    summary="One patch with its CVE facts, priority components, SLA and history",
)
def get_patch(patch_id: str, session: SessionDep, org_id: OrgIdDep) -> PatchDetail:
    return service.get_detail(session=session, org_id=org_id, patch_id=patch_id[:100])


@router.patch(
    "/patches/{patch_id}/status",
    response_model=PatchDetail,
    responses=problem_responses(404, 409),
    summary="Change a patch's status",
)
def update_patch_status(
    patch_id: str,
    data: PatchStatusUpdate,
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
) -> PatchDetail:
    return service.update_status(
        session=session, org_id=org_id, patch_id=patch_id[:100], data=data, actor=actor(request)
    )


@router.get(
    "/cves/{cve_id}",
    response_model=CveFactsRead,
    responses=problem_responses(404),
    summary="What the sources say about one CVE (shared reference data)",
    openapi_extra={"x-threatvec-scope": "global"},
)
def get_cve(cve_id: str, session: SessionDep) -> CveFactsRead:
    return service.cve_facts(session=session, cve_id=cve_id[:40])


# --------------------------------------------------------------------------- tech stack


@router.get("/tech-stack", response_model=TechStackPage, summary="List the tech stack")
def list_stack(
    session: SessionDep,
    org_id: OrgIdDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=200, description="Exact technology name")] = None,
) -> TechStackPage:
    rows, cursor = stack_service.list_page(session=session, org_id=org_id, page=page, q=q)
    return TechStackPage(
        items=[TechStackEntryRead.model_validate(r) for r in rows], next_cursor=cursor
    )


# The upload and options of both stack imports (synchronous and as a job).
StackFile = Annotated[UploadFile, File(description="The stack file (at most 2 MiB)")]
StackFormat = Annotated[
    Literal["csv", "cyclonedx", "requirements"] | None,
    Form(description="Leave empty to detect it from the content"),
]
StrictImport = Annotated[bool, Query(description="Import nothing if any row is bad")]
ReplaceStack = Annotated[bool, Query(description="Remove entries not in this file")]


@router.post(
    "/tech-stack/import",
    response_model=TechStackImportResult,
    responses=problem_responses(413),
    summary="Import a tech stack: CSV, CycloneDX JSON or requirements.txt / pip freeze",
)
def import_stack(
    session: SessionDep,
    org_id: OrgIdDep,
    file: StackFile,
    format: StackFormat = None,
    strict: StrictImport = False,
    replace: ReplaceStack = False,
) -> TechStackImportResult:
    data = file.file.read(MAX_STACK_BYTES + 1)
    if len(data) > MAX_STACK_BYTES:
        raise PayloadTooLarge(f"file is larger than {MAX_STACK_BYTES} bytes")
    return stack_service.import_stack(
        session=session,
        org_id=org_id,
        data=data,
        fmt=format,
        filename=file.filename,
        strict=strict,
        replace=replace,
    )


@router.post(
    "/tech-stack/imports",
    response_model=StackImportJobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(409, 413),
    summary="Start a tech-stack import in the background; poll it for its progress",
    description=(
        "The same file and options as `POST /tech-stack/import`, answered at once with a job "
        "(202). Poll `GET /tech-stack/imports/{id}` for `status`, `phase` and `percent`; when "
        "`completed`, `result` is what the synchronous import answers. 409 while another "
        "import of the org is running."
    ),
)
def start_stack_import(
    request: Request,
    session: SessionDep,
    org_id: OrgIdDep,
    file: StackFile,
    format: StackFormat = None,
    strict: StrictImport = False,
    replace: ReplaceStack = False,
) -> StackImportJobRead:
    upload = stack_jobs.ImportRequest(
        data=file.file.read(MAX_STACK_BYTES + 1),
        fmt=format,
        filename=file.filename,
        strict=strict,
        replace=replace,
    )
    job_id = stack_jobs.start_import(
        factory=request.app.state.session_factory, org_id=org_id, request=upload, by=actor(request)
    )
    return stack_jobs.get_job(session=session, org_id=org_id, job_id=job_id)


@router.get(
    "/tech-stack/imports/{job_id}",
    response_model=StackImportJobRead,
    responses=problem_responses(404),
    summary="A background tech-stack import: status, phase, percent and, once done, result",
)
def get_stack_import(job_id: str, session: SessionDep, org_id: OrgIdDep) -> StackImportJobRead:
    return stack_jobs.get_job(session=session, org_id=org_id, job_id=job_id[:64])


@router.get(
    "/tech-stack/template.csv",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "A CSV template with example rows",
        }
    },
    summary="Download the tech-stack CSV template",
)
# the file name the help page gives, for links that use it
@router.get("/tech-stack-template.csv", response_class=Response, include_in_schema=False)
def stack_template() -> Response:
    return template_response()


def template_response() -> Response:
    lines = [r.split(",") for r in TECH_STACK_TEMPLATE_CSV.strip().splitlines()]
    body = csv_text(lines[0], [[c for c in row] for row in lines[1:]])
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tech-stack-template.csv"'},
    )


@router.delete(
    "/tech-stack/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
    summary="Remove a tech-stack entry",
)
def delete_stack_entry(entry_id: str, session: SessionDep, org_id: OrgIdDep) -> None:
    stack_service.delete_entry(session=session, org_id=org_id, entry_id=entry_id[:64])
