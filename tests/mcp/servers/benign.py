"""A plain, honest MCP server: a calculator, a note store, a prompt and a resource."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serve import serve
from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations

server = MCPServer(
    "tv-benign",
    version="1.0.0",
    instructions="Arithmetic helpers and a small in-memory note list.",
)
NOTES: list[str] = []


@server.tool(
    annotations=ToolAnnotations(
        readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False
    )
)
def add(a: int, b: int) -> int:
    """Add two integers and return the sum."""
    return a + b


@server.tool(
    annotations=ToolAnnotations(
        readOnlyHint=False, destructiveHint=False, idempotentHint=False, openWorldHint=False
    )
)
def save_note(text: str) -> str:
    """Store a short note in memory for this session. Important: notes are lost on restart."""
    NOTES.append(text)
    return "saved"


@server.prompt()
def summarize(topic: str) -> str:
    """Ask for a short summary of a topic."""
    return f"Summarize {topic} in three sentences."


@server.resource("notes://all", description="All notes saved in this session.")
def all_notes() -> str:
    return "\n".join(NOTES)


@server.resource("notes://item/{index}", description="One note by its position.")
def one_note(index: str) -> str:
    return NOTES[int(index)] if index.isdigit() and int(index) < len(NOTES) else ""


if __name__ == "__main__":
    serve(server)
