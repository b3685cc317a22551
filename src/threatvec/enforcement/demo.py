"""Demo enforcement: a gateway in front of the demo agents, with two days of decisions.

The events go through `service.receive_events`, the webhook's own path, so the
Policy Enforcement card, the gap scan and Live Traffic show what a real
gateway would produce. Some high-risk pairs are left uncovered on purpose
(ops-runbook's shell, support-bot's e-mail), so the gap scan has gaps to show.
The demo source stores no secret: rotate it to get one and post real events.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.enforcement import service
from threatvec.enforcement.models import EnforcementSource

__all__ = ["DEMO_DECISIONS", "seed"]

# (hours ago, action, category, agent, tool, MCP server, policy id, policy name, reason, severity)
DEMO_DECISIONS: tuple[tuple[Any, ...], ...] = (
    (0.2, "blocked", "tool_policy", "support-bot", "refund_payment", None,
     "refunds-need-approval", "Refunds need human approval", "refund above 100 EUR", "high"),
    (1.5, "redacted", "sensitive_data", "support-bot", "crm_lookup", "crm-tools",
     "pii-out", "Redact personal data in tool output", "2 e-mail addresses redacted", "medium"),
    (3.0, "allowed", "tool_policy", "support-bot", "crm_lookup", "crm-tools",
     "crm-read-only", "CRM is read-only", None, "info"),
    (5.0, "blocked", "prompt_injection", "research-crawler", "web_fetch", None,
     "pi-guard", "Prompt-injection guard", "instructions hidden in fetched page", "high"),
    (9.0, "flagged", "sensitive_data", "research-crawler", "upload_file", None,
     "egress-dlp", "Egress DLP", "upload to a paste site", "high"),
    (20.0, "blocked", "tool_policy", "research-crawler", "upload_file", None,
     "egress-allowlist", "Egress allowlist", "pastebin.com is not allowed", "critical"),
    (30.0, "allowed", "tool_policy", "research-crawler", "post_slack_message", None,
     "slack-internal", "Slack to internal channels only", None, "info"),
    (40.0, "blocked", "jailbreak", "support-bot", None, None,
     "jailbreak-guard", "Jailbreak guard", "role-play jailbreak attempt", "high"),
)  # fmt: skip


def seed(*, session: Session, org_id: str) -> None:
    now = utcnow()
    source = EnforcementSource(
        org_id=org_id,
        name="Agent gateway (demo)",
        kind="gateway",
        enabled=True,
        secret_enc="",  # no secret stored: rotate the source to use it for real
        secret_hint="demo: rotate",  # noqa: S106 - a label, not a secret
        created_by="demo",
        events_total=0,
    )
    session.add(source)
    session.flush()
    events = [
        {
            "event_id": f"demo-{i:03d}",
            "time": (now - timedelta(hours=h)).isoformat(),
            "action": action,
            "category": category,
            "agent": agent,
            "tool": tool,
            "mcp_server": server,
            "policy_id": pid,
            "policy_name": pname,
            "reason": reason,
            "severity": severity,
        }
        for i, (h, action, category, agent, tool, server, pid, pname, reason, severity) in (
            enumerate(DEMO_DECISIONS, 1)
        )
    ]
    result = service.receive_events(
        session=session, source=source, payload={"events": events}, now=now
    )
    if result.rejected:  # the demo must be valid wire data; say which event is not
        raise ValueError(f"demo enforcement event rejected: {result.rejected[0].reason}")
