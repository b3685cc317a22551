"""Fold data changes still waiting for the debounced posture recompute into the posture.

Data changes are folded into the posture seconds after they happen (posture/recompute.py);
GET /posture and the Overview fold any waiting changes in on read. Evidence and the
Board Pack must do the same, or a pack downloaded right after a change shows an older
score than the dashboard beside it.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session

from threatvec.posture import service as posture
from threatvec.posture.recompute import take_pending

__all__ = ["fold_pending_posture"]


def fold_pending_posture(request: Request, *, session: Session, org_id: str, now: datetime) -> None:
    pending = take_pending(request.app.state, org_id)
    if pending is not None:
        posture.current(session=session, org_id=org_id, now=now, pending=pending)
