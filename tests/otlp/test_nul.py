"""OTLP spans with a NUL character (\\u0000): those spans are refused, the rest kept."""

from __future__ import annotations

import uuid

from tests.conftest import create_org


def _kv(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def _span(span_id: str, *attrs: dict) -> dict:
    return {
        "traceId": uuid.uuid4().hex,
        "spanId": span_id,
        "name": "span",
        "startTimeUnixNano": str(time_ns()),
        "endTimeUnixNano": str(time_ns() + 5_000_000),
        "attributes": list(attrs),
    }


def time_ns() -> int:
    import time

    return time.time_ns()


def test_spans_with_a_nul_are_rejected_and_their_neighbours_kept(session_factory, client) -> None:
    org = create_org(session_factory)
    good_agent = f"otlp-ok-{uuid.uuid4().hex[:6]}"
    chat = (_kv("gen_ai.operation.name", "chat"), _kv("gen_ai.request.model", "gpt-4o"))
    export = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_kv("service.name", good_agent)]},
                "scopeSpans": [
                    {
                        "spans": [
                            _span("00000000000000a1", *chat),
                            _span(
                                "00000000000000a2",
                                _kv("gen_ai.operation.name", "execute_tool"),
                                _kv("gen_ai.tool.name", "read\u0000file"),
                            ),
                        ]
                    }
                ],
            },
            {
                "resource": {"attributes": [_kv("service.name", "bad\u0000service")]},
                "scopeSpans": [{"spans": [_span("00000000000000a3", *chat)]}],
            },
        ]
    }
    r = client.post("/v1/traces", json=export, headers=org.headers)
    assert r.status_code == 200, r.text
    partial = r.json()["partialSuccess"]
    assert int(partial["rejectedSpans"]) == 2
    assert "NUL" in partial["errorMessage"]
    assert "\u0000" not in partial["errorMessage"]
    agents = client.get("/api/v1/agents", headers=org.headers).json()["items"]
    assert [a["name"] for a in agents] == [good_agent]
    detail = client.get(f"/api/v1/agents/{agents[0]['id']}", headers=org.headers).json()
    assert [e["type"] for e in detail["recent_events"]] == ["llm.call"]
