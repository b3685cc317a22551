"""Periodic alert jobs: evaluate rules on new signals, then drain the delivery outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from threatvec.alerts import flows, service
from threatvec.core.crypto import SecretBox
from threatvec.core.settings import get_settings
from threatvec.jobs.registry import job


# The "alerts" lane has its own scheduler thread: a slow feed sync never delays a notification.
@job(
    "alerts.evaluate",
    every_s=30,
    description="Evaluate alert rules on new signals",
    lane="alerts",
)
def evaluate(*, session: Session, org_id: str) -> dict[str, Any]:
    # The runner commits this session: the cursor and the alerts land together.
    adopted = service.adopt_shadow_intents(session=session, org_id=org_id)
    return {**flows.evaluate(session=session, org_id=org_id).to_dict(), "adopted": adopted}


@job(
    "alerts.deliver",
    every_s=30,
    description="Send queued alert notifications (with retries)",
    lane="alerts",
)
def deliver(*, session: Session, org_id: str) -> dict[str, Any]:
    settings = get_settings()
    return flows.deliver_due(
        session=session,
        org_id=org_id,
        box=SecretBox(settings.resolved_secret_key()),
        allow_private=settings.allow_private_outbound,
    ).to_dict()
