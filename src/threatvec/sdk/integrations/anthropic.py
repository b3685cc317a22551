"""anthropic integration: messages.create (sync and async, `stream=True` included) and the
messages.stream() helper (sync and async context managers)."""

from __future__ import annotations

from typing import Any

from threatvec.sdk.integrations._common import (
    LlmCall,
    messages_text,
    patch_method,
    patch_stream_helper,
)

__all__ = ["install"]

NAME = "anthropic"


def _is_stream(result: Any) -> bool:
    from anthropic import AsyncStream, Stream

    return isinstance(result, Stream | AsyncStream)


def _input(kwargs: dict[str, Any]) -> str | None:
    return messages_text(kwargs.get("messages"), kwargs.get("system"))


def _usage(call: LlmCall, usage: Any) -> None:
    if usage is None:
        return
    tokens_in = getattr(usage, "input_tokens", None)
    tokens_out = getattr(usage, "output_tokens", None)
    if tokens_in is not None:
        call.input_tokens = tokens_in
    if tokens_out is not None:
        call.output_tokens = tokens_out


def _blocks(call: LlmCall, blocks: Any) -> None:
    for block in blocks or []:
        kind = getattr(block, "type", None)
        if kind == "text" and isinstance(getattr(block, "text", None), str):
            call.output_parts.append(block.text)
        elif kind == "tool_use" and getattr(block, "name", None):
            call.tools_requested.append(block.name)


def _result(call: LlmCall, message: Any) -> None:
    call.model = getattr(message, "model", None) or call.model
    _usage(call, getattr(message, "usage", None))
    _blocks(call, getattr(message, "content", None))


def _event(call: LlmCall, event: Any) -> None:
    kind = getattr(event, "type", None)
    if kind == "message_start":
        _result(call, getattr(event, "message", None))
    elif kind == "content_block_start":
        _blocks(call, [getattr(event, "content_block", None)])
    elif kind == "content_block_delta":
        delta = getattr(event, "delta", None)
        text = getattr(delta, "text", None)
        if getattr(delta, "type", None) == "text_delta" and isinstance(text, str):
            call.output_parts.append(text)
    elif kind == "message_delta":
        _usage(call, getattr(event, "usage", None))


def install() -> None:
    from anthropic.resources.messages import AsyncMessages, Messages

    for owner, asynchronous in ((Messages, False), (AsyncMessages, True)):
        patch_method(
            owner,
            "create",
            integration=NAME,
            provider="anthropic",
            operation="messages",
            input_text=_input,
            observe_result=_result,
            observe_chunk=_event,
            is_stream=_is_stream,
            asynchronous=asynchronous,
        )
        # `messages.stream()` posts directly (not through `create`), so it gets its own call.
        patch_stream_helper(
            owner,
            "stream",
            integration=NAME,
            provider="anthropic",
            operation="messages",
            input_text=_input,
            observe_chunk=_event,
            asynchronous=asynchronous,
            own_call=True,
        )
