"""Scanning real MCP servers over stdio, streamable HTTP and SSE."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from threatvec.mcp.canonical import tool_hash
from threatvec.mcp.scanner import (
    NEEDS_CONSENT,
    enumerate_server,
    expand_env_refs,
    load_static,
    scan_servers_sync,
)
from threatvec.mcp.spec import ServerSpec

from .conftest import PYTHON, http_server, stdio_spec


def _scan_one(spec: ServerSpec, **kwargs):
    [outcome] = scan_servers_sync(
        [spec], allow_stdio=True, timeout=kwargs.pop("timeout", 30), **kwargs
    )
    return outcome


def test_stdio_benign_lists_everything() -> None:
    outcome = _scan_one(stdio_spec("benign"))
    assert outcome.status == "ok", outcome.error
    snap = outcome.snapshot
    assert snap.server_info == {"name": "tv-benign", "version": "1.0.0"}
    assert snap.instructions.startswith("Arithmetic helpers")
    assert snap.protocol_version
    assert {t["name"] for t in snap.tools} == {"add", "save_note"}
    add = next(t for t in snap.tools if t["name"] == "add")
    # wire format: camelCase keys, as a client sees them
    assert "inputSchema" in add and add["annotations"]["readOnlyHint"] is True
    assert [p["name"] for p in snap.prompts] == ["summarize"]
    assert [r["uri"] for r in snap.resources] == ["notes://all"]
    assert [r["uriTemplate"] for r in snap.resource_templates] == ["notes://item/{index}"]
    assert "tools" in snap.capabilities


def test_pagination_follows_next_cursor() -> None:
    outcome = _scan_one(stdio_spec("paged"))
    assert outcome.status == "ok", outcome.error
    names = [t["name"] for t in outcome.snapshot.tools]
    assert len(names) == 120 and len(set(names)) == 120
    assert names[0] == "step_000" and names[-1] == "step_119"


def test_streamable_http_and_sse_give_the_same_definitions_as_stdio() -> None:
    with http_server("benign", "http") as http_url, http_server("benign", "sse") as sse_url:
        via_stdio, via_http, via_sse = scan_servers_sync(
            [
                stdio_spec("benign"),
                ServerSpec(name="h", transport="http", url=http_url),
                ServerSpec(name="s", transport="sse", url=sse_url),
            ],
            allow_stdio=True,
            timeout=30,
        )
    assert [o.status for o in (via_stdio, via_http, via_sse)] == ["ok"] * 3, (
        via_http.error or via_sse.error
    )
    expected = sorted(tool_hash(t) for t in via_stdio.snapshot.tools)
    assert sorted(tool_hash(t) for t in via_http.snapshot.tools) == expected
    assert sorted(tool_hash(t) for t in via_sse.snapshot.tools) == expected
    assert (
        via_http.snapshot.server_hash
        == via_stdio.snapshot.server_hash
        == via_sse.snapshot.server_hash
    )


def test_http_bearer_header_is_sent_and_never_leaks() -> None:
    token = "tv-test-token-7c1e0f93"
    env = {"TV_TEST_BEARER": token}
    with http_server("benign", "http", env=env, bearer_env="TV_TEST_BEARER") as url:
        denied = _scan_one(ServerSpec(name="b", transport="http", url=url))
        allowed = _scan_one(
            ServerSpec(
                name="b", transport="http", url=url, headers={"Authorization": f"Bearer {token}"}
            )
        )
    assert denied.status == "error" and denied.snapshot is None
    assert allowed.status == "ok", allowed.error
    assert token not in json.dumps(allowed.spec.public_dict()) and token not in repr(allowed.spec)
    assert allowed.spec.public_dict()["header_names"] == ["Authorization"]


def test_one_failing_server_does_not_stop_the_others() -> None:
    specs = [
        ServerSpec(name="missing", transport="stdio", command="/nonexistent/mcp-server"),
        ServerSpec(
            name="crash",
            transport="stdio",
            command="sh",
            args=("-c", "echo leaked-$TV_SECRET >&2; exit 3"),
            env={"TV_SECRET": "hunter2-secret-value"},
        ),
        stdio_spec("benign"),
        ServerSpec(name="refused", transport="http", url="http://127.0.0.1:9/mcp"),
    ]
    outcomes = scan_servers_sync(specs, allow_stdio=True, timeout=15)
    status = {o.spec.name: o.status for o in outcomes}
    assert status == {"missing": "error", "crash": "error", "benign": "ok", "refused": "error"}
    crash = next(o for o in outcomes if o.spec.name == "crash")
    assert "hunter2-secret-value" not in crash.error and "<redacted>" in crash.error


def test_time_limit_per_server() -> None:
    # `sleep` never answers initialize: the scan gives up at the limit.
    slow = ServerSpec(name="silent", transport="stdio", command="sleep", args=("30",))
    outcome = _scan_one(slow, timeout=1.5)
    assert outcome.status == "timeout"
    assert outcome.duration_ms < 15_000


def test_stdio_servers_need_consent() -> None:
    spec = stdio_spec("benign")
    [outcome] = scan_servers_sync([spec], allow_stdio=False)
    assert outcome.status == "skipped" and outcome.error == NEEDS_CONSENT
    disabled = ServerSpec(name="d", transport="stdio", command="true", disabled=True)
    [outcome] = scan_servers_sync([disabled], allow_stdio=True)
    assert outcome.status == "skipped" and "disabled" in outcome.error


def test_static_listing(tmp_path: Path) -> None:
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "result": {
            "protocolVersion": "2025-06-18",
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "saved", "version": "3"},
            "instructions": "hi",
        },
    }
    tools = {
        "jsonrpc": "2.0",
        "id": 2,
        "result": {
            "tools": [
                {
                    "name": "a",
                    "description": "A.",
                    "inputSchema": {"type": "object"},
                    "x-extra": "kept",
                },
                {"name": "a", "description": "dup", "inputSchema": {"type": "object"}},
                {"description": "no name"},
            ]
        },
    }
    path = tmp_path / "saved.json"
    path.write_text(json.dumps([init, tools]), encoding="utf-8")
    snap = load_static(path)
    assert snap.server_info == {"name": "saved", "version": "3"} and snap.instructions == "hi"
    assert [t["name"] for t in snap.tools] == ["a"]
    assert snap.tools[0]["x-extra"] == "kept"  # unknown keys survive (the live SDK drops them)
    assert any("duplicate" in w for w in snap.warnings) and any(
        "without a string name" in w for w in snap.warnings
    )
    keyed = tmp_path / "keyed.json"
    keyed.write_text(json.dumps({"initialize": init["result"], "tools/list": tools["result"]}))
    assert load_static(keyed).server_hash == snap.server_hash
    [outcome] = scan_servers_sync([ServerSpec(name="s", transport="static", static_path=str(path))])
    assert outcome.status == "ok" and outcome.snapshot.server_hash == snap.server_hash


def test_static_rejects_garbage(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    [outcome] = scan_servers_sync([ServerSpec(name="s", transport="static", static_path=str(bad))])
    assert outcome.status == "error" and "not JSON" in outcome.error
    empty = tmp_path / "empty.json"
    empty.write_text('{"hello": 1}', encoding="utf-8")
    [outcome] = scan_servers_sync(
        [ServerSpec(name="s", transport="static", static_path=str(empty))]
    )
    assert outcome.status == "error" and "no initialize or tools/list" in outcome.error


def test_env_refs_expand_at_launch_only() -> None:
    env = {"HOME_DIR": "/home/x"}
    assert expand_env_refs("${HOME_DIR}/a ${env:HOME_DIR} ${MISSING:-dflt} ${MISSING}", env) == (
        "/home/x/a /home/x dflt "
    )


@pytest.mark.anyio
async def test_enumerate_server_is_usable_directly() -> None:
    snap = await enumerate_server(stdio_spec("benign"), timeout=30)
    assert len(snap.tools) == 2


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


SECRET_ARG = "sk-live-planted0arg0secret0123456789"


def test_secret_arguments_never_come_back_in_errors_or_listings() -> None:
    crash = ServerSpec(
        name="crash",
        transport="stdio",
        command="sh",
        args=(
            "-c",
            'echo "fatal: invalid credentials $*" >&2; exit 3',
            "sh",
            "--api-key",
            SECRET_ARG,
        ),
    )
    echo = ServerSpec(
        name="echo",
        transport="stdio",
        command=stdio_spec("echo_args").command,
        args=(*stdio_spec("echo_args").args, "--api-key", SECRET_ARG, "--region", "eu-west-1"),
    )
    by_name = {
        o.spec.name: o for o in scan_servers_sync([crash, echo], allow_stdio=True, timeout=30)
    }
    assert by_name["crash"].status == "error"
    assert "invalid credentials" in by_name["crash"].error
    assert SECRET_ARG not in by_name["crash"].error and "<redacted>" in by_name["crash"].error
    listing = by_name["echo"]
    assert listing.status == "ok", listing.error
    dumped = json.dumps(listing.snapshot.to_dict())
    assert SECRET_ARG not in dumped
    # What is not secret stays readable.
    assert "eu-west-1" in dumped and "<redacted>" in dumped


def test_server_error_text_cannot_drive_a_terminal() -> None:
    # ESC ] (window title), ESC [ (erase line), a bidi override and a tag character.
    noisy = ServerSpec(
        name="noisy",
        transport="stdio",
        command="sh",
        args=(
            "-c",
            r"printf '\033]0;PWNED\007\033[2K\033[1AALL CLEAN "
            r"\342\200\256 \363\240\201\201\n' >&2; exit 3",
        ),
    )
    outcome = _scan_one(noisy, timeout=15)
    assert outcome.status == "error"
    assert not any(ch in outcome.error for ch in ("\x1b", "\x07", "\u202e", "\U000e0041"))
    assert "\\x1b" in outcome.error and "ALL CLEAN" in outcome.error


def test_stdout_that_is_not_jsonrpc_is_named_not_just_a_timeout() -> None:
    chatty = ServerSpec(
        name="chatty",
        transport="stdio",
        command="sh",
        args=("-c", "echo 'Starting server v2 (not JSON-RPC)'; sleep 30"),
    )
    outcome = _scan_one(chatty, timeout=3)
    assert outcome.status == "timeout"
    assert "something other than JSON-RPC on stdout" in outcome.error


def test_a_config_server_starts_in_its_project_folder(tmp_path: Path) -> None:
    # `.mcp.json` says `python server.py`: the file next to the config, as a
    # client would start it, wherever the scan itself runs from.
    from threatvec.mcp.configs import parse_config

    project = tmp_path / "project"
    project.mkdir()
    (project / "server.py").write_text(
        (Path(__file__).parent / "servers" / "benign.py")
        .read_text(encoding="utf-8")
        .replace(
            "Path(__file__).resolve().parent", f"Path({str(Path(__file__).parent / 'servers')!r})"
        ),
        encoding="utf-8",
    )
    cfg = project / ".mcp.json"
    cfg.write_text(json.dumps({"mcpServers": {"here": {"command": PYTHON, "args": ["server.py"]}}}))
    [spec] = parse_config(cfg).servers
    outcome = _scan_one(spec)
    assert outcome.status == "ok", outcome.error
    assert "add" in {t["name"] for t in outcome.snapshot.tools}


def test_an_unset_variable_in_a_header_is_named() -> None:
    spec = ServerSpec(
        name="remote",
        transport="http",
        url="http://127.0.0.1:9/mcp",
        headers={"Authorization": "Bearer ${TV_SURELY_UNSET_TOKEN}"},
    )
    outcome = _scan_one(spec, timeout=5)
    assert outcome.status == "error"
    assert outcome.error == (
        "header 'Authorization' uses ${TV_SURELY_UNSET_TOKEN}, which is not set in the environment"
    )
    # A default makes it set.
    assert not expand_env_refs("${TV_SURELY_UNSET_TOKEN:-x}").startswith("$")


def test_an_unset_variable_in_a_stdio_env_is_named_but_does_not_stop_the_scan() -> None:
    # Most servers list their tools without their credentials: scanned, with a note.
    spec = stdio_spec("benign", env={"API_TOKEN": "${TV_SURELY_UNSET_TOKEN}"})
    outcome = _scan_one(spec)
    assert outcome.status == "ok", outcome.error
    assert outcome.snapshot.warnings[0] == (
        "env 'API_TOKEN' uses TV_SURELY_UNSET_TOKEN (not set in the environment): "
        "the server was started with it empty"
    )
    # One that refuses to start without it: the likely cause leads the error.
    refusing = ServerSpec(
        name="needs-token",
        transport="stdio",
        command=PYTHON,
        args=(
            "-c",
            "import os, sys; os.environ['API_TOKEN'] or sys.exit('API_TOKEN is required')",
        ),
        env={"API_TOKEN": "${TV_SURELY_UNSET_TOKEN}"},
    )
    failed = _scan_one(refusing, timeout=10)
    assert failed.status == "error"
    assert failed.error.startswith("env 'API_TOKEN' uses TV_SURELY_UNSET_TOKEN (not set")
    assert "API_TOKEN is required" in failed.error
    # Set, or given a default: no note.
    quiet = _scan_one(stdio_spec("benign", env={"API_TOKEN": "${TV_SURELY_UNSET_TOKEN:-none}"}))
    assert not any("not set" in w for w in quiet.snapshot.warnings)
