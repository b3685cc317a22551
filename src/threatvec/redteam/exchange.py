"""What a target is sent (``ProbeRequest``) and what comes back (``TargetReply``).

Targets translate these channel-neutral structures into their own wire
format: OpenAI messages, a JSON body template, an SDK probe envelope.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Document",
    "ProbeRequest",
    "TargetReply",
    "ToolCall",
    "ToolExecutor",
    "ToolOutput",
    "Turn",
]


@dataclass(frozen=True)
class Document:
    name: str
    content: str


@dataclass(frozen=True)
class ToolOutput:
    """A tool call the agent is shown as already made, and its (possibly poisoned) result."""

    tool: str
    arguments: dict[str, Any]
    content: str
    call_id: str = "call_tv_0"


@dataclass(frozen=True)
class Turn:
    role: str  # "user" | "assistant"
    content: str


@dataclass(frozen=True)
class ProbeRequest:
    """One attempt of one probe, in channel-neutral form."""

    probe_id: str
    attempt: int
    session_id: str
    channel: str
    user_prompt: str
    system_prompt: str = ""  # to add to the target's own system prompt (canaries)
    documents: tuple[Document, ...] = ()
    tool_outputs: tuple[ToolOutput, ...] = ()
    tools: tuple[dict[str, Any], ...] = ()  # offered tools: {"name", "description", "parameters"}
    history: tuple[Turn, ...] = ()  # earlier turns, oldest first
    max_tool_calls: int = 10  # tool calls per attempt before the loop stops (a budget signal)
    max_tool_steps: int = 5  # model round trips with tool results fed back
    honeypot_url: str = ""  # this run's honeypot MCP endpoint, for agents with an MCP client
    # Executes a tool call the agent asks for and returns the result it is shown
    # (targets that run the agent's tool loop themselves, e.g. OpenAI-compatible).
    tool_executor: ToolExecutor | None = field(default=None, compare=False, repr=False)

    def prompt_with_documents(self) -> str:
        """The user prompt with attached documents inlined (for text-only targets)."""
        if not self.documents:
            return self.user_prompt
        parts = [self.user_prompt]
        for doc in self.documents:
            parts.append(f'\n\n<document name="{doc.name}">\n{doc.content}\n</document>')
        return "".join(parts)

    def history_json(self) -> list[dict[str, str]]:
        return [{"role": t.role, "content": t.content} for t in self.history]


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]

    def arguments_text(self) -> str:
        return json.dumps(self.arguments, ensure_ascii=False, sort_keys=True)

    def string_values(self) -> list[str]:
        """Every string inside the arguments (nested too), for marker and canary matching."""
        out: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, dict):
                for v in value.values():
                    walk(v)
            elif isinstance(value, list | tuple):
                for v in value:
                    walk(v)
            elif value is not None:
                out.append(str(value))

        walk(self.arguments)
        return out

    @staticmethod
    def parse(name: str, arguments: Any) -> ToolCall:
        """Accept arguments as a dict or a JSON string (as OpenAI sends them)."""
        if isinstance(arguments, str):
            try:
                parsed = json.loads(arguments) if arguments.strip() else {}
            except json.JSONDecodeError:
                parsed = {"_raw": arguments}
            arguments = parsed
        if not isinstance(arguments, dict):
            arguments = {"_value": arguments}
        return ToolCall(name=str(name), arguments=arguments)


ToolExecutor = Callable[[ToolCall], Awaitable[str]]


@dataclass(frozen=True)
class TargetReply:
    """The agent's answer. ``error`` set means the attempt is ERROR, never PASS or FAIL."""

    output: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    total_tokens: int | None = None
    error: str | None = None
    status: int | None = None
    latency_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def failed(message: str, *, status: int | None = None) -> TargetReply:
        return TargetReply(error=message[:1000], status=status)
