"""The Shadow AI dimension's provider: services in recent use, with what their registration allows.

Preferred over ``threatvec.shadow.posture`` (builtin.py) because the posture
needs one fact that the shadow domain's `posture_inputs` folds away: a
registered, approved service that received PII categories its registration
does not allow is passed on as "registered" with those categories
(`ShadowServiceInput.disallowed_pii`), so its reason says what is true
instead of "unregistered". The verdict itself stays the shadow domain's:
`shadow.service.refresh_risk` matches each service to its registration and
`shadow.risk.assess_service` names the disallowed categories.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.assets.models import Asset
from threatvec.posture.dimensions import DimensionScore, ShadowServiceInput, shadow_dimension
from threatvec.shadow.models import ShadowService, ShadowServicePii
from threatvec.shadow.risk import assess_service
from threatvec.shadow.service import POSTURE_WINDOW, refresh_risk

__all__ = ["ShadowProvider", "shadow_inputs"]


def _pii_events(session: Session, org_id: str, ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Events per PII category sent to each of these services."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    if not ids:
        return out
    rows = session.execute(
        select(
            ShadowServicePii.service_id, ShadowServicePii.category, ShadowServicePii.events
        ).where(ShadowServicePii.org_id == org_id, ShadowServicePii.service_id.in_(list(ids)))
    )
    for sid, category, events in rows:
        out[sid][category] = int(events or 0)
    return out


def _allowed_pii(session: Session, org_id: str, asset_ids: Sequence[str]) -> dict[str, list[str]]:
    """The PII categories each registration (asset metadata ``allowed_pii``) allows."""
    if not asset_ids:
        return {}
    rows = session.execute(
        select(Asset.id, Asset.meta).where(Asset.org_id == org_id, Asset.id.in_(list(asset_ids)))
    )
    out: dict[str, list[str]] = {}
    for asset_id, meta in rows:
        allowed = meta.get("allowed_pii") if isinstance(meta, dict) else None
        out[asset_id] = (
            [c for c in allowed if isinstance(c, str)] if isinstance(allowed, list) else []
        )
    return out


def shadow_inputs(
    *, session: Session, org_id: str, now: datetime, window: timedelta = POSTURE_WINDOW
) -> list[ShadowServiceInput] | None:
    """Services seen in the window as posture inputs; None when the org has no shadow telemetry."""
    if (
        session.scalar(select(ShadowService.id).where(ShadowService.org_id == org_id).limit(1))
        is None
    ):
        return None
    rows = list(
        session.scalars(
            select(ShadowService).where(
                ShadowService.org_id == org_id, ShadowService.last_seen >= now - window
            )
        )
    )
    # registrations may have changed since the services were last assessed
    refresh_risk(session=session, org_id=org_id, services=rows)
    trusted = [s for s in rows if s.registered and s.approved]
    pii = _pii_events(session, org_id, [s.id for s in trusted])
    allowed = _allowed_pii(session, org_id, [s.asset_id for s in trusted if s.asset_id])
    out = []
    for s in rows:
        disallowed: tuple[str, ...] = ()
        if s.registered and s.approved and pii.get(s.id):
            verdict = assess_service(
                known=s.known,
                registered=True,
                approved=True,
                pii_counts=pii[s.id],
                allowed_pii=allowed.get(s.asset_id or "", ()),
            )
            disallowed = verdict.disallowed_pii
        out.append(
            ShadowServiceInput(
                service_id=s.id,
                name=s.name,
                registered=s.registered and s.approved,
                known=s.known,
                pii_uploads=s.pii_uploads,
                events=s.events,
                users=s.users,
                disallowed_pii=disallowed,
                approval_pending=s.registered and not s.approved,
            )
        )
    return out


class ShadowProvider:
    """`posture.providers.DimensionProvider` for the "shadow" dimension."""

    name = "shadow"

    def compute(self, *, session: Session, org_id: str, now: datetime) -> DimensionScore:
        return shadow_dimension(shadow_inputs(session=session, org_id=org_id, now=now))
