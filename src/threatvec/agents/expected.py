"""Agents registered in the assets registry that have not reported yet.

A team can register an agent (``POST /api/v1/assets``, kind ``agent``) before
any telemetry arrives. It has no row in ``agents`` (rows are made by ingest on
first sight), so the fleet shows it from the asset: an `ExpectedAgent` whose id
is the asset id, the same id the red-team domain already uses for an agent
known only as an asset. When the agent first reports, ingest links its new row
to the asset by name and the placeholder disappears; the asset id then resolves
to that agent. Deleting the asset removes the placeholder with it.

Nothing is written here: the placeholder is derived on read, so approval,
renaming and deletion in the registry need no second copy kept in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, or_, select
from sqlalchemy.orm import Session

from threatvec.agents.models import Agent
from threatvec.assets.models import Asset

__all__ = ["ExpectedAgent", "expected_agents", "resolve_asset_id"]


@dataclass(frozen=True, slots=True)
class ExpectedAgent:
    """A fleet entry for a registered agent with no telemetry: what an `Agent` row would show."""

    id: str  # the asset id
    name: str
    asset_id: str
    registered_at: datetime
    # Nothing reported, so nothing declared or seen: the fields an `Agent` fills from telemetry.
    reported: bool = False
    registered: bool = False  # SDK registration, which has not happened
    source: str | None = None
    sdk_version: str | None = None
    hostname: str | None = None
    frameworks: list[dict[str, Any]] = field(default_factory=list)
    integrations: list[str] = field(default_factory=list)
    capabilities: dict[str, Any] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    capture_content: bool = False
    heartbeat_interval_s: float | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    last_heartbeat: datetime | None = None
    events_total: int = 0

    @classmethod
    def of(cls, asset: Asset) -> ExpectedAgent:
        return cls(id=asset.id, name=asset.name, asset_id=asset.id, registered_at=asset.created_at)


# Up to this many candidates the linked check names them (IN list); above it, the org's links.
_FEW = 500


def _no_agent_named_like_it() -> Any:
    # The name check also covers an agent that kept its history after its asset was
    # deleted and the name was registered again: ingest links by name, so that agent is
    # the one the new asset means. Backed by the unique (org_id, name) index.
    return ~exists().where(and_(Agent.org_id == Asset.org_id, Agent.name == Asset.name))


def _linked(session: Session, org_id: str, asset_ids: list[str]) -> set[str]:
    """Which of these assets an agent row is linked to (one renamed since, say)."""
    stmt = select(Agent.asset_id).where(Agent.org_id == org_id, Agent.asset_id.is_not(None))
    if len(asset_ids) <= _FEW:
        stmt = stmt.where(Agent.asset_id.in_(asset_ids))
    return {a for a in session.scalars(stmt) if a is not None}


def expected_agents(
    *,
    session: Session,
    org_id: str,
    q: str | None = None,
    asset_ids: Iterable[str] | None = None,
    registered_by: datetime | None = None,
    limit: int | None = None,
) -> list[ExpectedAgent]:
    """Agents of this org registered as assets that have not reported, by name."""
    # Two steps rather than one NOT EXISTS with an OR: agents.asset_id has no index, and
    # the name test alone leaves only the few registered agents that have not reported.
    stmt = select(Asset).where(
        Asset.org_id == org_id, Asset.kind == "agent", _no_agent_named_like_it()
    )
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Asset.name.ilike(f"%{escaped}%", escape="\\"))
    if asset_ids is not None:
        stmt = stmt.where(Asset.id.in_(list(asset_ids)))
    if registered_by is not None:
        stmt = stmt.where(Asset.created_at <= registered_by)
    stmt = stmt.order_by(Asset.name, Asset.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    candidates = list(session.scalars(stmt))
    if not candidates:
        return []
    linked = _linked(session, org_id, [a.id for a in candidates])
    return [ExpectedAgent.of(a) for a in candidates if a.id not in linked]


def resolve_asset_id(
    *, session: Session, org_id: str, asset_id: str
) -> Agent | ExpectedAgent | None:
    """What an agent asset's id stands for in the fleet: its agent once it reported, else itself.

    The placeholder's id is the asset id, so a link to it keeps working after
    the agent reports and becomes a normal card.
    """
    asset = session.scalar(
        select(Asset).where(Asset.org_id == org_id, Asset.id == asset_id, Asset.kind == "agent")
    )
    if asset is None:
        return None
    agent = session.scalar(
        select(Agent)
        .where(Agent.org_id == org_id, or_(Agent.asset_id == asset.id, Agent.name == asset.name))
        # the linked row first; a name match only stands in when nothing is linked
        .order_by(case((Agent.asset_id == asset.id, 0), else_=1))
        .limit(1)
    )
    return agent if agent is not None else ExpectedAgent.of(asset)
