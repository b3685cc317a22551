"""POST /v1/traces with the real OpenTelemetry SDK and OTLP/HTTP exporter, and OTLP/JSON."""

from __future__ import annotations

import time

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.trace import Status, StatusCode

from tests.conftest import create_org


def _provider(url: str, key: str, service: str, **kw) -> tuple[TracerProvider, OTLPSpanExporter]:
    exporter = OTLPSpanExporter(endpoint=f"{url}/v1/traces", headers={"X-Org-Key": key}, **kw)
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def test_genai_spans_from_the_real_exporter_become_agents_and_events(
    live_server, session_factory, client
):
    org = create_org(session_factory)
    provider, _ = _provider(
        live_server.url, org.key, "travel-planner", compression=Compression.Gzip
    )
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("invoke_agent planner") as root:
        root.set_attribute("gen_ai.operation.name", "invoke_agent")
        with tracer.start_as_current_span("chat gpt-4o") as span:
            span.set_attribute("gen_ai.operation.name", "chat")
            span.set_attribute("gen_ai.provider.name", "openai")
            span.set_attribute("gen_ai.request.model", "gpt-4o")
            span.set_attribute("gen_ai.response.model", "gpt-4o-2024-08-06")
            span.set_attribute("gen_ai.usage.input_tokens", 120)
            span.set_attribute("gen_ai.usage.output_tokens", 48)
        with tracer.start_as_current_span("execute_tool web_search") as span:
            span.set_attribute("gen_ai.operation.name", "execute_tool")
            span.set_attribute("gen_ai.tool.name", "web_search")
            span.set_attribute("server.address", "API.Search.Example.com")
        with tracer.start_as_current_span("execute_tool send_slack") as span:
            span.set_attribute("gen_ai.operation.name", "execute_tool")
            span.set_attribute("gen_ai.tool.name", "send_slack")
            span.set_attribute("gen_ai.agent.name", "notifier-agent")
            span.set_status(Status(StatusCode.ERROR, "boom"))
            span.set_attribute("error.type", "TimeoutError")
        with tracer.start_as_current_span("GET /health"):
            pass  # not GenAI: skipped
    provider.shutdown()

    items = client.get("/api/v1/agents", headers=org.headers).json()["items"]
    cards = {c["name"]: c for c in items}
    assert set(cards) == {"travel-planner", "notifier-agent"}
    assert cards["travel-planner"]["source"] == "otlp"
    assert cards["travel-planner"]["registered"] is False
    detail = client.get(
        f"/api/v1/agents/{cards['travel-planner']['id']}", headers=org.headers
    ).json()
    assert [m["name"] for m in detail["models"]] == ["gpt-4o-2024-08-06"]
    assert [p["name"] for p in detail["providers"]] == ["openai"]
    assert [t["name"] for t in detail["tools"]] == ["web_search"]
    assert [d["name"] for d in detail["destinations"]] == ["api.search.example.com"]
    kinds = sorted(e["type"] for e in detail["recent_events"])
    assert kinds == ["custom", "llm.call", "tool.call"]
    legs = {leg["leg"]: leg for leg in detail["trifecta"]["legs"]}
    assert "tool:web_search" in legs["untrusted_content"]["evidence"]
    notifier = client.get(
        f"/api/v1/agents/{cards['notifier-agent']['id']}", headers=org.headers
    ).json()
    ev = notifier["recent_events"][0]
    assert ev["subject"] == "send_slack" and ev["outcome"] == "error"


def test_re_exported_spans_are_duplicates_not_new_events(live_server, session_factory, client):
    org = create_org(session_factory)
    provider, exporter = _provider(live_server.url, org.key, "dup-agent")
    captured = []

    class Capture(SimpleSpanProcessor):
        def on_end(self, span):
            captured.append(span)

    provider.add_span_processor(Capture(exporter))
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("chat") as span:
        span.set_attribute("gen_ai.operation.name", "chat")
        span.set_attribute("gen_ai.request.model", "m1")
    # The same finished span exported a third time (e.g. a retry after a lost reply).
    assert exporter.export(captured) == SpanExportResult.SUCCESS
    provider.shutdown()
    card = client.get("/api/v1/agents", headers=org.headers).json()["items"][0]
    assert card["events_total"] == 1


def test_wrong_key_is_refused_and_the_exporter_reports_failure(live_server):
    exporter = OTLPSpanExporter(
        endpoint=f"{live_server.url}/v1/traces", headers={"X-Org-Key": "tvk_wrong"}, timeout=5
    )
    provider = TracerProvider(resource=Resource.create({"service.name": "nobody"}))
    span = provider.get_tracer("t").start_span("chat", attributes={"gen_ai.operation.name": "chat"})
    span.end()
    assert exporter.export([span]) == SpanExportResult.FAILURE


def _otlp_json(service: str, spans: list[dict]) -> dict:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": service}}]
                },
                "scopeSpans": [{"scope": {"name": "manual"}, "spans": spans}],
            }
        ]
    }


def _span(span_id: str, attrs: dict[str, object], *, name: str = "s") -> dict:
    now = time.time_ns()
    values = []
    for k, v in attrs.items():
        key = "intValue" if isinstance(v, int) else "stringValue"
        values.append({"key": k, "value": {key: str(v) if key == "intValue" else v}})
    return {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": span_id,
        "name": name,
        "startTimeUnixNano": str(now - 5_000_000),
        "endTimeUnixNano": str(now),
        "attributes": values,
    }


def test_otlp_json_with_hex_ids_and_mcp_spans(api):
    body = _otlp_json(
        "json-agent",
        [
            _span(
                "eee19b7ec3c1b174",
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.system": "anthropic",
                    "gen_ai.request.model": "claude-sonnet",
                    "gen_ai.usage.input_tokens": 9,
                },
            ),
            _span(
                "eee19b7ec3c1b175",
                {
                    "mcp.method.name": "tools/call",
                    "gen_ai.tool.name": "git_log",
                    "mcp.server.name": "mcp-server-git",
                },
            ),
            _span("eee19b7ec3c1b176", {"http.method": "GET"}),
        ],
    )
    r = api.post("/v1/traces", json=body)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {}
    card = api.get("/agents").json()["items"][0]
    detail = api.get(f"/agents/{card['id']}").json()
    assert [p["name"] for p in detail["providers"]] == ["anthropic"]
    assert [m["name"] for m in detail["mcp_servers"]] == ["mcp-server-git"]
    assert [t["name"] for t in detail["tools"]] == ["git_log"]
    # Same spans again: nothing new.
    api.post("/v1/traces", json=body)
    assert api.get(f"/agents/{card['id']}").json()["events_total"] == 2


def test_invalid_genai_span_is_a_partial_success(api):
    body = _otlp_json(
        "partial-agent",
        [
            _span(
                "aaa19b7ec3c1b174", {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m"}
            ),
            # A span starting in the far future fails the same validation as an SDK event.
            {
                **_span("aaa19b7ec3c1b175", {"gen_ai.operation.name": "chat"}),
                "startTimeUnixNano": str(time.time_ns() + 10 * 86400 * 10**9),
            },
        ],
    )
    r = api.post("/v1/traces", json=body)
    assert r.status_code == 200
    partial = r.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "1" and "timestamp" in partial["errorMessage"]


def test_bad_bodies_and_content_types(api):
    proto = {"Content-Type": "application/x-protobuf"}
    assert api.post("/v1/traces", content=b"\xff\xff\xff", headers=proto).status_code == 400
    assert (
        api.post(
            "/v1/traces", content=b"{", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert api.post("/v1/traces", json={"resourceSpans": "nope"}).status_code == 400
    assert (
        api.post("/v1/traces", content=b"x", headers={"Content-Type": "text/plain"}).status_code
        == 415
    )
    # An empty protobuf request is a valid, empty export.
    r = api.post("/v1/traces", content=b"", headers=proto)
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-protobuf"


def test_token_counts_that_are_not_finite_or_too_large_are_dropped_not_a_500(api):
    # OTLP doubles may be Infinity/NaN (protobuf's JSON mapping accepts them) and an
    # exporter may send 1e300: the span is still an llm.call, only the count is unknown.
    def double(key: str, value: str) -> dict:
        return {"key": key, "value": {"doubleValue": value}}

    spans = []
    for i, value in enumerate(("Infinity", "-Infinity", "NaN", "1e300")):
        span = _span(
            f"bbb19b7ec3c1b17{i}", {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m"}
        )
        span["attributes"] += [
            double("gen_ai.usage.input_tokens", value),
            double("gen_ai.usage.output_tokens", value),
        ]
        spans.append(span)
    r = api.post("/v1/traces", json=_otlp_json("odd-numbers-agent", spans))
    assert r.status_code == 200, r.text
    assert r.json() == {}
    card = api.get("/agents").json()["items"][0]
    assert card["name"] == "odd-numbers-agent" and card["events_total"] == 4
