"""Demo fleet: four agents with three weeks of history, through the real ingest path.

The history gives each agent a baseline, so drift, trust and the trifecta have
something to say the moment the demo opens; `serve --demo` then runs live agent
processes under the same names (threatvec.demo.agents_runtime).
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.ingest.service import store_agent_events, validate_events
from threatvec.sdk.events import format_timestamp

__all__ = ["DEMO_AGENTS", "DemoAgent", "seed"]


@dataclass(frozen=True)
class DemoAgent:
    name: str
    capabilities: dict[str, bool]
    rules: list[str]
    model: tuple[str, str]  # provider, model
    tools: list[tuple[str, str | None]]  # baseline: (tool, destination host)
    new_tools: list[tuple[str, str | None]] = field(default_factory=list)  # recent only
    pii_rate: float = 0.0
    injection_rate: float = 0.0
    source: str = "sdk"
    mcp_server: str | None = None


DEMO_AGENTS = (
    DemoAgent(
        name="support-bot",
        capabilities={"private_data": True, "untrusted_content": True},
        rules=["pii_redaction", "prompt_injection_guard", "token_budget"],
        model=("openai", "gpt-4o-mini"),
        tools=[("crm_lookup", None), ("kb_search", None), ("send_email", "smtp.sendgrid.net")],
        new_tools=[("refund_payment", "api.stripe.com")],
        pii_rate=0.08,
        mcp_server="crm-tools",
    ),
    DemoAgent(
        name="finance-analyst",
        capabilities={"private_data": True, "untrusted_content": False, "external_comms": False},
        rules=[
            "pii_redaction",
            "output_filtering",
            "secret_scanning",
            "token_budget",
            "tool_allowlist",
        ],
        model=("anthropic", "claude-sonnet-4"),
        tools=[("read_ledger", None), ("query_db", "db.finance.internal")],
        pii_rate=0.02,
    ),
    DemoAgent(
        name="research-crawler",
        capabilities={},
        rules=[],
        model=("openai", "gpt-4o"),
        tools=[
            ("web_fetch", "arxiv.org"),
            ("web_search", "api.bing.microsoft.com"),
            ("post_slack_message", "hooks.slack.com"),
        ],
        new_tools=[("upload_file", "pastebin.com")],
        injection_rate=0.05,
        mcp_server="mcp-server-fetch",
    ),
    DemoAgent(
        name="ops-runbook",
        capabilities={},
        rules=[],
        model=("openai", "gpt-4.1"),
        tools=[("run_shell", None), ("read_logs", None)],
        source="otlp",
    ),
)


def _event(etype: str, at: float, attrs: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": uuid.uuid4().hex,
        "type": etype,
        "timestamp": format_timestamp(at),
        "attributes": attrs,
    }


def _history(agent: DemoAgent, rnd: random.Random, now: float) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    instance = uuid.uuid4().hex
    source = "manual" if agent.source == "sdk" else "otlp"
    if agent.source == "sdk":
        events.append(
            _event(
                "agent.register",
                now - 21 * 86400,
                {
                    "name": agent.name,
                    "instance_id": instance,
                    "sdk_version": "0.1.0",
                    "hostname": f"{agent.name}-1",
                    "pid": rnd.randint(1000, 60000),
                    "process_name": "python",
                    "argv0": f"{agent.name}.py",
                    "python_version": "3.11.9",
                    "python_implementation": "CPython",
                    "platform": "linux",
                    "frameworks": [{"name": agent.model[0], "version": None}],
                    "integrations": [agent.model[0]],
                    "capabilities": agent.capabilities,
                    "rules": agent.rules,
                    "capture_content": False,
                    "heartbeat_interval_s": 30.0,
                    "started_at": now - 21 * 86400,
                },
            )
        )
    # Events are placed inside UTC days, because drift compares today and
    # yesterday with the days before: "now minus 1.5 days" would land in the
    # baseline shortly after midnight.
    midnight = now - now % 86400
    for day in range(20, -1, -1):
        tools = list(agent.tools) + (agent.new_tools if day <= 1 else [])
        start = midnight - day * 86400
        span = max(1.0, min(86000.0, now - start - 10))
        for _ in range(rnd.randint(4, 9)):
            # today's events are recent (the fleet looks alive), yesterday's and
            # older ones spread over their day
            at = (
                now - 10 - rnd.uniform(0, min(3000.0, span))
                if day == 0
                else start + rnd.uniform(0, span)
            )
            detections: dict[str, Any] = {"pii": {}, "injection": []}
            if rnd.random() < agent.pii_rate:
                detections["pii"] = {"EMAIL": 1}
            if rnd.random() < agent.injection_rate:
                detections["injection"] = ["ignore_previous"]
            events.append(
                _event(
                    "llm.call",
                    at,
                    {
                        "provider": agent.model[0],
                        "model": agent.model[1],
                        "input_tokens": rnd.randint(200, 3000),
                        "output_tokens": rnd.randint(20, 600),
                        "latency_ms": round(rnd.uniform(300, 2500), 1),
                        "outcome": "ok",
                        "source": source,
                        "detections": detections,
                    },
                )
            )
            name, host = rnd.choice(tools)
            events.append(
                _event(
                    "tool.call",
                    at + 1,
                    {
                        "tool_name": name,
                        "destination_host": host,
                        "outcome": "error" if rnd.random() < 0.03 else "ok",
                        "latency_ms": round(rnd.uniform(5, 400), 1),
                        "source": source,
                    },
                )
            )
            if agent.mcp_server and rnd.random() < 0.3:
                events.append(
                    _event(
                        "mcp.use",
                        at + 2,
                        {
                            "server": agent.mcp_server,
                            "operation": "tools/call",
                            "tool_called": name,
                            "outcome": "ok",
                            "latency_ms": round(rnd.uniform(5, 100), 1),
                            "source": source,
                        },
                    )
                )
    return events


def seed(*, session: Session, org_id: str) -> None:
    rnd = random.Random(20261125)  # the same demo every time
    now = min(time.time(), utcnow().timestamp())
    for agent in DEMO_AGENTS:
        raw = _history(agent, rnd, now)
        good, bad = validate_events(raw, now=utcnow())
        if bad:  # the demo must be valid wire data; say which event is not
            raise ValueError(f"demo event rejected: {bad[0].reason}")
        for start in range(0, len(good), 500):
            store_agent_events(
                session=session,
                org_id=org_id,
                agent_name=agent.name,
                instance_id=None,
                events=good[start : start + 500],
                source=agent.source,
            )
