"""POST /v1/traces: OTLP/HTTP (protobuf or JSON) GenAI spans become agents and events.

Authenticated with ``X-Org-Key`` like the API (configure the exporter's headers),
rate limited with the same per-org bucket as the SDK ingest. The reply is an
``ExportTraceServiceResponse`` in the request's encoding; GenAI spans that do
not validate are counted in ``partial_success.rejected_spans``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from threatvec.core.clock import utcnow
from threatvec.core.deps import OrgIdDep
from threatvec.core.errors import InvalidInput
from threatvec.core.problems import problem_responses
from threatvec.ingest import service as ingest
from threatvec.ingest.body import UnsupportedEncoding, check_declared_length, inflate, read_limited
from threatvec.ingest.openapi import inline_schema, request_body
from threatvec.ingest.router import check_rate
from threatvec.ingest.service import NUL, NUL_MESSAGE
from threatvec.ingest.store import write_lock
from threatvec.otlp.spans import SpanEvent, spans_to_events
from threatvec.server.auth import require_org
from threatvec.store.engine import session_scope

__all__ = ["router"]

PROTOBUF = "application/x-protobuf"
JSON = "application/json"

router = APIRouter(
    tags=["opentelemetry"],
    dependencies=[Depends(require_org)],
    responses=problem_responses(400, 401, 413, 415, 422, 429),
)

_EXAMPLE: dict[str, Any] = {
    "resourceSpans": [
        {
            "resource": {
                "attributes": [{"key": "service.name", "value": {"stringValue": "billing-agent"}}]
            },
            "scopeSpans": [
                {
                    "spans": [
                        {
                            "traceId": "5b8efff798038103d269b633813fc60c",
                            "spanId": "eee19b7ec3c1b174",
                            "name": "chat gpt-4o",
                            "startTimeUnixNano": "1764102600000000000",
                            "endTimeUnixNano": "1764102600850000000",
                            "attributes": [
                                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                                {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
                                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "120"}},
                            ],
                        }
                    ]
                }
            ],
        }
    ]
}


class OtlpTracesDoc(BaseModel):
    """An OTLP/JSON ExportTraceServiceRequest (ids in hex, as the OTLP spec says)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [_EXAMPLE]})

    resourceSpans: list[dict[str, Any]] = Field(default_factory=list)


class OtlpPartialSuccess(BaseModel):
    rejectedSpans: int | str | None = None
    errorMessage: str | None = None


class OtlpTracesResult(BaseModel):
    """ExportTraceServiceResponse as JSON (empty when every GenAI span was accepted)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {},
                {"partialSuccess": {"rejectedSpans": "1", "errorMessage": "span 0: ..."}},
            ]
        }
    )

    partialSuccess: OtlpPartialSuccess | None = None


def _hex_ids_to_base64(node: Any) -> None:
    # OTLP/JSON writes trace and span ids as hex; protobuf's JSON mapping wants base64.
    if isinstance(node, dict):
        for key in ("traceId", "spanId", "parentSpanId"):
            value = node.get(key)
            if isinstance(value, str) and value and len(value) % 2 == 0:
                with contextlib.suppress(ValueError):  # not hex: leave it to the parser
                    node[key] = base64.b64encode(bytes.fromhex(value)).decode()
        for value in node.values():
            _hex_ids_to_base64(value)
    elif isinstance(node, list):
        for item in node:
            _hex_ids_to_base64(item)


def parse_request(body: bytes, content_type: str) -> ExportTraceServiceRequest:
    message = ExportTraceServiceRequest()
    if content_type == PROTOBUF:
        try:
            message.ParseFromString(body)
        except (DecodeError, RecursionError, ValueError):
            raise InvalidInput(
                ("body",), "body is not an OTLP protobuf message", status=400
            ) from None
        return message
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidInput(("body",), "body is not valid JSON", status=400) from None
    if not isinstance(data, dict):
        raise InvalidInput(("body",), "body must be a JSON object", status=400)
    _hex_ids_to_base64(data)
    try:
        json_format.ParseDict(data, message, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError, AttributeError, binascii.Error) as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise InvalidInput(
            ("body",), f"not an OTLP ExportTraceServiceRequest: {detail}", status=400
        ) from None
    return message


def _store(
    engine: Any, factory: Any, org_id: str, events: list[SpanEvent]
) -> tuple[int, list[str]]:
    now = utcnow()
    by_agent: dict[tuple[str, str | None], list[dict[str, Any]]] = defaultdict(list)
    for se in events:
        by_agent[(se.agent, se.instance_id)].append(se.event)
    rejected = 0
    reasons: list[str] = []
    with write_lock(engine), session_scope(factory) as session:
        for (agent, instance), raw in sorted(
            by_agent.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
        ):
            if NUL in agent or NUL in (instance or ""):
                # The agent (service.name / gen_ai.agent.name, service.instance.id) is
                # stored as text, which PostgreSQL refuses with a NUL in it.
                rejected += len(raw)
                reasons.append(f"agent name or instance id: {NUL_MESSAGE}")
                continue
            good, bad = ingest.validate_events(raw, now=now)
            rejected += len(bad)
            reasons += [f"{agent}: {b.reason}" for b in bad[:3]]
            if good:
                ingest.store_agent_events(
                    session=session,
                    org_id=org_id,
                    agent_name=agent,
                    instance_id=instance,
                    events=good,
                    source="otlp",
                    now=now,
                )
    return rejected, reasons


@router.post(
    "/v1/traces",
    summary="OpenTelemetry OTLP/HTTP traces (protobuf or JSON): GenAI spans become agent events",
    response_class=Response,
    openapi_extra=request_body(
        OtlpTracesDoc,
        extra_content={PROTOBUF: {"schema": {"type": "string", "format": "binary"}}},
    ),
    responses={
        200: {
            "description": "ExportTraceServiceResponse, in the request's encoding",
            "content": {
                JSON: {"schema": inline_schema(OtlpTracesResult), "example": {}},
                PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def export_traces(request: Request, org_id: OrgIdDep) -> Response:
    settings = request.app.state.settings
    max_bytes = settings.ingest_max_bytes
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in (PROTOBUF, JSON):
        raise UnsupportedEncoding(f"Content-Type must be {PROTOBUF} or {JSON}")
    check_declared_length(request.headers, max_bytes)
    check_rate(request, org_id)
    raw = await read_limited(request.stream(), max_bytes)
    body = inflate(raw, request.headers.get("content-encoding"), max_bytes)
    message = parse_request(body, content_type)
    events, _skipped = spans_to_events(message)
    rejected, reasons = 0, list[str]()
    if events:
        rejected, reasons = await run_in_threadpool(
            _store, request.app.state.engine, request.app.state.session_factory, org_id, events
        )
    reply = ExportTraceServiceResponse()
    if rejected:
        reply.partial_success.rejected_spans = rejected
        reply.partial_success.error_message = "; ".join(reasons)[:1000]
    if content_type == PROTOBUF:
        return Response(reply.SerializeToString(), media_type=PROTOBUF)
    return Response(json.dumps(json_format.MessageToDict(reply)), media_type=JSON)
