"""mcp client integration: `ClientSession.list_tools` and `call_tool`.

Records the servers an agent talks to, the tool definitions they list (in MCP wire
format, for the integrity checks) and the tools it calls.
"""

from __future__ import annotations

import contextvars
import functools
import json
import time
from typing import Any

from threatvec.sdk.integrations import recording_client
from threatvec.sdk.integrations._common import safely

__all__ = ["install"]

NAME = "mcp"

# call_tool may itself list tools (to validate output); that inner listing is not the agent's.
_inside_call: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "threatvec_mcp_inside_call", default=False
)


def _server(session: Any) -> tuple[str, dict[str, Any] | None]:
    info = getattr(session, "server_info", None)
    if info is None:
        return "unknown", None
    name = getattr(info, "name", None) or "unknown"
    details: dict[str, Any] = {"name": name, "version": getattr(info, "version", None)}
    version = getattr(session, "_negotiated_version", None)
    if isinstance(version, str):
        details["protocol_version"] = version
    return str(name), details


def _result_text(result: Any) -> str:
    parts: list[str] = []
    for item in getattr(result, "content", None) or []:
        text = getattr(item, "text", None)
        if isinstance(text, str):
            parts.append(text)
    structured = getattr(result, "structured_content", None)
    if structured:
        parts.append(json.dumps(structured, default=str))
    return "\n".join(parts)


def _record_listing(session: Any, result: Any, started: float, error: BaseException | None) -> None:
    from threatvec.sdk.client import mcp_attributes

    client = recording_client(NAME)
    if client is None:
        return
    server, info = _server(session)
    tools = getattr(result, "tools", None) if result is not None else None
    attributes = mcp_attributes(
        server,
        tools_listed=tools if tools is not None else ([] if error is None else None),
        tool_called=None,
        outcome="ok" if error is None else "error",
        server_info=info,
        latency_ms=(time.perf_counter() - started) * 1000.0,
        source=NAME,
    )
    attributes["operation"] = "tools/list"
    if error is not None:
        attributes["error_type"] = type(error).__name__
    client._record("mcp.use", attributes)


def _record_call(
    session: Any,
    name: Any,
    arguments: Any,
    result: Any,
    started: float,
    error: BaseException | None,
) -> None:
    from threatvec.sdk.client import mcp_attributes

    client = recording_client(NAME)
    if client is None:
        return
    server, info = _server(session)
    failed = error is not None or bool(getattr(result, "is_error", False))
    attributes = mcp_attributes(
        server,
        tools_listed=None,
        tool_called=str(name),
        outcome="error" if failed else "ok",
        server_info=info,
        latency_ms=(time.perf_counter() - started) * 1000.0,
        source=NAME,
    )
    attributes["operation"] = "tools/call"
    if error is not None:
        attributes["error_type"] = type(error).__name__
    # Made on the worker thread (this one is the agent's event loop): a tool call's
    # arguments and result can be large.
    texts: dict[str, Any] = {
        "input": (lambda: json.dumps(arguments, default=str)) if arguments else None,
        "output": (lambda: _result_text(result)) if result is not None else None,
    }
    client._record("mcp.use", attributes, texts)


def install() -> None:
    from mcp.client.session import ClientSession

    list_tools = ClientSession.list_tools
    if not getattr(list_tools, "_threatvec_patched", False):

        @functools.wraps(list_tools)
        async def patched_list_tools(self: Any, *args: Any, **kwargs: Any) -> Any:
            if _inside_call.get() or recording_client(NAME) is None:
                return await list_tools(self, *args, **kwargs)
            started = time.perf_counter()
            try:
                result = await list_tools(self, *args, **kwargs)
            except BaseException as exc:
                safely("mcp list_tools", _record_listing, self, None, started, exc)
                raise
            safely("mcp list_tools", lambda: _record_listing(self, result, started, None))
            return result

        patched_list_tools._threatvec_patched = True  # type: ignore[attr-defined]
        ClientSession.list_tools = patched_list_tools  # type: ignore[method-assign]

    call_tool = ClientSession.call_tool
    if not getattr(call_tool, "_threatvec_patched", False):

        @functools.wraps(call_tool)
        async def patched_call_tool(
            self: Any, name: str, arguments: Any = None, *args: Any, **kwargs: Any
        ) -> Any:
            if recording_client(NAME) is None:
                return await call_tool(self, name, arguments, *args, **kwargs)
            started = time.perf_counter()
            token = _inside_call.set(True)
            try:
                result = await call_tool(self, name, arguments, *args, **kwargs)
            except BaseException as exc:
                safely("mcp call_tool", _record_call, self, name, arguments, None, started, exc)
                raise
            finally:
                _inside_call.reset(token)
            safely(
                "mcp call_tool", lambda: _record_call(self, name, arguments, result, started, None)
            )
            return result

        patched_call_tool._threatvec_patched = True  # type: ignore[attr-defined]
        ClientSession.call_tool = patched_call_tool  # type: ignore[method-assign]
