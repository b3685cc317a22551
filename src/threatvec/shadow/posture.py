"""The Shadow AI dimension provider for the posture engine.

`compute` aggregates the services seen in the last 30 days (`service.posture_inputs`)
and applies the posture's own `shadow_dimension` formula; an org with no shadow
telemetry at all (no extension, no Microsoft 365 import) gets "no data", not 100.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from threatvec.posture.dimensions import DimensionScore, shadow_dimension
from threatvec.shadow import service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["ShadowProvider"]


class ShadowProvider:
    """`posture.providers.DimensionProvider` for the "shadow" dimension."""

    name = "shadow"

    def compute(self, *, session: Session, org_id: str, now: datetime) -> DimensionScore:
        return shadow_dimension(service.posture_inputs(session=session, org_id=org_id, now=now))
