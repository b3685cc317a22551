"""Ask the agent's own MCP server which tools it has, before a run picks its probes.

A target config may name ``mcp_url``: the streamable-HTTP endpoint of the MCP
server the agent uses. At the start of a run ThreatVec lists its tools (as an
MCP client, ``targets.mcp_client``) and sorts them into capabilities, so a
tool-misuse probe for a kind of tool the agent does not have (no payment
tool: no injected payment) is NOT_APPLICABLE rather than a meaningless PASS.
The URL is user input: it passes the deployment's SSRF policy first.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from threatvec.core.outbound import OutboundBlocked, check_url
from threatvec.redteam.targets.mcp_client import capabilities_of, list_agent_tools

__all__ = ["ToolDiscovery", "ToolDiscoveryError", "discover_tools"]


class ToolDiscoveryError(ValueError):
    """The agent's MCP server could not be listed; the message says why (no secrets)."""


@dataclass(frozen=True)
class ToolDiscovery:
    url: str
    tools: tuple[str, ...]
    capabilities: frozenset[str]


async def discover_tools(
    url: str,
    *,
    allow_private: bool = False,
    allowed_hosts: tuple[str, ...] = (),
    timeout: float = 30.0,
) -> ToolDiscovery:
    """``tools/list`` on the MCP server at ``url``; raises ToolDiscoveryError."""
    try:
        # check_url resolves DNS synchronously: keep it off the event loop.
        await asyncio.to_thread(
            check_url, url, allow_private=allow_private, allowed_hosts=allowed_hosts
        )
    except OutboundBlocked as exc:
        raise ToolDiscoveryError(f"mcp_url blocked by outbound policy: {exc}") from None
    try:
        tools = await asyncio.wait_for(list_agent_tools(url, timeout=timeout), timeout)
    except Exception as exc:  # any transport/protocol failure: one clear line for the run
        raise ToolDiscoveryError(
            f"could not list the agent's MCP tools at {url}: {type(exc).__name__}"
        ) from None
    return ToolDiscovery(url, tuple(sorted(t.name for t in tools)), capabilities_of(tools))
