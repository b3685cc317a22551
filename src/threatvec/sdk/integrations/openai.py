"""openai integration: chat.completions.create / .parse / .stream and responses.create /
.parse / .stream, sync and async, streaming included (the stream is wrapped so usage and
outcome are recorded when it ends). `beta.chat` is the same `Completions` resource.
"""

from __future__ import annotations

from typing import Any

from threatvec.sdk.integrations._common import (
    LlmCall,
    messages_text,
    patch_method,
    patch_stream_helper,
    text_of,
)

__all__ = ["install"]

NAME = "openai"


def _is_stream(result: Any) -> bool:
    from openai import AsyncStream, Stream

    return isinstance(result, Stream | AsyncStream)


# ---- chat completions -----------------------------------------------------------------------


def _chat_input(kwargs: dict[str, Any]) -> str | None:
    return messages_text(kwargs.get("messages"))


def _chat_usage(call: LlmCall, usage: Any) -> None:
    if usage is not None:
        call.input_tokens = getattr(usage, "prompt_tokens", None)
        call.output_tokens = getattr(usage, "completion_tokens", None)


def _chat_result(call: LlmCall, result: Any) -> None:
    call.model = getattr(result, "model", None) or call.model
    _chat_usage(call, getattr(result, "usage", None))
    for choice in getattr(result, "choices", None) or []:
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None)
        if isinstance(content, str):
            call.output_parts.append(content)
        for tool_call in getattr(message, "tool_calls", None) or []:
            name = getattr(getattr(tool_call, "function", None), "name", None)
            if isinstance(name, str):
                call.tools_requested.append(name)


def _chat_chunk(call: LlmCall, chunk: Any) -> None:
    call.model = getattr(chunk, "model", None) or call.model
    _chat_usage(call, getattr(chunk, "usage", None))
    for choice in getattr(chunk, "choices", None) or []:
        delta = getattr(choice, "delta", None)
        content = getattr(delta, "content", None)
        if isinstance(content, str):
            call.output_parts.append(content)
        for tool_call in getattr(delta, "tool_calls", None) or []:
            name = getattr(getattr(tool_call, "function", None), "name", None)
            if isinstance(name, str):
                call.tools_requested.append(name)


# ---- responses ------------------------------------------------------------------------------


def _responses_input(kwargs: dict[str, Any]) -> str | None:
    given = kwargs.get("input")
    texts: list[str] = []
    if isinstance(kwargs.get("instructions"), str):
        texts.append(kwargs["instructions"])
    if isinstance(given, str):
        texts.append(given)
    elif isinstance(given, list):
        for item in given:
            if isinstance(item, dict):
                texts.append(text_of(item.get("content")))
    joined = "\n".join(t for t in texts if t)
    return joined or None


def _responses_result(call: LlmCall, response: Any) -> None:
    call.model = getattr(response, "model", None) or call.model
    usage = getattr(response, "usage", None)
    if usage is not None:
        call.input_tokens = getattr(usage, "input_tokens", None)
        call.output_tokens = getattr(usage, "output_tokens", None)
    if not call.output_parts:
        text = getattr(response, "output_text", None)
        if isinstance(text, str) and text:
            call.output_parts.append(text)
    for item in getattr(response, "output", None) or []:
        if getattr(item, "type", None) == "function_call" and getattr(item, "name", None):
            call.tools_requested.append(item.name)


def _responses_event(call: LlmCall, event: Any) -> None:
    kind = getattr(event, "type", None)
    if kind == "response.output_text.delta" and isinstance(getattr(event, "delta", None), str):
        call.output_parts.append(event.delta)
    elif kind in ("response.completed", "response.incomplete"):
        _responses_result(call, getattr(event, "response", None))
    elif kind in ("response.failed", "error"):
        # Recorded as an error when the stream ends; nothing was raised to the host.
        call.failed = True


def _never_stream(result: Any) -> bool:
    return False


def install() -> None:
    from openai.resources.chat.completions import AsyncCompletions, Completions
    from openai.resources.responses import AsyncResponses, Responses

    chat: tuple[tuple[type, bool], ...] = ((Completions, False), (AsyncCompletions, True))
    responses: tuple[tuple[type, bool], ...] = ((Responses, False), (AsyncResponses, True))
    for owner, asynchronous in chat:
        patch_method(
            owner,
            "create",
            integration=NAME,
            provider="openai",
            operation="chat",
            input_text=_chat_input,
            observe_result=_chat_result,
            observe_chunk=_chat_chunk,
            is_stream=_is_stream,
            asynchronous=asynchronous,
        )
    for owner, asynchronous in responses:
        patch_method(
            owner,
            "create",
            integration=NAME,
            provider="openai",
            operation="responses",
            input_text=_responses_input,
            observe_result=_responses_result,
            observe_chunk=_responses_event,
            is_stream=_is_stream,
            asynchronous=asynchronous,
        )
    _install_helpers(chat, responses)


def _install_helpers(
    chat: tuple[tuple[type, bool], ...], responses: tuple[tuple[type, bool], ...]
) -> None:
    """`.parse()` posts directly, so it is recorded here; `.stream()` goes through the
    patched `create`, so its manager is only wrapped to see an early exit."""
    kinds = (
        (chat, "chat", _chat_input, _chat_result, _chat_chunk),
        (responses, "responses", _responses_input, _responses_result, _responses_event),
    )
    for owners, operation, input_text, observe_result, observe_chunk in kinds:
        for owner, asynchronous in owners:
            patch_method(
                owner,
                "parse",
                integration=NAME,
                provider="openai",
                operation=operation,
                input_text=input_text,
                observe_result=observe_result,
                observe_chunk=observe_chunk,
                is_stream=_never_stream,
                asynchronous=asynchronous,
            )
            patch_stream_helper(
                owner,
                "stream",
                integration=NAME,
                provider="openai",
                operation=operation,
                input_text=input_text,
                observe_chunk=observe_chunk,
                asynchronous=asynchronous,
                own_call=False,
            )
