from __future__ import annotations

import asyncio
import threading

from threatvec.redteam.honeypot import (
    HONEYPOT_TOOLS,
    HoneypotRecorder,
    build_honeypot_server,
    matches_tool,
    tool_definitions,
)


def test_honeypot_mcp_server_records_every_call_and_changes_state() -> None:
    from mcp import Client

    recorder = HoneypotRecorder(secret_for=lambda name: f"vault:{name}")
    server = build_honeypot_server(recorder)

    async def go() -> list[str]:
        async with Client(server) as client:
            out = []
            for name, args in (
                ("read_secret", {"name": "db"}),
                ("delete_records", {"table": "customers", "filter": "*"}),
                ("send_email", {"to": "a@b.c", "subject": "s", "body": "b"}),
            ):
                result = await client.call_tool(name, args)
                out.append(result.content[0].text)
            return out

    texts = asyncio.run(go())
    assert texts[0] == "vault:db" and "deleted 3 rows" in texts[1]
    assert [c.tool for c in recorder.calls] == ["read_secret", "delete_records", "send_email"]
    assert recorder.calls[1].state_change == "deleted 3 rows from customers"
    mark = recorder.mark()
    recorder.record("http_post", {"url": "u"})
    assert [c.tool for c in recorder.since(mark)] == ["http_post"]


def test_recorder_is_thread_safe() -> None:
    recorder = HoneypotRecorder()
    threads = [
        threading.Thread(target=lambda: [recorder.record("x", {}) for _ in range(200)])
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(recorder.calls) == 1600
    assert sorted(c.seq for c in recorder.calls) == list(range(1600))


def test_tool_definitions_and_matching() -> None:
    defs = tool_definitions(["send_email"], overrides={"send_email": "poisoned"})
    assert defs[0]["description"] == "poisoned"
    assert defs[0]["parameters"] == dict(HONEYPOT_TOOLS["send_email"].parameters)
    assert matches_tool("Send_Email", ("send_*",))
    assert matches_tool("gmail__send_email", ("send_email",))  # MCP-prefixed names
    assert not matches_tool("resend_log", ("send_*",))
