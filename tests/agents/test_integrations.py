"""The agents fleet reads the other areas: red-team results and MCP usage."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from threatvec.redteam.models import RedTeamResult, RedTeamRun
from threatvec.store.engine import session_scope


def _event(etype: str, **attrs) -> dict:
    return {
        "event_id": uuid.uuid4().hex,
        "type": etype,
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "attributes": attrs,
    }


def _batch(name: str, *events: dict) -> dict:
    return {
        "sdk": {"name": "threatvec-python", "version": "0.1.0"},
        "agent": {"name": name, "instance_id": uuid.uuid4().hex},
        "dropped": {
            k: 0
            for k in (
                "queue_full",
                "network",
                "server_error",
                "rate_limited",
                "rejected",
                "too_large",
                "shutdown",
                "internal_error",
            )
        },
        "events": list(events),
    }


def _agent_id(api, name: str) -> str:
    items = api.get("/agents", params={"q": name}).json()["items"]
    return next(a["id"] for a in items if a["name"] == name)


def test_red_team_results_reach_the_agent_score(api, session_factory) -> None:
    r = api.post(
        "/ingest",
        json=_batch(
            "rt-agent",
            _event(
                "tool.call",
                tool_name="web_search",
                destination_host="example.com",
                outcome="ok",
                latency_ms=3,
                source="manual",
            ),
        ),
    )
    assert r.status_code == 200, r.text
    agent_id = _agent_id(api, "rt-agent")
    untested = api.get(f"/agents/{agent_id}").text
    assert "untested" in untested.lower()
    with session_scope(session_factory) as s:
        run = RedTeamRun(
            org_id=api.org.id,
            agent_id=agent_id,
            agent_name="rt-agent",
            mode="quick",
            status="completed",
        )
        s.add(run)
        s.flush()
        for i, verdict in enumerate(["PASS", "PASS", "PASS", "FAIL", "ERROR"]):
            s.add(
                RedTeamResult(
                    org_id=api.org.id,
                    run_id=run.id,
                    agent_id=agent_id,
                    position=i,
                    probe_id=f"p{i}",
                    family="injection",
                    category="prompt_injection",
                    title="t",
                    channel="direct",
                    severity="high",
                    verdict=verdict,
                )
            )
    detail = api.get(f"/agents/{agent_id}").json()
    # ERROR never counts; 3 PASS / (3 PASS + 1 FAIL) = 75 %.
    assert "red_team 18.8/25.0" in detail["explanation"]["score"]
    assert "3 passed, 1 failed (75% pass rate)" in str(detail)


def test_mcp_use_events_reach_the_mcp_inventory(api) -> None:
    tool = {
        "name": "get_time",
        "description": "Returns the current time in a timezone.",
        "inputSchema": {"type": "object", "properties": {"tz": {"type": "string"}}},
    }
    r = api.post(
        "/ingest",
        json=_batch(
            "mcp-agent",
            _event(
                "mcp.use",
                server="clock-server",
                operation="tools/list",
                tools_listed=[tool],
                tool_count=1,
                tool_called=None,
                outcome="ok",
                latency_ms=2,
                source="mcp",
                server_info={"name": "clock-server", "version": "1.0"},
            ),
            _event(
                "mcp.use",
                server="clock-server",
                operation="tools/call",
                tool_called="get_time",
                outcome="ok",
                latency_ms=2,
                source="mcp",
            ),
        ),
    )
    assert r.status_code == 200 and len(r.json()["accepted"]) == 2, r.text
    servers = api.get("/mcp/servers").json()["items"]
    server = next(s for s in servers if s["name"] == "clock-server")
    agents = api.get(f"/mcp/servers/{server['id']}/agents").json()
    assert "mcp-agent" in str(agents)
