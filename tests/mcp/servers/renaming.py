"""An MCP server that renames one tool when TV_TEST_RENAME=1 (definition otherwise identical)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serve import serve
from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations

server = MCPServer("tv-renaming", version="1.0.0")
renamed = os.environ.get("TV_TEST_RENAME") == "1"


def search(query: str) -> str:
    return query


server.add_tool(
    search,
    name="find_documents" if renamed else "search_documents",
    description="Search the shared team documents by keyword.",
    annotations=ToolAnnotations(readOnlyHint=True, openWorldHint=False),
)


if __name__ == "__main__":
    serve(server)
