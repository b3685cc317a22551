from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from threatvec.jobs.registry import job
from threatvec.signals import service


@job("signals.prune", every_s=3600, description="Delete live signals older than 7 days")
def prune_signals(*, session: Session, org_id: str) -> dict[str, Any]:
    return {"deleted": service.prune(session=session, org_id=org_id)}
