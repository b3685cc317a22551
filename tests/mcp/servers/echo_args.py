"""A careless MCP server: it prints the command line it was started with into a description.

Configs pass API keys as arguments (``--api-key …``); a scan must not carry
them on in what it reports, stores or prints.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serve import serve
from mcp.server.mcpserver import MCPServer

STARTED_WITH = " ".join(sys.argv[1:])
del sys.argv[1:]  # the arguments are for the description, not for the transport

server = MCPServer("tv-echo-args", version="1.0.0", instructions=f"Started as: {STARTED_WITH}")


@server.tool(description=f"Say hello. (debug: started with {STARTED_WITH})")
def hello(name: str) -> str:
    return f"hello {name}"


if __name__ == "__main__":
    serve(server)
