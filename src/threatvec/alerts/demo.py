"""Demo alert rules, a disabled channel that points nowhere, and the alerts demo signals fire."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from threatvec.alerts import flows, service
from threatvec.alerts.models import AlertChannel
from threatvec.alerts.schemas import (
    McpRugPull,
    NewCriticalCve,
    NewShadowAsset,
    PiiSpike,
    RedTeamBypass,
    RuleCreate,
    ScoreDrop,
)
from threatvec.core.clock import utcnow

DEMO_RULES = [
    RuleCreate(name="Posture drop of 5+ points", severity="high",
               condition=ScoreDrop(trigger="score_drop", points=5)),
    RuleCreate(name="Unknown AI service discovered", severity="medium",
               condition=NewShadowAsset(trigger="new_shadow_asset")),
    RuleCreate(name="PII spike to AI services", severity="high",
               condition=PiiSpike(trigger="pii_spike", threshold=5, window_minutes=24 * 60)),
    RuleCreate(name="Red-team bypass (high+)", severity="critical",
               condition=RedTeamBypass(trigger="red_team_bypass", min_severity="high")),
    RuleCreate(name="Critical CVE in our stack", severity="critical",
               condition=NewCriticalCve(trigger="new_critical_cve")),
    RuleCreate(name="MCP server changed after approval", severity="high",
               condition=McpRugPull(trigger="mcp_rug_pull")),
]  # fmt: skip


def seed(*, session: Session, org_id: str) -> None:
    # No secret is stored: the channel is disabled and its host (.invalid) never resolves.
    channel = AlertChannel(
        org_id=org_id,
        name="SOAR webhook (demo, disabled)",
        kind="webhook",
        enabled=False,
        config={"url": "https://soar.example.invalid/threatvec"},
        secrets_enc="",
        secret_hint="demo: no secret stored",  # noqa: S106 - a label, not a secret
    )
    session.add(channel)
    session.flush()
    earlier = utcnow() - timedelta(days=30)
    for data in DEMO_RULES:
        rule = service.create_rule(
            session=session,
            org_id=org_id,
            data=data.model_copy(update={"channel_ids": [channel.id]}),
            actor="demo",
        )
        # Backdated so the signals the other demo areas just published count for it.
        rule.created_at = rule.updated_at = earlier
    session.flush()
    flows.evaluate(session=session, org_id=org_id)
