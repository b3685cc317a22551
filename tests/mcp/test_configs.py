"""Client configuration discovery and parsing."""

from __future__ import annotations

import json
from pathlib import Path

from threatvec.mcp.configs import candidate_locations, discover_configs, parse_config, strip_jsonc


def _write(path: Path, data: object | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_discovers_every_client_in_user_and_project_scope(tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "proj"
    stdio = {"command": "npx", "args": ["-y", "pkg"]}
    _write(home / ".config/Claude/claude_desktop_config.json", {"mcpServers": {"desk": stdio}})
    _write(
        home / ".claude.json",
        {"mcpServers": {"user": stdio}, "projects": {"/work/p": {"mcpServers": {"local": stdio}}}},
    )
    _write(home / ".cursor/mcp.json", {"mcpServers": {"cur": {"url": "https://x.example/mcp"}}})
    _write(
        home / ".config/Code/User/settings.json",
        '{ // comment\n "mcp": {"servers": {"vsuser": {"type": "stdio", "command": "a",}}},\n}',
    )
    _write(
        home / ".codeium/windsurf/mcp_config.json",
        {"mcpServers": {"wind": {"serverUrl": "https://w.example/sse"}}},
    )
    _write(
        home / ".gemini/settings.json",
        {
            "mcpServers": {
                "gem": {"url": "https://g.example/events"},
                "gemhttp": {"httpUrl": "https://g.example/mcp"},
            }
        },
    )
    _write(cwd / ".mcp.json", {"mcpServers": {"proj": stdio}})
    _write(
        cwd / ".vscode/mcp.json",
        {"servers": {"vsproj": {"type": "http", "url": "https://v.example/mcp"}}, "inputs": []},
    )
    _write(cwd / ".cursor/mcp.json", {"mcpServers": {}})
    configs = discover_configs(home=home, cwd=cwd, platform="linux", environ={})
    found = {(s.client, s.scope, s.name, s.transport) for c in configs for s in c.servers}
    assert found == {
        ("claude-desktop", "user", "desk", "stdio"),
        ("claude-code", "user", "user", "stdio"),
        ("claude-code", "local:/work/p", "local", "stdio"),
        ("cursor", "user", "cur", "http"),
        ("vscode", "user", "vsuser", "stdio"),
        ("windsurf", "user", "wind", "sse"),
        ("gemini-cli", "user", "gem", "sse"),
        ("gemini-cli", "user", "gemhttp", "http"),
        ("claude-code", "project", "proj", "stdio"),
        ("vscode", "project", "vsproj", "http"),
    }
    local = next(s for c in configs for s in c.servers if s.name == "local")
    assert local.pointer == "/projects/~1work~1p/mcpServers/local"


def test_os_specific_locations(tmp_path: Path) -> None:
    mac = {
        str(loc.path) for loc in candidate_locations(home=tmp_path, cwd=tmp_path, platform="darwin")
    }
    assert str(tmp_path / "Library/Application Support/Claude/claude_desktop_config.json") in mac
    win = {
        str(loc.path)
        for loc in candidate_locations(
            home=tmp_path,
            cwd=tmp_path,
            platform="win32",
            environ={"APPDATA": str(tmp_path / "AppData")},
        )
    }
    assert str(tmp_path / "AppData/Claude/claude_desktop_config.json") in win
    assert str(tmp_path / "AppData/Code/User/mcp.json") in win


def test_bad_entries_are_reported_and_others_kept(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "mcp.json",
        {
            "mcpServers": {
                "ok": {"command": "srv", "env": {"API_TOKEN": "s3cr3t-value"}},
                "nourl": {"type": "http"},
                "weird": {"type": "carrier-pigeon", "command": "x"},
                "notobj": 3,
                "ftp": {"url": "ftp://x"},
                "off": {"command": "srv2", "disabled": True},
            }
        },
    )
    cfg = parse_config(path)
    assert [s.name for s in cfg.servers] == ["ok", "off"]
    assert cfg.servers[1].disabled
    assert len(cfg.errors) == 4 and all(e.startswith("/mcpServers/") for e in cfg.errors)
    assert cfg.servers[0].public_dict()["env_names"] == ["API_TOKEN"]
    assert "s3cr3t-value" not in json.dumps(cfg.servers[0].public_dict()) + repr(cfg.servers[0])


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    assert parse_config(tmp_path / "missing.json").errors[0].startswith("cannot read")
    bad = _write(tmp_path / "bad.json", "{ nope")
    assert "not valid JSON" in parse_config(bad).errors[0]
    arr = _write(tmp_path / "arr.json", "[1]")
    assert parse_config(arr).errors == ["top level is not a JSON object"]


def test_jsonc() -> None:
    text = '{"a": "x // not a comment", /* block */ "b": [1, 2,], // end\n}'
    assert json.loads(strip_jsonc(text)) == {"a": "x // not a comment", "b": [1, 2]}


def test_command_string_is_split(tmp_path: Path) -> None:
    path = _write(
        tmp_path / ".mcp.json",
        {"mcpServers": {"s": {"command": "uvx mcp-server-time --local-timezone UTC"}}},
    )
    [spec] = parse_config(path).servers
    assert spec.command == "uvx" and spec.args == ("mcp-server-time", "--local-timezone", "UTC")
