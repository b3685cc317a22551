"""Real org data for compliance tests, built through the domains' own APIs and services."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from tests.conftest import SHARED_DATA, Api
from tests.ingest.wire import batch, register, tool
from tests.shadow.helpers import event
from threatvec.core.clock import utcnow
from threatvec.mcp import service as mcp
from threatvec.mcp.demo import (
    CLEAN_SPEC,
    POISONED_SPEC,
    clean_snapshot,
    poisoned_snapshot,
    scan_report,
)
from threatvec.redteam import service as redteam
from threatvec.redteam.demo import DemoAgent
from threatvec.redteam.runner import RunOptions, run_mode
from threatvec.store.engine import session_scope

WEBHOOK_SECRET = "whsec-" + "s3cr3t-value-" * 2  # must never appear in an export
SLACK_URL_SECRET = "https://hooks.slack.com/services/T0SECRET/B0SECRET/tokenSECRET"


def export(api: Api, framework: str) -> dict[str, Any]:
    r = api.get(f"/compliance/{framework}/evidence-export")
    assert r.status_code == 200, r.text
    return r.json()


def statuses(api: Api, framework: str) -> dict[str, str]:
    return {c["control"]: c["status"] for c in export(api, framework)["controls"]}


def register_agent(
    api: Api, name: str, *, caps: dict[str, bool], rules: list[str], tools: list[tuple[str, str]]
) -> None:
    inst = uuid.uuid4().hex
    events = [register(name, inst, capabilities=caps, rules=rules)]
    events += [tool(t, dest) for t, dest in tools]
    r = api.post("/ingest", json=batch(name, events, instance_id=inst))
    assert r.status_code == 200, r.text


def shadow_pii_event(api: Api, domain: str = "chatgpt.com") -> None:
    r = api.post("/shadow/events", json={"events": [event(domain=domain)]})
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text


def record_mcp_scan(session_factory: Any, org_id: str, *, poisoned: bool) -> dict[str, str]:
    servers = [(CLEAN_SPEC, clean_snapshot())]
    if poisoned:
        servers.append((POISONED_SPEC, poisoned_snapshot()))
    with session_scope(session_factory) as s:
        result = mcp.ingest_report(session=s, org_id=org_id, report=scan_report(servers))
        return {a.name: a.server_id for a in result.accepted}


def approve_mcp(session_factory: Any, org_id: str, server_id: str) -> None:
    with session_scope(session_factory) as s:
        mcp.approve(session=s, org_id=org_id, server_id=server_id, by="reviewer@example.com")


def record_red_team(session_factory: Any, org_id: str, agent_name: str, target: DemoAgent) -> str:
    """A real quick AgentBench run of an in-process agent, stored like a finished run."""
    with session_scope(session_factory) as s:
        ref = next(
            r for r in redteam.list_agent_refs(session=s, org_id=org_id) if r.name == agent_name
        )
        result = asyncio.run(run_mode("quick", target, options=RunOptions(k=1)))
        run = redteam.create_run(
            session=s, org_id=org_id, agent=ref, mode="quick", k=1, target_type="test", by="test"
        )
        run.status, run.started_at, run.finished_at = "running", utcnow(), utcnow()
        redteam.store_results(session=s, org_id=org_id, run=run, result=result)
        run.status = "completed"
        s.flush()
        return run.id


def nvd_file() -> Path:
    return SHARED_DATA / "nvd" / "nvd_sample_dev.json"
