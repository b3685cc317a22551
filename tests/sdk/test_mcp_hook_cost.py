"""`record_mcp_use` never does the conversion work on the agent's thread.

A tool definition that blocks until the test lets it go proves where it is
converted: if that happened on the caller's thread the call could not return
while the gate is closed. No timings are asserted (the gate waits are only
there so a regression fails instead of hanging the run).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

GUARD = 30.0  # seconds: only how long a broken build may hang before the test fails


class GatedTool:
    """A pydantic-like tool whose `model_dump` waits for the test to open a gate."""

    def __init__(self, gate: threading.Event) -> None:
        self.gate, self.dumped_on = gate, None
        self.name = "gated"

    def model_dump(self, **_: Any) -> dict[str, Any]:
        self.dumped_on = threading.current_thread()
        self.gate.wait(GUARD)
        return {"name": "gated", "inputSchema": {"type": "object"}}


class SlowText:
    """A server_info value whose text form is only made when asked (and says where)."""

    def __init__(self, gate: threading.Event) -> None:
        self.gate = gate

    def __str__(self) -> str:
        self.gate.wait(GUARD)
        return "x" * 10_000


def call_in_thread(fn: Any) -> tuple[threading.Thread, threading.Event, list[BaseException]]:
    returned, errors = threading.Event(), []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # the SDK must never raise into the agent
            errors.append(exc)
        returned.set()

    caller = threading.Thread(
        target=run, name="agent", daemon=True
    )  # a hung one must not keep pytest
    caller.start()
    return caller, returned, errors


def test_tool_definitions_are_converted_off_the_callers_thread(capture, make_client) -> None:
    tv = make_client().start()
    gate = threading.Event()
    tool = GatedTool(gate)
    caller, returned, errors = call_in_thread(
        lambda: tv.record_mcp_use(
            "files", tools_listed=[tool, "read"], server_info={"name": "f", "v": SlowText(gate)}
        )
    )
    try:
        # Returned while the conversion is still held: it is not the caller's work.
        assert returned.wait(GUARD), "record_mcp_use blocked on converting its arguments"
        assert not errors
    finally:
        gate.set()
        caller.join(GUARD)
    assert tv.flush(GUARD)
    [event] = capture.events("mcp.use")
    attributes = event["attributes"]
    assert attributes["tools_listed"] == [
        {"name": "gated", "inputSchema": {"type": "object"}},
        {"name": "read"},
    ]
    assert attributes["tool_count"] == 2
    assert attributes["server_info"] == {"name": "f", "v": "x" * 10_000}
    assert tool.dumped_on is not None and tool.dumped_on is not caller
    assert not any(k.startswith("_") for k in attributes)


def test_huge_and_endless_arguments_return_and_still_arrive(capture, make_client) -> None:
    tv = make_client().start()
    endless = ({"name": f"t{i}", "description": "d" * 1000} for i in itertools.count())
    huge = [f"tool{i}" for i in range(1_000_000)]
    many_keys = {f"k{i}": i for i in range(100_000)}

    def record() -> None:
        tv.record_mcp_use("endless", tools_listed=endless)
        tv.record_mcp_use("huge", tools_listed=huge, server_info=many_keys)

    caller, returned, errors = call_in_thread(record)
    assert returned.wait(GUARD), "an endless tool list kept the caller"
    caller.join(GUARD)
    assert not errors
    assert tv.flush(GUARD)
    by_server = {e["attributes"]["server"]: e["attributes"] for e in capture.events("mcp.use")}
    assert by_server["endless"]["tool_count"] == 500
    assert by_server["endless"]["tools_listed"][499]["name"] == "t499"
    assert by_server["huge"]["tool_count"] == 500
    assert by_server["huge"]["tools_listed"][:2] == [{"name": "tool0"}, {"name": "tool1"}]
    assert by_server["huge"]["server_info"] == {f"k{i}": i for i in range(20)}


class Broken:
    name = "broken"

    def model_dump(self, **_: Any) -> dict[str, Any]:
        raise RuntimeError("the caller's model cannot be dumped")


def _failing_tools() -> Any:
    yield "first"
    raise RuntimeError("the caller's iterator broke")


def test_arguments_that_fail_to_convert_do_not_raise_or_lose_the_event(
    capture, make_client
) -> None:
    tv = make_client().start()
    tv.record_mcp_use("broken", tools_listed=[Broken(), "ok"])
    tv.record_mcp_use("failing", tools_listed=_failing_tools())
    assert tv.flush(GUARD)
    by_server = {e["attributes"]["server"]: e["attributes"] for e in capture.events("mcp.use")}
    assert by_server["broken"]["tools_listed"] == [{"name": "broken"}, {"name": "ok"}]
    assert by_server["failing"]["tools_listed"] == [{"name": "first"}]
