from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from threatvec.store.base import Base, JSONType, OrgScoped, Timestamped, new_id

ASSET_KINDS = ("agent", "mcp_server", "ai_service")


class Asset(OrgScoped, Timestamped, Base):
    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("org_id", "kind", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    approved: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # "metadata" is reserved by SQLAlchemy's declarative API.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
