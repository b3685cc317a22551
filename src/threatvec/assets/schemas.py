from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from threatvec.core.pagination import Page

AssetKind = Literal["agent", "mcp_server", "ai_service"]
MAX_METADATA_BYTES = 16 * 1024

_EXAMPLE: JsonDict = {
    "kind": "agent",
    "name": "support-bot",
    "owner": "platform-team@example.com",
    "description": "Customer support agent with CRM and email tools",
    "tags": ["prod", "customer-facing"],
    "approved": True,
    "metadata": {"repo": "git.example.com/support-bot"},
}


def _check_tags(tags: list[str]) -> list[str]:
    cleaned = []
    for tag in tags:
        tag = tag.strip()
        if not tag or len(tag) > 50:
            raise ValueError("each tag must be 1–50 characters")
        if tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def _check_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(meta, default=str)) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata must serialise to at most {MAX_METADATA_BYTES} bytes")
    return meta


class AssetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    kind: AssetKind
    name: str = Field(min_length=1, max_length=200)
    owner: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    tags: list[str] = Field(default_factory=list, max_length=20)
    approved: bool = False
    metadata: dict[str, Any] = Field(default_factory=dict)

    _tags = field_validator("tags")(_check_tags)
    _meta = field_validator("metadata")(_check_metadata)

    @field_validator("name")
    @classmethod
    def _strip_name(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("name must not be blank")
        return v


class AssetUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"approved": True, "tags": ["prod"]}]},
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    owner: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    tags: list[str] | None = Field(default=None, max_length=20)
    approved: bool | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _check_tags(v)

    @field_validator("metadata")
    @classmethod
    def _meta(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if v is None else _check_metadata(v)


class AssetRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    **_EXAMPLE,
                    "id": "3f2b9c0d8e7a4b6c9d1e2f3a4b5c6d7e",
                    "created_at": "2026-11-25T10:00:00Z",
                    "updated_at": "2026-11-25T10:00:00Z",
                }
            ]
        },
    )

    id: str
    kind: AssetKind
    name: str
    owner: str | None
    description: str | None
    tags: list[str]
    approved: bool
    metadata: dict[str, Any] = Field(validation_alias="meta")
    created_at: datetime
    updated_at: datetime


class AssetPage(Page[AssetRead]):
    pass
