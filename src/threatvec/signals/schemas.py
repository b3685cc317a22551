from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class SignalRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 42,
                    "kind": "tool.call",
                    "data": {"agent": "support-bot", "tool": "send_email"},
                    "created_at": "2026-11-25T10:00:00Z",
                }
            ]
        },
    )

    id: int
    kind: str
    data: dict[str, Any]
    created_at: datetime


class SignalList(BaseModel):
    items: list[SignalRead]
