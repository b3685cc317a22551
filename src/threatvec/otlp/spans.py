"""GenAI spans (OpenTelemetry semantic conventions) to ThreatVec wire events.

Which span becomes what:

- ``gen_ai.operation.name`` = ``execute_tool`` (or a ``gen_ai.tool.name`` without a
  model) → ``tool.call`` (destination from ``server.address`` or ``url.full``);
- ``mcp.method.name`` present → ``mcp.use``;
- ``chat``, ``text_completion``, ``generate_content``, ``embeddings`` (or a request
  model without an operation) → ``llm.call`` with provider
  (``gen_ai.provider.name``, older ``gen_ai.system``), model (response, else
  request), token usage and latency;
- any other GenAI operation (``invoke_agent``, ``create_agent``, ...) → ``custom``.

The agent is ``gen_ai.agent.name`` when the span names one, else the resource's
``service.name``. The event id is derived from the trace and span ids, so a
re-exported span is a duplicate, exactly like an SDK retry. Spans without any
``gen_ai.*`` or ``mcp.*`` attribute are not AI traffic and are skipped.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

__all__ = ["LLM_OPERATIONS", "SpanEvent", "attributes_of", "span_to_event", "spans_to_events"]

LLM_OPERATIONS = frozenset({"chat", "text_completion", "generate_content", "embeddings"})
MAX_SHORT = 256


def _value(v: AnyValue) -> Any:
    kind = v.WhichOneof("value")
    if kind == "string_value":
        return v.string_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "int_value":
        return v.int_value
    if kind == "double_value":
        return v.double_value
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values[:100]]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in v.kvlist_value.values[:100]}
    if kind == "bytes_value":
        return v.bytes_value.hex()[:MAX_SHORT]
    return None


def attributes_of(kvs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in kvs:
        if isinstance(kv, KeyValue):
            out[kv.key] = _value(kv.value)
    return out


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)[:MAX_SHORT] or None


# The ingest schema's bound for counts (a signed 64-bit column).
MAX_COUNT = 2**63 - 1


def _count(value: Any) -> int | None:
    # OTLP doubles may be Infinity or NaN and exporters may send 1e300: an unknown
    # count, not a reason to lose the span (or to fail the whole export).
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value) if 0 <= value <= MAX_COUNT else None


def _timestamp(nanos: int) -> str:
    if nanos <= 0:
        nanos = time.time_ns()
    seconds, rest = divmod(nanos, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{rest // 1_000_000:03d}Z"


def _host(attrs: dict[str, Any]) -> str | None:
    host = _str(attrs.get("server.address"))
    if host:
        return host.lower().strip("[]")[:253]
    url = _str(attrs.get("url.full"))
    if url:
        try:
            parsed = urlsplit(url)
        except ValueError:
            return None
        return parsed.hostname[:253] if parsed.hostname else None
    return None


def _event_id(span: Span, agent: str) -> str:
    seed = span.trace_id + span.span_id
    if not span.span_id:
        seed += f"{agent}|{span.name}|{span.start_time_unix_nano}".encode()
    return hashlib.sha256(seed).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class SpanEvent:
    agent: str
    instance_id: str | None
    event: dict[str, Any]


def span_to_event(span: Span, resource: dict[str, Any]) -> SpanEvent | None:
    """The wire event for one span, or None when the span is not GenAI traffic."""
    attrs = attributes_of(span.attributes)
    if not any(k.startswith(("gen_ai.", "mcp.")) for k in attrs):
        return None
    agent = _str(attrs.get("gen_ai.agent.name")) or _str(resource.get("service.name"))
    agent = (agent or "unknown_service")[:200]
    op = _str(attrs.get("gen_ai.operation.name"))
    tool = _str(attrs.get("gen_ai.tool.name"))
    model = _str(attrs.get("gen_ai.response.model")) or _str(attrs.get("gen_ai.request.model"))
    failed = span.status.code == Status.STATUS_CODE_ERROR
    common: dict[str, Any] = {
        "outcome": "error" if failed else "ok",
        "latency_ms": max(0.0, (span.end_time_unix_nano - span.start_time_unix_nano) / 1e6)
        if span.end_time_unix_nano
        else None,
        "source": "otlp",
        "metadata": {"otel.span_name": span.name[:MAX_SHORT]},
    }
    if failed:
        common["error_type"] = _str(attrs.get("error.type")) or "error"
    if attrs.get("mcp.method.name") is not None:
        etype = "mcp.use"
        body: dict[str, Any] = {
            "server": _str(attrs.get("mcp.server.name")) or _host(attrs) or "unknown",
            "operation": _str(attrs.get("mcp.method.name")),
            **({"tool_called": tool} if tool else {}),
            **common,
        }
    elif op == "execute_tool" or (tool and not model and op not in LLM_OPERATIONS):
        etype = "tool.call"
        body = {"tool_name": tool or "unknown", "destination_host": _host(attrs), **common}
    elif op in LLM_OPERATIONS or (op is None and model):
        etype = "llm.call"
        provider = _str(attrs.get("gen_ai.provider.name")) or _str(attrs.get("gen_ai.system"))
        body = {
            "provider": provider or "unknown",
            "model": model,
            "input_tokens": _count(attrs.get("gen_ai.usage.input_tokens")),
            "output_tokens": _count(attrs.get("gen_ai.usage.output_tokens")),
            **({"operation": op} if op else {}),
            **common,
        }
    else:
        etype = "custom"
        meta = {"operation": op or "unknown", "otel.span_name": span.name[:MAX_SHORT]}
        if model:
            meta["model"] = model
        body = {"name": f"gen_ai.{op or 'span'}"[:MAX_SHORT], "attributes": meta}
    event = {
        "event_id": _event_id(span, agent),
        "type": etype,
        "timestamp": _timestamp(span.start_time_unix_nano),
        "attributes": body,
    }
    instance = _str(resource.get("service.instance.id"))
    return SpanEvent(agent, instance[:64] if instance else None, event)


def spans_to_events(request: ExportTraceServiceRequest) -> tuple[list[SpanEvent], int]:
    """Wire events of every GenAI span in the request, and how many spans were skipped."""
    events: list[SpanEvent] = []
    skipped = 0
    for rs in request.resource_spans:
        resource = attributes_of(rs.resource.attributes)
        for ss in rs.scope_spans:
            for span in ss.spans:
                ev = span_to_event(span, resource)
                if ev is None:
                    skipped += 1
                else:
                    events.append(ev)
    return events, skipped
