"""An MCP server whose decorated tool function is renamed when TV_TEST_RENAME=1.

The SDK derives the schema titles from the function name
(``search_notesArguments`` / ``search_notesOutput``), so the rename reaches
them too; everything else about the tool stays the same.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serve import serve
from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations

server = MCPServer("tv-notes", version="1.0.0")
READ_ONLY = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
NOTES = ["standup at ten", "release on friday"]

if os.environ.get("TV_TEST_RENAME") == "1":

    @server.tool(annotations=READ_ONLY)
    def find_notes(query: str, limit: int = 5) -> list[str]:
        """Search the saved notes by keyword."""
        return [n for n in NOTES if query in n][:limit]

else:

    @server.tool(annotations=READ_ONLY)
    def search_notes(query: str, limit: int = 5) -> list[str]:
        """Search the saved notes by keyword."""
        return [n for n in NOTES if query in n][:limit]


if __name__ == "__main__":
    serve(server)
