"""The reports API: the Board Pack download."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from threatvec.compliance.freshness import fold_pending_posture
from threatvec.core.clock import utcnow
from threatvec.core.deps import OrgIdDep, SessionDep, SettingsDep
from threatvec.core.llm import LlmClient
from threatvec.core.problems import problem_responses
from threatvec.reports import service

__all__ = ["router"]

router = APIRouter(prefix="/reports", tags=["reports"], responses=problem_responses(401, 422))


@router.get(
    "/board-pack",
    response_class=Response,
    responses={
        200: {
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            "description": "A zip: summary.json, SUMMARY.md and evidence/<framework>.json",
        }
    },
    summary="Download the Board Pack: posture, brief, top risks and every framework's evidence",
)
def board_pack(
    request: Request, session: SessionDep, org_id: OrgIdDep, settings: SettingsDep
) -> Response:
    now = utcnow()
    fold_pending_posture(request, session=session, org_id=org_id, now=now)
    llm = LlmClient.from_settings(settings)
    pack = service.board_pack(session=session, org_id=org_id, llm=llm, now=now)
    return Response(
        pack.content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{pack.filename}"',
            "Cache-Control": "no-store",
        },
    )
