from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from threatvec.core.clock import utcnow
from threatvec.store.base import Base, JSONType


class Signal(Base):
    """A published signal. The id orders the stream and is the SSE event id."""

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    org_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("orgs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(60), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
