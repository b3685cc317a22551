"""The MCP dimension provider for the posture engine.

Register it where the posture engine assembles its providers::

    from threatvec.mcp.posture import McpPostureProvider
    from threatvec.posture.providers import registry

    registry.register(McpPostureProvider(), replace=True)

`compute` reads the stored per-server scores (`service.fleet_inputs`) and
applies the posture's own `mcp_dimension` formula to them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from threatvec.mcp import service
from threatvec.posture.dimensions import DimensionScore, mcp_dimension

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["McpPostureProvider"]


class McpPostureProvider:
    """`posture.providers.DimensionProvider` for the "mcp" dimension."""

    name = "mcp"

    def compute(self, *, session: Session, org_id: str, now: datetime) -> DimensionScore:
        return mcp_dimension(service.fleet_inputs(session=session, org_id=org_id))
