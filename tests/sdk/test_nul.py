"""Characters the server cannot take (NUL, lone surrogates) never cost the agent an event."""

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


def test_a_lone_surrogate_is_sent_as_a_replacement_character_and_the_worker_goes_on(
    make_client, capture
) -> None:
    # Lone surrogates come from os.fsdecode / surrogateescape (file names, argv,
    # bytes decoded leniently). UTF-8 cannot encode them: the worker thread died
    # on one and nothing recorded afterwards was ever sent.
    tv = make_client(capture_content=True)
    tv.start()
    tv.record_tool_call(
        "open_\udcff", outcome="ok", output_text="caf\udce9 \U0001f600", metadata={"f": "\ud800"}
    )
    assert tv.flush(30)
    tv.record_tool_call("after", outcome="ok")
    assert tv.flush(30)
    first, second = capture.wait_events("tool.call", 2, timeout=30)
    assert first["attributes"]["tool_name"] == "open_\ufffd"
    assert first["attributes"]["metadata"] == {"f": "\ufffd"}
    assert first["attributes"]["content"]["output"] == "caf\ufffd \U0001f600"
    assert second["attributes"]["tool_name"] == "after"
    assert tv.stats()["dropped_total"] == 0


def test_an_event_json_cannot_encode_costs_that_event_only(make_client, capture) -> None:
    # A tool definition with a non-string key (or a cycle) made json.dumps of the
    # whole batch raise on the worker thread, which then died: nothing was sent again.
    tv = make_client(batch_size=10, flush_interval=5.0)
    tv.start()
    cyclic: dict = {"name": "loop"}
    cyclic["self"] = cyclic
    tv.record_tool_call("before", outcome="ok")
    tv.record_mcp_use("srv", tools_listed=[{"name": "t", ("not", "a", "str"): 1}])
    tv.record_mcp_use("srv", tools_listed=[cyclic])
    tv.record_tool_call("beside", outcome="ok")
    assert tv.flush(30)
    tv.record_tool_call("after", outcome="ok")
    assert tv.flush(30)
    names = [e["attributes"]["tool_name"] for e in capture.wait_events("tool.call", 3, timeout=30)]
    assert names == ["before", "beside", "after"]
    assert capture.events("mcp.use") == []
    assert tv.stats()["dropped"]["internal_error"] == 2
