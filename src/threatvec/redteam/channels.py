"""Injection channels: the ways a probe's attack can reach an agent.

A target declares the channels it can reach; a probe names the one it needs.
A probe whose channel the target cannot reach is NOT_APPLICABLE, never PASS.
"""

from __future__ import annotations

__all__ = ["ALL_CHANNELS", "DIRECT", "DOCUMENT", "MCP_TOOL", "SYSTEM", "TOOL_OUTPUT", "WEB_PAGE"]

DIRECT = "direct"  # the user's own message
TOOL_OUTPUT = "tool_output"  # the result of a tool the agent called
DOCUMENT = "document"  # a document attached to the conversation
WEB_PAGE = "web_page"  # a web page the agent fetched
MCP_TOOL = "mcp_tool"  # a tool definition (name, description, schema) the agent was offered
SYSTEM = "system"  # we can add to the system prompt (to plant canaries there)

ALL_CHANNELS = frozenset({DIRECT, TOOL_OUTPUT, DOCUMENT, WEB_PAGE, MCP_TOOL, SYSTEM})
