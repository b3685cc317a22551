"""Posture snapshots (one row per recompute) and the audit trail of score-weight changes.

A snapshot keeps the composite and each dimension's value in plain columns (the
history endpoint and alert rules read only those) and the whole explained
posture, at full precision, in ``data`` (factors, risks, coverage), so the
latest snapshot can be shown, briefed and what-if'd without recomputing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from threatvec.core.clock import utcnow
from threatvec.store.base import Base, JSONType, OrgScoped, UTCDateTime, new_id

__all__ = ["PostureSnapshot", "PostureWeightChange"]


class PostureSnapshot(OrgScoped, Base):
    """One computed posture: when, why, the numbers and their explanation."""

    __tablename__ = "posture_snapshots"
    __table_args__ = (Index("ix_posture_snapshots_org_computed", "org_id", "computed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # api | change | schedule | weights | demo | read (a stale read refreshed it)
    trigger: Mapped[str] = mapped_column(String(20), default="api")
    composite: Mapped[float | None] = mapped_column(Float, nullable=True)
    # {dimension: value or null}; dimensions are pluggable, so not one column each
    values: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    weights: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)


class PostureWeightChange(OrgScoped, Base):
    """Who changed the score weights, when, from what to what."""

    __tablename__ = "posture_weight_changes"
    __table_args__ = (Index("ix_posture_weight_changes_org_changed", "org_id", "changed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(200))
    previous: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    weights: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
