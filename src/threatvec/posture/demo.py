"""Demo posture history: snapshots over the last 7 days, each computed from the demo data.

Every point is a real recompute at a past moment (`now` moved back): each
provider reads the demo data as it stood then (agents first seen later are
left out, activity and usage windows end at that moment). Nothing here holds a
score; seed this after the areas whose data it reads (last in DEMO_MODULES).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.posture import service

DAYS = 7
STEP = timedelta(hours=6)


def seed(*, session: Session, org_id: str) -> None:
    now = utcnow()
    at = now - timedelta(days=DAYS)
    while at < now:
        service.recompute(session=session, org_id=org_id, now=at, trigger="demo")
        at += STEP
    service.recompute(session=session, org_id=org_id, now=now, trigger="demo")
