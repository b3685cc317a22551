"""Periodic Shadow AI jobs: pull Microsoft 365 Copilot audit records for each org."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from threatvec.core.settings import get_settings
from threatvec.jobs.registry import job
from threatvec.shadow import m365


@job(
    "shadow.m365_pull",
    every_s=900,
    description="Import Microsoft 365 Copilot interactions from the Management Activity API",
)
def m365_pull(*, session: Session, org_id: str) -> dict[str, Any]:
    settings = get_settings()
    client = m365.client_for_org(
        session=session,
        org_id=org_id,
        secret_key=settings.resolved_secret_key(),
        authority_url=settings.m365_authority_url,
        api_url=settings.m365_api_url,
        allow_private=settings.allow_private_outbound,
    )
    if client is None:
        return {"configured": False}
    return {
        "configured": True,
        **m365.pull(session=session, org_id=org_id, client=client).to_dict(),
    }
