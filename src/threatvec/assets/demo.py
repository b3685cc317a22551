"""Demo assets: a realistic small registry."""

from __future__ import annotations

from sqlalchemy.orm import Session

from threatvec.assets import service
from threatvec.assets.schemas import AssetCreate

DEMO_ASSETS = [
    AssetCreate(
        kind="agent",
        name="support-bot",
        owner="cx-platform@example.com",
        description="Customer support agent: CRM lookup, email replies",
        tags=["prod", "customer-facing"],
        approved=True,
    ),
    AssetCreate(
        kind="agent",
        name="finance-analyst",
        owner="fin-eng@example.com",
        description="Summarises invoices and ledgers",
        tags=["internal"],
        approved=True,
    ),
    AssetCreate(
        kind="agent",
        name="research-crawler",
        owner="growth@example.com",
        description="Browses the web and drafts reports",
        tags=["experimental"],
    ),
    AssetCreate(
        kind="mcp_server",
        name="mcp-server-git",
        owner="dev-tools@example.com",
        description="Official reference git server",
        tags=["reference"],
        approved=True,
    ),
    AssetCreate(
        kind="mcp_server",
        name="crm-tools",
        owner="cx-platform@example.com",
        description="In-house CRM MCP server",
        tags=["internal"],
        approved=True,
    ),
    AssetCreate(
        kind="ai_service",
        name="ChatGPT Enterprise",
        owner="it@example.com",
        description="chatgpt.com (enterprise workspace)",
        tags=["approved-saas"],
        approved=True,
        metadata={"domains": ["chatgpt.com"]},
    ),
    AssetCreate(
        kind="ai_service",
        name="GitHub Copilot",
        owner="it@example.com",
        description="github.com/features/copilot",
        tags=["approved-saas"],
        approved=True,
        metadata={"domains": ["copilot.github.com"]},
    ),
]


def seed(*, session: Session, org_id: str) -> None:
    for data in DEMO_ASSETS:
        if (
            service.get_by_name(session=session, org_id=org_id, kind=data.kind, name=data.name)
            is None
        ):
            service.create(session=session, org_id=org_id, data=data)
