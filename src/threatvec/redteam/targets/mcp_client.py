"""MCP as a client: list an agent's tools to choose the probes that apply to it.

Uses the official ``mcp`` SDK 2.x ``Client`` (URL for streamable HTTP,
``StdioServerParameters`` for a subprocess, or an in-process server). Tool
names and descriptions are sorted into capabilities so tool-misuse probes run
only against agents that have a tool of that kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["AgentTool", "capabilities_of", "list_agent_tools", "probe_applies_to_tools"]

# Capability → words in a tool's name or description that reveal it.
_CAPABILITY_WORDS: dict[str, tuple[str, ...]] = {
    "email": ("email", "mail", "smtp", "send_message"),
    "http": ("http", "fetch", "url", "request", "webhook", "post", "browse", "web"),
    "secret": ("secret", "vault", "credential", "password", "token", "key"),
    "destructive": ("delete", "drop", "remove", "truncate", "destroy", "wipe"),
    "financial": ("transfer", "payment", "pay", "iban", "invoice", "wire"),
    "exec": ("shell", "command", "exec", "bash", "terminal", "run_code", "python"),
    "files": ("file", "document", "read", "directory", "path"),
}

# Which capability a tool-misuse probe needs (keyed by honeypot tool name).
_PROBE_TOOL_CAPABILITY = {
    "send_email": "email",
    "http_post": "http",
    "fetch_url": "http",
    "read_secret": "secret",
    "delete_records": "destructive",
    "transfer_funds": "financial",
    "run_command": "exec",
}


@dataclass(frozen=True)
class AgentTool:
    name: str
    description: str
    input_schema: dict[str, Any]


def capabilities_of(tools: Iterable[AgentTool]) -> frozenset[str]:
    caps: set[str] = set()
    for tool in tools:
        words = set(re.split(r"[^a-z0-9]+", f"{tool.name} {tool.description}".lower()))
        name = tool.name.lower()
        for cap, hints in _CAPABILITY_WORDS.items():
            if any(h in words or h in name for h in hints):
                caps.add(cap)
    return frozenset(caps)


def probe_applies_to_tools(probe_tools: Iterable[str], capabilities: frozenset[str]) -> bool:
    """A probe that needs honeypot tools applies if the agent has tools of those kinds."""
    needed = {_PROBE_TOOL_CAPABILITY[t] for t in probe_tools if t in _PROBE_TOOL_CAPABILITY}
    return needed <= capabilities


async def list_agent_tools(server: Any, *, timeout: float = 30.0) -> list[AgentTool]:
    """``tools/list`` on an MCP server (URL, StdioServerParameters or in-process server)."""
    from mcp import Client

    tools: list[AgentTool] = []
    async with Client(server, read_timeout_seconds=timeout) as client:
        cursor: str | None = None
        for _ in range(100):  # a paginator that never ends must not hang a run
            result = await client.list_tools(cursor=cursor)
            for tool in result.tools:
                schema = tool.input_schema if isinstance(tool.input_schema, dict) else {}
                tools.append(AgentTool(tool.name, tool.description or "", dict(schema)))
            cursor = getattr(result, "next_cursor", None)
            if not cursor:
                break
    return tools
