"""The scheduled sync: every minute, each org's integrations whose schedule is due."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from threatvec.core.crypto import SecretBox
from threatvec.core.settings import get_settings
from threatvec.integrations import flows
from threatvec.jobs.registry import job


@job("integrations.sync", every_s=60, description="Sync the integrations whose schedule is due")
def sync_due(*, session: Session, org_id: str) -> dict[str, Any]:
    settings = get_settings()
    return flows.run_due(
        session=session,
        org_id=org_id,
        box=SecretBox(settings.resolved_secret_key()),
        allow_private=settings.allow_private_outbound,
    )
