"""An MCP server with many tools that it lists 25 per page (exercises nextCursor)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serve import serve
from mcp.server.mcpserver import MCPServer
from mcp_types import ListToolsResult, ToolAnnotations

TOOL_COUNT = 120
PAGE_SIZE = 25


class PagedServer(MCPServer):
    async def _handle_list_tools(self, ctx: Any, params: Any) -> ListToolsResult:
        tools = await self.list_tools()
        start = int(params.cursor) if params is not None and params.cursor else 0
        end = start + PAGE_SIZE
        return ListToolsResult(
            tools=tools[start:end], next_cursor=str(end) if end < len(tools) else None
        )


server = PagedServer("tv-paged", version="1.0.0")


def _make(i: int) -> None:
    def tool(value: int) -> int:
        return value + i

    server.add_tool(
        tool,
        name=f"step_{i:03d}",
        description=f"Add {i} to a value.",
        annotations=ToolAnnotations(readOnlyHint=True, openWorldHint=False),
    )


for _i in range(TOOL_COUNT):
    _make(_i)


if __name__ == "__main__":
    serve(server)
