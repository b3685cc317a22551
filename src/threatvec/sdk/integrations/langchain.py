"""LangChain integration: a callback handler recording LLM and tool events.

When the integration is on, the handler is attached to every LangChain run through
`register_configure_hook` (no code change in the agent); `tv.langchain_handler()`
returns that same object, so passing it explicitly as well records nothing twice.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

from threatvec.sdk.integrations import recording_client
from threatvec.sdk.integrations._common import safely

__all__ = ["ThreatVecCallbackHandler", "handler_for", "install"]

NAME = "langchain"


def _message_text(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            p if isinstance(p, str) else str(p.get("text", "")) if isinstance(p, dict) else ""
            for p in content
        )
    return ""


class ThreatVecCallbackHandler(BaseCallbackHandler):
    """Records `llm.call` and `tool.call` events for LangChain runs."""

    run_inline = True  # our work is an append; no need to hop to an executor thread

    def __init__(self, target: Callable[[], Any]) -> None:
        super().__init__()
        self._target = target
        self._runs: dict[UUID, dict[str, Any]] = {}
        self._lock = threading.Lock()

    # -- bookkeeping
    def _begin(self, run_id: UUID, info: dict[str, Any]) -> None:
        info["started"] = time.perf_counter()
        with self._lock:
            if len(self._runs) > 10_000:  # runs that never ended must not grow forever
                self._runs.clear()
            self._runs[run_id] = info

    def _end(self, run_id: UUID) -> dict[str, Any] | None:
        with self._lock:
            return self._runs.pop(run_id, None)

    def _llm_start(
        self, serialized: Any, text: str, run_id: UUID, metadata: Any, kwargs: dict[str, Any]
    ) -> None:
        if self._target() is None:
            return
        meta = metadata or {}
        params = kwargs.get("invocation_params") or {}
        ident = (serialized or {}).get("id") or []
        provider = (
            meta.get("ls_provider") or params.get("_type") or (ident[-1] if ident else "langchain")
        )
        model = meta.get("ls_model_name") or params.get("model") or params.get("model_name")
        self._begin(run_id, {"provider": provider, "model": model, "input": text})

    # -- LLM callbacks
    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        safely(
            "langchain on_llm_start",
            lambda: self._llm_start(serialized, "\n".join(prompts), run_id, metadata, kwargs),
        )

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[Any]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        def start() -> None:
            text = "\n".join(_message_text(m) for batch in messages for m in batch)
            self._llm_start(serialized, text, run_id, metadata, kwargs)

        safely("langchain on_chat_model_start", start)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        safely("langchain on_llm_end", lambda: self._llm_end(response, run_id, None))

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        safely("langchain on_llm_error", lambda: self._llm_end(None, run_id, error))

    def _llm_end(self, response: Any, run_id: UUID, error: BaseException | None) -> None:
        info = self._end(run_id)
        client = self._target()
        if info is None or client is None:
            return
        tokens_in = tokens_out = None
        outputs: list[str] = []
        if response is not None:
            usage = (getattr(response, "llm_output", None) or {}).get("token_usage") or {}
            tokens_in = usage.get("prompt_tokens")
            tokens_out = usage.get("completion_tokens")
            for generations in getattr(response, "generations", None) or []:
                for generation in generations:
                    message = getattr(generation, "message", None)
                    meta = getattr(message, "usage_metadata", None)
                    if meta:
                        tokens_in = (tokens_in or 0) + int(meta.get("input_tokens", 0))
                        tokens_out = (tokens_out or 0) + int(meta.get("output_tokens", 0))
                    outputs.append(getattr(generation, "text", "") or _message_text(message))
        attributes: dict[str, Any] = {
            "provider": info["provider"],
            "model": info["model"],
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
            "latency_ms": (time.perf_counter() - info["started"]) * 1000.0,
            "outcome": "ok" if error is None else "error",
            "source": NAME,
        }
        if error is not None:
            attributes["error_type"] = type(error).__name__
        client._record(
            "llm.call", attributes, {"input": info["input"], "output": "\n".join(outputs)}
        )

    # -- tool callbacks
    def on_tool_start(
        self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, **kwargs: Any
    ) -> None:
        def start() -> None:
            if self._target() is None:
                return
            name = (serialized or {}).get("name") or kwargs.get("name") or "tool"
            self._begin(run_id, {"tool": name, "input": input_str})

        safely("langchain on_tool_start", start)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        safely("langchain on_tool_end", lambda: self._tool_end(output, run_id, None))

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        safely("langchain on_tool_error", lambda: self._tool_end(None, run_id, error))

    def _tool_end(self, output: Any, run_id: UUID, error: BaseException | None) -> None:
        info = self._end(run_id)
        client = self._target()
        if info is None or client is None:
            return
        attributes: dict[str, Any] = {
            "tool_name": info["tool"],
            "outcome": "ok" if error is None else "error",
            "latency_ms": (time.perf_counter() - info["started"]) * 1000.0,
            "source": NAME,
        }
        if error is not None:
            attributes["error_type"] = type(error).__name__
        text = output if isinstance(output, str) else _message_text(output) if output else ""
        client._record("tool.call", attributes, {"input": info["input"], "output": text})


_shared: ThreatVecCallbackHandler | None = None


def install() -> None:
    global _shared
    from langchain_core.tracers.context import register_configure_hook

    if _shared is not None:
        return
    _shared = ThreatVecCallbackHandler(lambda: recording_client(NAME))
    # The variable's default *is* the handler, so every context — any thread, any task —
    # sees it without a set(); LangChain adds it to each run's callback manager.
    variable: contextvars.ContextVar[Any] = contextvars.ContextVar(
        "threatvec_langchain_handler", default=_shared
    )
    register_configure_hook(variable, inheritable=True)


def handler_for(client: Any) -> ThreatVecCallbackHandler:
    """The auto-attached handler if `client` runs the integration, else one bound to `client`."""
    if _shared is not None and recording_client(NAME) is client:
        return _shared
    return ThreatVecCallbackHandler(lambda: client if client.enabled else None)
