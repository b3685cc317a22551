"""A project's own MCP server: `--kind git` reads the local repository, `--kind web` fetches pages.

Either alone is harmless; the two together complete the lethal trifecta
(private data from git, untrusted content and an outbound URL from the web
tool), which is what the scope tests need.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serve import serve
from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations

parser = argparse.ArgumentParser()
parser.add_argument("--kind", choices=["git", "web"], default="git")
kind = parser.parse_known_args()[0].kind

server = MCPServer("project-tools", version="1.0.0")

if kind == "git":

    @server.tool(annotations=ToolAnnotations(readOnlyHint=True, openWorldHint=False))
    def git_log(repo_path: str) -> str:
        """Show the commit log of the local repository."""
        return repo_path

else:

    @server.tool(annotations=ToolAnnotations(readOnlyHint=True, openWorldHint=True))
    def fetch(url: str) -> str:
        """Fetch a URL from the internet and return the page as markdown."""
        return url


if __name__ == "__main__":
    serve(server)
