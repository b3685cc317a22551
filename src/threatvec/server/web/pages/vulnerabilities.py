"""Vulnerability Exposure: stats, the prioritised patch table, the ✨ query, CVE detail, tech stack.

Every action is a plain form (CSRF token included) posting to a page route
that calls the same services as the API; no inline JavaScript.
"""

from __future__ import annotations

from typing import Annotated, get_args
from urllib.parse import quote, quote_plus

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from threatvec.core.errors import PayloadTooLarge, ThreatVecError
from threatvec.core.llm import LlmClient
from threatvec.core.pagination import PageParams
from threatvec.server.web.render import PageContext, PageDep, check_csrf, redirect, render
from threatvec.vulns import ask, service, stack_jobs, stack_service
from threatvec.vulns.router import template_response
from threatvec.vulns.schemas import (
    AskResponse,
    PatchStatusUpdate,
    StackImportJobRead,
    TechStackImportResult,
)
from threatvec.vulns.service import TRANSITIONS
from threatvec.vulns.stack import MAX_STACK_BYTES
from threatvec.vulns.stack_service import StackFormat

router = APIRouter(include_in_schema=False)

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
STATUSES = ("open", "investigating", "fixed", "deployed", "wont_fix")
SORTS = {
    "-priority": "Priority",
    "due": "Due date",
    "-cvss": "CVSS",
    "-epss": "EPSS",
    "-published": "Published",
}
BOOL = {"": None, "yes": True, "no": False}


def _filters_from(args: dict[str, str]) -> service.PatchFilters:
    sev = args.get("severity", "")
    st = args.get("status", "")
    return service.PatchFilters(
        severity=[sev] if sev in SEVERITIES else [],
        status=[st] if st in STATUSES else [],
        scope="all" if args.get("scope") == "all" else "relevant",
        ai_only=args.get("ai_only") == "on",
        stack_only=args.get("stack_only") == "on",
        kev=BOOL.get(args.get("kev", "")),
        overdue=BOOL.get(args.get("overdue", "")),
        technology=(args.get("technology") or "").strip()[:100] or None,
        text=(args.get("q") or "").strip()[:200] or None,
    )


def _page(
    ctx: PageContext,
    args: dict[str, str],
    *,
    answer: AskResponse | None = None,
    question: str = "",
    imported: TechStackImportResult | None = None,
    job: StackImportJobRead | None = None,
    flash: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    org_id = ctx.org.id
    sort = args.get("sort") if args.get("sort") in SORTS else "-priority"
    filters = _filters_from(args)
    rows, cursor = service.list_page(
        session=ctx.session,
        org_id=org_id,
        page=PageParams(limit=50, cursor=args.get("cursor") or None, sort=sort),
        filters=filters,
    )
    stack, _ = stack_service.list_page(
        session=ctx.session, org_id=org_id, page=PageParams(limit=500)
    )
    keep = {k: v for k, v in args.items() if k != "cursor" and v}
    return render(
        ctx,
        "vulnerabilities.html",
        active="/vulnerabilities",
        title="Vulnerability Exposure",
        stats=service.stats(session=ctx.session, org_id=org_id),
        rows=rows,
        next_cursor=cursor,
        args=keep,
        sorts=SORTS,
        sort=sort,
        severities=SEVERITIES,
        statuses=STATUSES,
        transitions=TRANSITIONS,
        answer=answer,
        question=question,
        stack=stack,
        imported=imported,
        job=job,
        max_stack_kib=MAX_STACK_BYTES // 1024,
        flash=flash,
        error=error,
        status_code=status_code,
    )


@router.get("/vulnerabilities", response_class=HTMLResponse)
def vulnerabilities_page(
    ctx: PageDep,
    severity: str = "",
    status: str = "",
    scope: str = "",
    ai_only: str = "",
    stack_only: str = "",
    kev: str = "",
    overdue: str = "",
    technology: str = "",
    q: str = "",
    sort: str = "",
    cursor: str = "",
    flash: str = "",
    stack_import: str = "",
) -> HTMLResponse:
    args = {
        "severity": severity,
        "status": status,
        "scope": scope,
        "ai_only": ai_only,
        "stack_only": stack_only,
        "kev": kev,
        "overdue": overdue,
        "technology": technology[:100],
        "q": q[:200],
        "sort": sort,
        "cursor": cursor[:512],
    }
    try:
        if stack_import:
            return _import_job_page(ctx, args, stack_import[:64])
        return _page(ctx, args, flash=flash[:200] or None)
    except ThreatVecError as exc:
        return _page(ctx, {}, error=exc.detail, status_code=exc.status)


def _import_job_page(ctx: PageContext, args: dict[str, str], job_id: str) -> HTMLResponse:
    """The page with a background stack import: its progress, or its result once done."""
    job = stack_jobs.get_job(session=ctx.session, org_id=ctx.org.id, job_id=job_id)
    if job.status == "failed":
        return _page(ctx, args, job=job, error=f"Not imported: {job.error}")
    if job.status != "completed" or job.result is None:
        return _page(ctx, args, job=job)
    return _page(ctx, args, job=job, imported=job.result, flash=_import_message(job.result))


def _import_message(result: TechStackImportResult) -> str:
    if not result.applied:
        return "Nothing imported (strict mode and some rows were bad)"
    return f"Imported {result.imported} new, {result.updated} updated"


@router.post("/vulnerabilities/ask", response_class=HTMLResponse)
def ask_page(
    ctx: PageDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
    question: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse:
    check_csrf(ctx, csrf)
    question = " ".join(question.split())
    if not question:
        return _page(ctx, {}, error="Type a question first.", status_code=422)
    settings = ctx.request.app.state.settings
    result = ask.answer_question(
        session=ctx.session,
        org_id=ctx.org.id,
        question=question,
        llm=LlmClient.from_settings(settings),
    )
    return _page(ctx, {}, answer=result, question=question)


@router.get("/vulnerabilities/tech-stack-template.csv")
def template_csv(ctx: PageDep) -> Response:
    return template_response()


_STACK_FORMATS: dict[str, StackFormat] = {f: f for f in get_args(StackFormat)}


@router.post("/vulnerabilities/tech-stack", response_model=None)
def import_stack_page(
    ctx: PageDep,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=100)] = "",
    format: Annotated[str, Form(max_length=20)] = "",
    strict: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    check_csrf(ctx, csrf)
    data = file.file.read(MAX_STACK_BYTES + 1)
    fmt = _STACK_FORMATS.get(format)  # anything else: detected from the file
    # A background job (a 10,000-row stack takes seconds to score): the page that
    # follows shows its progress and reloads itself until the result is in.
    upload = stack_jobs.ImportRequest(
        data=data, fmt=fmt, filename=file.filename, strict=strict == "on", replace=False
    )
    try:
        if len(data) > MAX_STACK_BYTES:
            raise PayloadTooLarge(f"file is larger than {MAX_STACK_BYTES // 1024} KiB")
        job_id = stack_jobs.start_import(
            factory=ctx.request.app.state.session_factory,
            org_id=ctx.org.id,
            request=upload,
            by="dashboard",
        )
    except ThreatVecError as exc:
        return _page(ctx, {}, error=f"Not imported: {exc.detail}", status_code=exc.status)
    return redirect(ctx, f"/vulnerabilities?stack_import={quote(job_id)}#tech-stack")


@router.post("/vulnerabilities/tech-stack/{entry_id}/delete", response_model=None)
def delete_stack_entry(
    ctx: PageDep, entry_id: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(ctx, csrf)
    stack_service.delete_entry(session=ctx.session, org_id=ctx.org.id, entry_id=entry_id[:64])
    return redirect(ctx, "/vulnerabilities?flash=Stack+entry+removed")


@router.get("/vulnerabilities/{cve_id}", response_class=HTMLResponse)
def cve_page(ctx: PageDep, cve_id: str, flash: str = "") -> HTMLResponse:
    return _detail(ctx, cve_id[:40], flash=flash[:200] or None)


def _detail(
    ctx: PageContext,
    cve_id: str,
    *,
    flash: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    detail = service.get_detail(session=ctx.session, org_id=ctx.org.id, patch_id=cve_id)
    return render(
        ctx,
        "vulnerability_detail.html",
        active="/vulnerabilities",
        title=detail.cve_id,
        p=detail,
        transitions=TRANSITIONS,
        flash=flash,
        error=error,
        status_code=status_code,
    )


@router.post("/vulnerabilities/{cve_id}/status", response_model=None)
def change_status(
    ctx: PageDep,
    cve_id: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
    status: Annotated[str, Form(max_length=20)] = "",
    justification: Annotated[str, Form(max_length=2000)] = "",
    expires_on: Annotated[str, Form(max_length=20)] = "",
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    check_csrf(ctx, csrf)
    try:
        data = PatchStatusUpdate.model_validate(
            {
                "status": status,
                "justification": justification or None,
                "expires_on": expires_on or None,
            }
        )
        service.update_status(
            session=ctx.session,
            org_id=ctx.org.id,
            patch_id=cve_id[:40],
            data=data,
            actor=f"dashboard:{ctx.org.name}"[:200],
        )
    except ValidationError as exc:
        msg = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        return _detail(ctx, cve_id[:40], error=f"Not changed: {msg}", status_code=422)
    except ThreatVecError as exc:
        if exc.status == 404:
            raise
        return _detail(ctx, cve_id[:40], error=f"Not changed: {exc.detail}", status_code=exc.status)
    ctx.session.commit()
    cve = quote(cve_id[:40].upper(), safe="")
    label = status.replace("_", " ")
    if back == "list":
        note = quote_plus(f"{cve_id[:40]} is now {label}")
        return redirect(ctx, f"/vulnerabilities?flash={note}")
    return redirect(ctx, f"/vulnerabilities/{cve}?flash={quote_plus('Status changed to ' + label)}")
