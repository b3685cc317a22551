"""OpenAI-compatible targets: chat completions and the responses API.

The model is the agent: we set the system prompt, offer the honeypot tools,
pre-seed tool results (the tool_output / web_page channels) and read tool
calls natively from the reply. The API key comes from a secret reference
resolved at call time, so a stored config never holds the key.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from threatvec.redteam.channels import DIRECT, DOCUMENT, MCP_TOOL, SYSTEM, TOOL_OUTPUT, WEB_PAGE
from threatvec.redteam.exchange import ProbeRequest, TargetReply, ToolCall
from threatvec.redteam.targets.base import (
    LoopClient,
    SecretResolver,
    TargetConfigError,
    describe_http_error,
)

__all__ = ["OpenAICompatTarget"]

_ALL = frozenset({DIRECT, DOCUMENT, TOOL_OUTPUT, WEB_PAGE, MCP_TOOL, SYSTEM})


@dataclass
class OpenAICompatTarget:
    """An OpenAI-compatible endpoint as the agent.

    ``api="chat"`` posts to ``{base_url}/chat/completions``; ``"responses"``
    to ``{base_url}/responses``.
    """

    base_url: str
    model: str
    api_key_ref: str | None = None
    resolve_secret: SecretResolver | None = None
    system_prompt: str = ""
    api: str = "chat"
    extra_tools: tuple[dict[str, Any], ...] = ()  # the agent's own tools, offered alongside
    timeout: float = 60.0
    allow_private: bool = False
    allowed_hosts: tuple[str, ...] = ()
    temperature: float | None = 0.0
    name: str = "openai-compatible"
    channels: frozenset[str] = field(default=_ALL)
    observes_tool_calls: bool = True
    tool_capabilities: frozenset[str] | None = None  # from MCP tools/list; None = unknown
    _http: LoopClient | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.api not in ("chat", "responses"):
            raise TargetConfigError("api must be 'chat' or 'responses'")
        if not self.base_url.startswith(("http://", "https://")):
            raise TargetConfigError("base_url must be an http(s) URL")
        if not self.model:
            raise TargetConfigError("model is required")

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.api_key_ref:
            if self.resolve_secret is None:
                raise TargetConfigError("api_key_ref is set but no secret resolver was given")
            headers["Authorization"] = f"Bearer {self.resolve_secret(self.api_key_ref)}"
        return headers

    def _system(self, request: ProbeRequest) -> str:
        return "\n\n".join(p for p in (self.system_prompt, request.system_prompt) if p)

    def _tools(self, request: ProbeRequest) -> list[dict[str, Any]]:
        return [*request.tools, *self.extra_tools]

    def chat_body(self, request: ProbeRequest) -> dict[str, Any]:
        messages: list[dict[str, Any]] = []
        system = self._system(request)
        if system:
            messages.append({"role": "system", "content": system})
        messages += request.history_json()
        messages.append({"role": "user", "content": request.prompt_with_documents()})
        if request.tool_outputs:
            messages.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": t.call_id if i == 0 else f"{t.call_id}_{i}",
                            "type": "function",
                            "function": {"name": t.tool, "arguments": json.dumps(t.arguments)},
                        }
                        for i, t in enumerate(request.tool_outputs)
                    ],
                }
            )
            for i, t in enumerate(request.tool_outputs):
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": t.call_id if i == 0 else f"{t.call_id}_{i}",
                        "content": t.content,
                    }
                )
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        tools = self._tools(request)
        if tools:
            body["tools"] = [{"type": "function", "function": t} for t in tools]
        if self.temperature is not None:
            body["temperature"] = self.temperature
        return body

    def responses_body(self, request: ProbeRequest) -> dict[str, Any]:
        items: list[dict[str, Any]] = [
            {"role": t.role, "content": t.content} for t in request.history
        ]
        items.append({"role": "user", "content": request.prompt_with_documents()})
        for i, t in enumerate(request.tool_outputs):
            call_id = f"{t.call_id}_{i}"
            items.append(
                {
                    "type": "function_call",
                    "call_id": call_id,
                    "name": t.tool,
                    "arguments": json.dumps(t.arguments),
                }
            )
            items.append({"type": "function_call_output", "call_id": call_id, "output": t.content})
        body: dict[str, Any] = {"model": self.model, "input": items}
        system = self._system(request)
        if system:
            body["instructions"] = system
        tools = self._tools(request)
        if tools:
            body["tools"] = [{"type": "function", **t} for t in tools]
        if self.temperature is not None:
            body["temperature"] = self.temperature
        return body

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    @staticmethod
    def parse_chat(data: Any) -> TargetReply:
        try:
            message = data["choices"][0]["message"]
        except (KeyError, IndexError, TypeError):
            return TargetReply.failed("reply has no choices[0].message")
        calls = []
        for tc in message.get("tool_calls") or []:
            fn = tc.get("function") or {}
            if fn.get("name"):
                calls.append(ToolCall.parse(fn["name"], fn.get("arguments") or "{}"))
        usage = data.get("usage") or {}
        return TargetReply(
            output=str(message.get("content") or ""),
            tool_calls=tuple(calls),
            total_tokens=usage.get("total_tokens"),
        )

    @staticmethod
    def parse_responses(data: Any) -> TargetReply:
        if not isinstance(data, dict) or not isinstance(data.get("output"), list):
            return TargetReply.failed("reply has no output list")
        texts, calls = [], []
        for item in data["output"]:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "message":
                for part in item.get("content") or []:
                    if isinstance(part, dict) and part.get("type") in ("output_text", "text"):
                        texts.append(str(part.get("text", "")))
            elif item.get("type") == "function_call" and item.get("name"):
                calls.append(ToolCall.parse(item["name"], item.get("arguments") or "{}"))
        usage = data.get("usage") or {}
        return TargetReply(
            output="\n".join(texts), tool_calls=tuple(calls), total_tokens=usage.get("total_tokens")
        )

    async def send(self, request: ProbeRequest) -> TargetReply:
        path = "/chat/completions" if self.api == "chat" else "/responses"
        body = self.chat_body(request) if self.api == "chat" else self.responses_body(request)
        started = time.perf_counter()
        try:
            headers = self._headers()
            if self._http is None:
                self._http = LoopClient(
                    allow_private=self.allow_private,
                    allowed_hosts=self.allowed_hosts,
                    timeout=self.timeout,
                )
            resp = await self._http.get().post(
                self.base_url.rstrip("/") + path, json=body, headers=headers
            )
        except (httpx.HTTPError, ValueError) as exc:
            return TargetReply.failed(describe_http_error(exc))
        latency = (time.perf_counter() - started) * 1000
        if resp.status_code >= 400:
            return TargetReply.failed(f"HTTP {resp.status_code}", status=resp.status_code)
        try:
            data = resp.json()
        except ValueError:
            return TargetReply.failed("reply is not JSON", status=resp.status_code)
        reply = self.parse_chat(data) if self.api == "chat" else self.parse_responses(data)
        return TargetReply(
            output=reply.output,
            tool_calls=reply.tool_calls,
            total_tokens=reply.total_tokens,
            error=reply.error,
            status=resp.status_code,
            latency_ms=latency,
        )
