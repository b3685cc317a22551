"""NUL characters in what the agent records never reach the server (it refuses them)."""

from __future__ import annotations

import json


def test_nul_characters_are_sent_as_replacement_characters(make_client, capture) -> None:
    tv = make_client(capture_content=True)
    tv.start()
    tv.record_tool_call(
        "read\x00file",
        outcome="ok",
        arguments_text='{"path": "/bin/ls"}',
        output_text="\x7fELF\x02\x01\x01\x00\x00\x00 and a literal \\u0000 written out",
        metadata={"k\x00": "v\x00"},
    )
    assert tv.flush(30)
    [event] = capture.wait_events("tool.call", 1, timeout=30)
    text = json.dumps(event, ensure_ascii=False)
    assert "\\u0000" not in text.replace("\\\\u0000", "")
    attrs = event["attributes"]
    assert attrs["tool_name"] == "read\ufffdfile"
    assert attrs["metadata"] == {"k\ufffd": "v\ufffd"}
    assert attrs["content"]["output"] == (
        "\x7fELF\x02\x01\x01\ufffd\ufffd\ufffd and a literal \\u0000 written out"
    )
    assert tv.stats()["dropped_total"] == 0
