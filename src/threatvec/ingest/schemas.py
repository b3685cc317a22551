"""The ingest wire format (docs/ingest-format.md) as pydantic models, one event at a time.

The batch envelope is validated first (a bad envelope refuses the whole batch);
then the events with `EVENTS_ADAPTER`, each error sorted back to its event, so one bad event
is listed in ``rejected`` with its reason while its neighbours are stored.
Attribute models forbid unknown keys: what is stored is exactly what the
contract allows, nothing else.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    TypeAdapter,
)

__all__ = [
    "EVENTS_ADAPTER",
    "EVENT_ADAPTER",
    "EVENT_TYPES",
    "MAX_EVENT_BYTES",
    "AgentRef",
    "DroppedCounts",
    "IngestBatchDoc",
    "IngestEnvelope",
    "IngestResult",
    "RejectedEvent",
    "WireEvent",
    "parse_timestamp",
]

EVENT_TYPES = ("agent.register", "agent.heartbeat", "llm.call", "tool.call", "mcp.use", "custom")
MAX_EVENT_BYTES = 64 * 1024
HEX32 = r"^[0-9a-f]{32}$"
_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")

Short = Annotated[StrictStr, Field(max_length=256)]
# Counters are stored as 64-bit integers in both stores; a larger value is a 422, not a 500.
Count = Annotated[StrictInt, Field(ge=0, le=2**63 - 1)]
# Process ids fit a 32-bit column (Linux caps them at 2^22).
Pid = Annotated[StrictInt, Field(ge=0, le=2**31 - 1)]
Number = Annotated[StrictFloat, Field(ge=0, allow_inf_nan=False)]
Outcome = Literal["ok", "error", "blocked", "timeout", "cancelled", "other"]
Scalar = StrictStr | StrictBool | StrictInt | StrictFloat | None


def parse_timestamp(value: str) -> datetime:
    """`YYYY-MM-DDTHH:MM:SS.mmmZ` (RFC 3339 UTC) to an aware datetime; ValueError otherwise."""
    if not isinstance(value, str) or not _TS.match(value):
        raise ValueError("must be RFC 3339 UTC like 2026-11-25T20:30:00.123Z")
    return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)


def _check_timestamp(value: str) -> str:
    parse_timestamp(value)
    return value


def _check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > 50:
        raise ValueError("at most 50 keys")
    for key, item in value.items():
        if len(key) > 256:
            raise ValueError("keys are at most 256 characters")
        if isinstance(item, str) and len(item) > 256:
            raise ValueError(f"value of {key!r} is longer than 256 characters")
    return value


Metadata = Annotated[dict[str, Scalar], AfterValidator(_check_metadata)]
Timestamp = Annotated[StrictStr, AfterValidator(_check_timestamp)]
Hex32 = Annotated[StrictStr, Field(pattern=HEX32)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldVerdict(_Strict):
    pii: dict[Short, Count] = Field(default_factory=dict)
    injection: list[Short] = Field(default_factory=list, max_length=100)


class Detections(_Strict):
    pii: dict[Short, Count] = Field(default_factory=dict, max_length=100)
    injection: list[Short] = Field(default_factory=list, max_length=100)
    by_field: dict[Literal["input", "output"], FieldVerdict] | None = None


class Content(_Strict):
    input: StrictStr | None = Field(default=None, max_length=100_000)
    output: StrictStr | None = Field(default=None, max_length=100_000)


class _Recorded(_Strict):
    """Blocks shared by llm/tool/mcp events."""

    outcome: Outcome
    latency_ms: Number | None = None
    source: Short
    error_type: Short | None = None
    detections: Detections | None = None
    content: Content | None = None
    content_truncated: list[Literal["input", "output"]] | None = None
    metadata: Metadata | None = None


class Framework(_Strict):
    name: Short
    version: Short | None = None


class Capabilities(_Strict):
    private_data: StrictBool | None = None
    untrusted_content: StrictBool | None = None
    external_comms: StrictBool | None = None


class RegisterAttrs(_Strict):
    name: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    instance_id: Hex32
    parent_instance_id: Hex32 | None = None
    sdk_version: Short
    hostname: Short
    pid: Pid
    process_name: Short | None
    argv0: Annotated[StrictStr, Field(max_length=4096)] | None
    python_version: Short
    python_implementation: Short
    platform: Short
    frameworks: list[Framework] = Field(max_length=100)
    integrations: list[Short] = Field(max_length=50)
    capabilities: Capabilities
    rules: list[Annotated[StrictStr, Field(min_length=1, max_length=128)]] = Field(max_length=200)
    capture_content: StrictBool
    heartbeat_interval_s: Annotated[StrictFloat, Field(gt=0, allow_inf_nan=False)]
    started_at: Number


class HeartbeatAttrs(_Strict):
    instance_id: Hex32
    uptime_s: Number
    interval_s: Annotated[StrictFloat, Field(gt=0, allow_inf_nan=False)]
    pending: Count
    sent: Count
    dropped_total: Count


class LlmCallAttrs(_Recorded):
    provider: Short
    model: Short | None
    input_tokens: Count | None
    output_tokens: Count | None
    operation: Short | None = None
    streaming: StrictBool | None = None
    tools_requested: list[Short] | None = Field(default=None, max_length=200)


class ToolCallAttrs(_Recorded):
    tool_name: Short
    destination_host: Annotated[StrictStr, Field(max_length=253)] | None


class McpServerInfo(_Strict):
    name: Scalar = None
    version: Scalar = None
    protocol_version: Scalar = None


class McpUseAttrs(_Recorded):
    server: Short
    server_info: McpServerInfo | None = None
    operation: Short | None = None
    tools_listed: list[dict[str, Any]] | None = Field(default=None, max_length=500)
    tool_count: Count | None = None
    tool_called: Short | None = None


class CustomAttrs(_Strict):
    name: Short
    attributes: Metadata = Field(default_factory=dict)


class _Envelope(_Strict):
    event_id: Hex32
    timestamp: Timestamp


class RegisterEvent(_Envelope):
    type: Literal["agent.register"]
    attributes: RegisterAttrs


class HeartbeatEvent(_Envelope):
    type: Literal["agent.heartbeat"]
    attributes: HeartbeatAttrs


class LlmCallEvent(_Envelope):
    type: Literal["llm.call"]
    attributes: LlmCallAttrs


class ToolCallEvent(_Envelope):
    type: Literal["tool.call"]
    attributes: ToolCallAttrs


class McpUseEvent(_Envelope):
    type: Literal["mcp.use"]
    attributes: McpUseAttrs


class CustomEvent(_Envelope):
    type: Literal["custom"]
    attributes: CustomAttrs


WireEvent = Annotated[
    RegisterEvent | HeartbeatEvent | LlmCallEvent | ToolCallEvent | McpUseEvent | CustomEvent,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(WireEvent)
EVENTS_ADAPTER: TypeAdapter[Any] = TypeAdapter(list[WireEvent])


class SdkRef(BaseModel):
    name: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    version: Annotated[StrictStr, Field(min_length=1, max_length=64)]


class AgentRef(BaseModel):
    name: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    instance_id: Hex32


class DroppedCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queue_full: Count
    network: Count
    server_error: Count
    rate_limited: Count
    rejected: Count
    too_large: Count
    shutdown: Count
    internal_error: Count


class IngestEnvelope(BaseModel):
    """The batch without its events (they are validated one by one)."""

    sdk: SdkRef
    agent: AgentRef
    dropped: DroppedCounts
    events: list[Any] = Field(min_length=1)


_EXAMPLE_BATCH: dict[str, Any] = {
    "sdk": {"name": "threatvec-python", "version": "0.1.0"},
    "agent": {"name": "billing-agent", "instance_id": "9f1c0b6e3a8d4c1e9b7a2d4f6e8c0a1b"},
    "dropped": {
        "queue_full": 0,
        "network": 0,
        "server_error": 0,
        "rate_limited": 0,
        "rejected": 0,
        "too_large": 0,
        "shutdown": 0,
        "internal_error": 0,
    },
    "events": [
        {
            "event_id": "4b2a8c0d9e1f4a3b8c7d6e5f4a3b2c1d",
            "type": "tool.call",
            "timestamp": "2026-11-25T20:30:00.123Z",
            "attributes": {
                "tool_name": "web_search",
                "destination_host": "api.search.example.com",
                "outcome": "ok",
                "latency_ms": 182.5,
                "source": "manual",
            },
        }
    ],
}


class IngestEventDoc(BaseModel):
    """One event as documented; each type's attributes are listed in docs/ingest-format.md."""

    event_id: str = Field(description="32 lowercase hex characters, unique per event")
    type: Literal["agent.register", "agent.heartbeat", "llm.call", "tool.call", "mcp.use", "custom"]
    timestamp: str = Field(description="RFC 3339 UTC with milliseconds and Z")
    attributes: dict[str, Any]


class IngestBatchDoc(BaseModel):
    """The request body of POST /api/v1/ingest (for the OpenAPI document)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_BATCH]})

    sdk: SdkRef
    agent: AgentRef
    dropped: DroppedCounts
    events: list[IngestEventDoc] = Field(min_length=1, max_length=1000)


class RejectedEvent(BaseModel):
    event_id: str = Field(description="The id as sent ('' when the event had no usable id)")
    index: int = Field(description="Position of the event in the batch")
    reason: str = Field(description="Which field and why")


class IngestResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "accepted": ["4b2a8c0d9e1f4a3b8c7d6e5f4a3b2c1d"],
                    "duplicates": [],
                    "rejected": [
                        {
                            "event_id": "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f",
                            "index": 1,
                            "reason": "attributes.tool_name: Field required",
                        }
                    ],
                }
            ]
        }
    )

    accepted: list[str]
    duplicates: list[str]
    rejected: list[RejectedEvent]
