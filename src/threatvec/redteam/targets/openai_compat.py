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
    uses_honeypot: bool = True  # its tool loop executes calls against the run's honeypot
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

    async def _post(self, path: str, body: dict[str, Any]) -> tuple[Any, TargetReply | None]:
        """One round trip: the parsed JSON, or a failed reply (never raises)."""
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
            return None, TargetReply.failed(describe_http_error(exc))
        if resp.status_code >= 400:
            return None, TargetReply.failed(f"HTTP {resp.status_code}", status=resp.status_code)
        try:
            return resp.json(), None
        except ValueError:
            return None, TargetReply.failed("reply is not JSON", status=resp.status_code)

    async def send(self, request: ProbeRequest) -> TargetReply:
        """Ask the model; while it calls tools (and an executor is given), run them and go on.

        The loop stops at the final answer, after ``request.max_tool_steps``
        round trips, or once more than ``request.max_tool_calls`` calls were
        asked for; the last two are recorded in ``extra["tool_budget_exceeded"]``.
        """
        chat = self.api == "chat"
        path = "/chat/completions" if chat else "/responses"
        body = self.chat_body(request) if chat else self.responses_body(request)
        started = time.perf_counter()
        outputs: list[str] = []
        calls: list[ToolCall] = []
        tokens: int | None = None
        budget: str | None = None
        steps = 0
        while True:
            data, failed = await self._post(path, body)
            if failed is not None:
                return failed
            reply = self.parse_chat(data) if chat else self.parse_responses(data)
            if reply.error is not None:
                return reply
            steps += 1
            if reply.output:
                outputs.append(reply.output)
            calls += reply.tool_calls
            if reply.total_tokens is not None:
                tokens = (tokens or 0) + int(reply.total_tokens)
            if not reply.tool_calls or request.tool_executor is None:
                break
            if len(calls) > request.max_tool_calls:
                budget = f"{len(calls)} tool calls asked for > budget {request.max_tool_calls}"
                break
            if steps > request.max_tool_steps:
                budget = f"still calling tools after {request.max_tool_steps} rounds of results"
                break
            results = [await request.tool_executor(c) for c in reply.tool_calls]
            if chat:
                _append_chat_results(body, data, results)
            else:
                _append_responses_results(body, data, results)
        extra: dict[str, Any] = {"tool_steps": steps}
        if budget:
            extra["tool_budget_exceeded"] = budget
        return TargetReply(
            output="\n".join(outputs),
            tool_calls=tuple(calls),
            total_tokens=tokens,
            status=200,
            latency_ms=(time.perf_counter() - started) * 1000,
            extra=extra,
        )


def _append_chat_results(body: dict[str, Any], data: Any, results: list[str]) -> None:
    """Echo the assistant's tool-call message and answer each call with a tool message."""
    message = data["choices"][0]["message"]
    raw_calls = [
        tc for tc in message.get("tool_calls") or [] if (tc.get("function") or {}).get("name")
    ]
    ids = [str(tc.get("id") or f"call_tv_loop_{i}") for i, tc in enumerate(raw_calls)]
    body["messages"].append(
        {
            "role": "assistant",
            "content": message.get("content"),
            "tool_calls": [
                {"id": i, "type": "function", "function": tc["function"]}
                for i, tc in zip(ids, raw_calls, strict=True)
            ],
        }
    )
    for call_id, result in zip(ids, results, strict=True):
        body["messages"].append({"role": "tool", "tool_call_id": call_id, "content": result})


def _append_responses_results(body: dict[str, Any], data: Any, results: list[str]) -> None:
    """Add the model's function_call items and a function_call_output for each."""
    raw = [
        item for item in data["output"]
        if isinstance(item, dict) and item.get("type") == "function_call" and item.get("name")
    ]  # fmt: skip
    for i, (item, result) in enumerate(zip(raw, results, strict=True)):
        call_id = str(item.get("call_id") or f"call_tv_loop_{i}")
        body["input"].append(
            {
                "type": "function_call",
                "call_id": call_id,
                "name": item["name"],
                "arguments": item.get("arguments") or "{}",
            }
        )
        body["input"].append({"type": "function_call_output", "call_id": call_id, "output": result})
