"""Shared pieces of the library integrations: patching, call recording, stream wrappers.

Rules every patch follows: the host's call runs exactly as before; the host's own
exception is re-raised unchanged (bare `raise`); any failure of ours is logged to
the `threatvec` logger and swallowed; a patch is applied once (`_threatvec_patched`).
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from threatvec.sdk.integrations import recording_client

__all__ = ["LlmCall", "patch_method", "patch_stream_helper", "safely"]

logger = logging.getLogger("threatvec")


def safely(where: str, func: Callable[..., Any], *args: Any) -> Any:
    """Run SDK-side work; never let it break the host (re-raise only in SDK debug mode)."""
    try:
        return func(*args)
    except Exception:
        if os.environ.get("THREATVEC_SDK_DEBUG_RAISE", "") == "1":
            raise
        logger.warning("threatvec: internal error in %s (ignored)", where, exc_info=True)
        return None


class LlmCall:
    """One model call in progress: collects usage, text and outcome, then records once."""

    def __init__(
        self,
        integration: str,
        provider: str,
        operation: str,
        kwargs: dict[str, Any],
        input_text: str | None,
    ) -> None:
        self.integration = integration
        self.provider = provider
        self.operation = operation
        self.model: str | None = (
            kwargs.get("model") if isinstance(kwargs.get("model"), str) else None
        )
        self.streaming = bool(kwargs.get("stream"))
        self.input_text = input_text
        self.output_parts: list[str] = []
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.tools_requested: list[str] = []
        self.started = time.perf_counter()
        self.done = False
        # Set when a stream reports failure in-band (an error event) without raising.
        self.failed = False

    def finish(self, outcome: str, error: BaseException | None = None) -> None:
        if self.done:
            return
        self.done = True
        if outcome == "ok" and self.failed:
            outcome = "error"
        client = recording_client(self.integration)
        if client is None:
            return
        attributes: dict[str, Any] = {
            "provider": self.provider,
            "model": self.model,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "latency_ms": (time.perf_counter() - self.started) * 1000.0,
            "outcome": outcome,
            "source": self.integration,
            "operation": self.operation,
            "streaming": self.streaming,
        }
        if error is not None:
            attributes["error_type"] = type(error).__name__
        if self.tools_requested:
            attributes["tools_requested"] = sorted(set(self.tools_requested))[:50]
        output = "".join(self.output_parts) or None
        texts = None
        if self.input_text or output:
            texts = {"input": self.input_text, "output": output}
        client._record("llm.call", attributes, texts)


def _outcome_of(exc: BaseException) -> str:
    name = type(exc).__name__.lower()
    if "timeout" in name:
        return "timeout"
    # GeneratorExit: the consumer dropped the stream before its end.
    if isinstance(exc, KeyboardInterrupt | GeneratorExit) or "cancel" in name:
        return "cancelled"
    return "error"


class SyncStreamRecorder:
    """Wraps a library stream; records the call when iteration ends, fails or is closed."""

    def __init__(self, stream: Any, call: LlmCall, observe: Callable[[LlmCall, Any], None]) -> None:
        self._tv_stream = stream
        self._tv_call = call
        self._tv_observe = observe

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tv_stream, name)

    def __iter__(self) -> Any:
        try:
            for item in self._tv_stream:
                safely("stream observe", self._tv_observe, self._tv_call, item)
                yield item
        except BaseException as exc:
            safely("stream finish", self._tv_call.finish, _outcome_of(exc), exc)
            raise
        safely("stream finish", lambda: self._tv_call.finish("ok"))

    def __next__(self) -> Any:
        try:
            item = next(self._tv_stream)
        except StopIteration:
            safely("stream finish", lambda: self._tv_call.finish("ok"))
            raise
        except BaseException as exc:
            safely("stream finish", self._tv_call.finish, _outcome_of(exc), exc)
            raise
        safely("stream observe", lambda: self._tv_observe(self._tv_call, item))
        return item

    def __enter__(self) -> SyncStreamRecorder:
        enter = getattr(self._tv_stream, "__enter__", None)
        if enter is not None:
            enter()
        return self

    def __exit__(self, *exc_info: Any) -> Any:
        safely("stream finish", lambda: self._tv_call.finish("cancelled"))
        exit_ = getattr(self._tv_stream, "__exit__", None)
        return exit_(*exc_info) if exit_ is not None else None

    def close(self) -> None:
        safely("stream finish", lambda: self._tv_call.finish("cancelled"))
        self._tv_stream.close()


class AsyncStreamRecorder:
    """Async twin of `SyncStreamRecorder`."""

    def __init__(self, stream: Any, call: LlmCall, observe: Callable[[LlmCall, Any], None]) -> None:
        self._tv_stream = stream
        self._tv_call = call
        self._tv_observe = observe

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tv_stream, name)

    async def __aiter__(self) -> Any:
        try:
            async for item in self._tv_stream:
                safely("stream observe", self._tv_observe, self._tv_call, item)
                yield item
        except BaseException as exc:
            safely("stream finish", self._tv_call.finish, _outcome_of(exc), exc)
            raise
        safely("stream finish", lambda: self._tv_call.finish("ok"))

    async def __anext__(self) -> Any:
        try:
            item = await self._tv_stream.__anext__()
        except StopAsyncIteration:
            safely("stream finish", lambda: self._tv_call.finish("ok"))
            raise
        except BaseException as exc:
            safely("stream finish", self._tv_call.finish, _outcome_of(exc), exc)
            raise
        safely("stream observe", lambda: self._tv_observe(self._tv_call, item))
        return item

    async def __aenter__(self) -> AsyncStreamRecorder:
        enter = getattr(self._tv_stream, "__aenter__", None)
        if enter is not None:
            await enter()
        return self

    async def __aexit__(self, *exc_info: Any) -> Any:
        safely("stream finish", lambda: self._tv_call.finish("cancelled"))
        exit_ = getattr(self._tv_stream, "__aexit__", None)
        return await exit_(*exc_info) if exit_ is not None else None

    async def close(self) -> None:
        safely("stream finish", lambda: self._tv_call.finish("cancelled"))
        await self._tv_stream.close()


def patch_method(
    owner: type,
    name: str,
    *,
    integration: str,
    provider: str,
    operation: str,
    input_text: Callable[[dict[str, Any]], str | None],
    observe_result: Callable[[LlmCall, Any], None],
    observe_chunk: Callable[[LlmCall, Any], None],
    is_stream: Callable[[Any], bool],
    asynchronous: bool,
) -> None:
    """Wrap `owner.name` (sync or async) so each call records one `llm.call` event.

    `asynchronous` is given, not sniffed: the libraries wrap their async methods in
    plain-function decorators that `inspect.iscoroutinefunction` does not see through.
    """
    original = getattr(owner, name, None)
    if original is None or getattr(original, "_threatvec_patched", False):
        return

    def begin(kwargs: dict[str, Any]) -> LlmCall | None:
        if recording_client(integration) is None:
            return None
        return LlmCall(integration, provider, operation, kwargs, input_text(kwargs))

    def after(call: LlmCall, result: Any, asynchronous: bool) -> Any:
        if is_stream(result):
            wrapper = AsyncStreamRecorder if asynchronous else SyncStreamRecorder
            return wrapper(result, call, observe_chunk)
        observe_result(call, result)
        call.finish("ok")
        return result

    if asynchronous:

        @functools.wraps(original)
        async def async_wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            call = safely(f"{integration} begin", lambda: begin(kwargs))
            if call is None:
                return await original(self, *args, **kwargs)
            try:
                result = await original(self, *args, **kwargs)
            except BaseException as exc:
                safely(f"{integration} error", call.finish, _outcome_of(exc), exc)
                raise
            wrapped = safely(f"{integration} result", lambda: after(call, result, True))
            return result if wrapped is None else wrapped

        async_wrapper._threatvec_patched = True  # type: ignore[attr-defined]
        setattr(owner, name, async_wrapper)
        return

    @functools.wraps(original)
    def sync_wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = safely(f"{integration} begin", lambda: begin(kwargs))
        if call is None:
            return original(self, *args, **kwargs)
        try:
            result = original(self, *args, **kwargs)
        except BaseException as exc:
            safely(f"{integration} error", call.finish, _outcome_of(exc), exc)
            raise
        wrapped = safely(f"{integration} result", lambda: after(call, result, False))
        return result if wrapped is None else wrapped

    sync_wrapper._threatvec_patched = True  # type: ignore[attr-defined]
    setattr(owner, name, sync_wrapper)


def _attach(
    stream: Any,
    own_call: LlmCall | None,
    observe: Callable[[LlmCall, Any], None],
    asynchronous: bool,
) -> LlmCall | None:
    """Find (or install) the recorder under a helper's stream object; return its call.

    The helpers iterate `stream._raw_stream` lazily, so swapping it for a recorder right
    after the request is made sees every event. When the raw stream came from a patched
    `create` (openai's helpers call it), that call is reused so nothing is recorded twice.
    """
    raw = getattr(stream, "_raw_stream", None)
    if isinstance(raw, SyncStreamRecorder | AsyncStreamRecorder):
        return raw._tv_call
    if own_call is None or raw is None:
        return own_call
    wrapper = AsyncStreamRecorder if asynchronous else SyncStreamRecorder
    stream._raw_stream = wrapper(raw, own_call, observe)
    return own_call


class StreamManagerRecorder:
    """Wraps a library stream *manager* (`with client....stream(...) as s:`).

    Entering makes the request (a failure is recorded and re-raised unchanged); the call
    is recorded `ok` when the stream is read to its end, `cancelled` when the block is
    left before that (the libraries' own close does not reach the raw stream's `close`).
    """

    def __init__(
        self,
        manager: Any,
        begin: Callable[[], LlmCall | None],
        observe: Callable[[LlmCall, Any], None],
    ) -> None:
        self._tv_manager = manager
        self._tv_begin = begin
        self._tv_observe = observe
        self._tv_call: LlmCall | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tv_manager, name)

    def __enter__(self) -> Any:
        own = safely("stream helper begin", self._tv_begin)
        try:
            stream = self._tv_manager.__enter__()
        except BaseException as exc:
            if own is not None:
                safely("stream helper error", own.finish, _outcome_of(exc), exc)
            raise
        attached = safely("stream helper attach", _attach, stream, own, self._tv_observe, False)
        self._tv_call = attached if attached is not None else own
        return stream

    def __exit__(self, *exc_info: Any) -> Any:
        try:
            return self._tv_manager.__exit__(*exc_info)
        finally:
            call = self._tv_call
            if call is not None:
                safely("stream helper finish", call.finish, "cancelled")


class AsyncStreamManagerRecorder:
    """Async twin of `StreamManagerRecorder` (`async with client....stream(...) as s:`)."""

    def __init__(
        self,
        manager: Any,
        begin: Callable[[], LlmCall | None],
        observe: Callable[[LlmCall, Any], None],
    ) -> None:
        self._tv_manager = manager
        self._tv_begin = begin
        self._tv_observe = observe
        self._tv_call: LlmCall | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tv_manager, name)

    async def __aenter__(self) -> Any:
        own = safely("stream helper begin", self._tv_begin)
        try:
            stream = await self._tv_manager.__aenter__()
        except BaseException as exc:
            if own is not None:
                safely("stream helper error", own.finish, _outcome_of(exc), exc)
            raise
        attached = safely("stream helper attach", _attach, stream, own, self._tv_observe, True)
        self._tv_call = attached if attached is not None else own
        return stream

    async def __aexit__(self, *exc_info: Any) -> Any:
        try:
            return await self._tv_manager.__aexit__(*exc_info)
        finally:
            call = self._tv_call
            if call is not None:
                safely("stream helper finish", call.finish, "cancelled")


def patch_stream_helper(
    owner: type,
    name: str,
    *,
    integration: str,
    provider: str,
    operation: str,
    input_text: Callable[[dict[str, Any]], str | None],
    observe_chunk: Callable[[LlmCall, Any], None],
    asynchronous: bool,
    own_call: bool,
) -> None:
    """Wrap a `.stream(...)` helper that returns a (sync or async) stream manager.

    `own_call=False` when the helper makes its request through an already patched
    `create`: the manager wrapper then only adds the `cancelled` outcome on early exit.
    """
    original = getattr(owner, name, None)
    if original is None or getattr(original, "_threatvec_patched", False):
        return
    manager_type = AsyncStreamManagerRecorder if asynchronous else StreamManagerRecorder

    @functools.wraps(original)
    def helper_wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        manager = original(self, *args, **kwargs)
        if safely(f"{integration} begin", recording_client, integration) is None:
            return manager

        def begin() -> LlmCall | None:
            if not own_call or recording_client(integration) is None:
                return None
            given = {**kwargs, "stream": True}
            return LlmCall(integration, provider, operation, given, input_text(kwargs))

        return manager_type(manager, begin, observe_chunk)

    helper_wrapper._threatvec_patched = True  # type: ignore[attr-defined]
    setattr(owner, name, helper_wrapper)


def text_of(content: Any) -> str:
    """Plain text from a message `content`: a string, or a list of parts with `text`."""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    if isinstance(content, list | tuple):
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                for key in ("text", "content"):
                    value = part.get(key)
                    if isinstance(value, str):
                        parts.append(value)
                    elif isinstance(value, list):
                        parts.append(text_of(value))
            else:
                value = getattr(part, "text", None)
                if isinstance(value, str):
                    parts.append(value)
    return "\n".join(p for p in parts if p)


def messages_text(messages: Any, extra: Any = None) -> str | None:
    texts: list[str] = []
    if extra is not None:
        texts.append(text_of(extra) if not isinstance(extra, str) else extra)
    if isinstance(messages, str):
        texts.append(messages)
    elif isinstance(messages, list | tuple):
        for message in messages:
            if isinstance(message, dict):
                texts.append(text_of(message.get("content")))
    joined = "\n".join(t for t in texts if t)
    return joined or None
