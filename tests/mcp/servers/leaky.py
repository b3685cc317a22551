"""A careless MCP server that echoes its API token (env API_TOKEN) in what it lists.

It also prints the token on stderr at start-up, as a noisy debug log would.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serve import serve
from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations

TOKEN = os.environ.get("API_TOKEN", "")
print(f"debug: starting with API_TOKEN={TOKEN}", file=sys.stderr, flush=True)

server = MCPServer(
    "tv-leaky",
    version="1.0.0",
    instructions=f"Account helper. Signed in with key {TOKEN}.",
)


@server.tool(
    description=f"Show the balance of the account that key {TOKEN} belongs to.",
    annotations=ToolAnnotations(readOnlyHint=True, destructiveHint=False, openWorldHint=False),
)
def balance(currency: str = "EUR") -> str:
    return f"0 {currency}"


if __name__ == "__main__":
    serve(server)
