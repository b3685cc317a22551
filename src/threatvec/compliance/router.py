"""The compliance API: the summary behind the Overview pills, and per-framework evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from threatvec.compliance import service
from threatvec.compliance.frameworks import framework_ids
from threatvec.compliance.freshness import fold_pending_posture
from threatvec.compliance.schemas import (
    ComplianceSummaryRead,
    EvidencePackageRead,
    FrameworkSummaryRead,
)
from threatvec.core.clock import utcnow
from threatvec.core.deps import OrgIdDep, SessionDep
from threatvec.core.problems import problem_responses

__all__ = ["router"]

router = APIRouter(prefix="/compliance", tags=["compliance"], responses=problem_responses(401, 422))

FrameworkPath = Annotated[
    str,
    Path(
        max_length=64,
        description="Framework id: " + ", ".join(framework_ids()),
        examples=["owasp-llm"],
    ),
]


@router.get(
    "/summary",
    response_model=ComplianceSummaryRead,
    summary="Per framework: controls by status and coverage percent (the Overview pills)",
)
def compliance_summary(
    request: Request, session: SessionDep, org_id: OrgIdDep
) -> ComplianceSummaryRead:
    now = utcnow()
    fold_pending_posture(request, session=session, org_id=org_id, now=now)
    results = service.evaluate_all(session=session, org_id=org_id, now=now)
    return ComplianceSummaryRead(
        generated_at=now, frameworks=[FrameworkSummaryRead.of(r) for r in results]
    )


@router.get(
    "/{framework}/evidence-export",
    response_model=EvidencePackageRead,
    responses=problem_responses(404),
    summary="The full evidence package of one framework (JSON, downloaded as a file)",
)
def evidence_export(
    framework: FrameworkPath,
    request: Request,
    response: Response,
    session: SessionDep,
    org_id: OrgIdDep,
) -> EvidencePackageRead:
    now = utcnow()
    service.get_framework_or_raise(framework)  # a bad id is a 404 before any work
    fold_pending_posture(request, session=session, org_id=org_id, now=now)
    package = service.evidence_package(session=session, org_id=org_id, framework=framework, now=now)
    name = service.export_filename(package["framework"], package["generated_at"])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return EvidencePackageRead.of(package)
