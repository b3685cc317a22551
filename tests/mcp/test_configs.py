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


def _one_of_each(home: Path, user_dirs: dict[str, Path], cwd: Path) -> None:
    """One server in every user and project location; `user_dirs` holds the OS-specific ones."""
    stdio = {"command": "uvx", "args": ["mcp-server-time"]}
    _write(user_dirs["claude"] / "claude_desktop_config.json", {"mcpServers": {"desk": stdio}})
    _write(user_dirs["code"] / "mcp.json", {"servers": {"vsuser": stdio}})
    _write(user_dirs["code"] / "profiles/3f2a/mcp.json", {"servers": {"vsprofile": stdio}})
    _write(home / ".claude.json", {"mcpServers": {"ccuser": stdio}})
    _write(home / ".cursor/mcp.json", {"mcpServers": {"curuser": stdio}})
    _write(home / ".codeium/windsurf/mcp_config.json", {"mcpServers": {"wind": stdio}})
    _write(home / ".gemini/settings.json", {"mcpServers": {"gemuser": stdio}})
    _write(
        home / ".gemini/extensions/maps/gemini-extension.json",
        {"name": "maps", "version": "1.0.0", "mcpServers": {"gemext": stdio}},
    )
    _write(cwd / ".mcp.json", {"mcpServers": {"ccproj": stdio}})
    _write(cwd / ".cursor/mcp.json", {"mcpServers": {"curproj": stdio}})
    _write(cwd / ".vscode/mcp.json", {"servers": {"vsproj": stdio}})
    _write(cwd / ".vscode/settings.json", '{"mcp": {"servers": {"vsold": {"command": "x"}}},}')
    _write(cwd / ".gemini/settings.json", {"mcpServers": {"gemproj": stdio}})


EXPECTED_EVERYWHERE = {
    ("claude-desktop", "user", "desk"),
    ("vscode", "user", "vsuser"),
    ("vscode", "user", "vsprofile"),
    ("claude-code", "user", "ccuser"),
    ("cursor", "user", "curuser"),
    ("windsurf", "user", "wind"),
    ("gemini-cli", "user", "gemuser"),
    ("gemini-cli", "user", "gemext"),
    ("claude-code", "project", "ccproj"),
    ("cursor", "project", "curproj"),
    ("vscode", "project", "vsproj"),
    ("vscode", "project", "vsold"),
    ("gemini-cli", "project", "gemproj"),
}


def _found(configs: list) -> set[tuple[str, str, str]]:
    return {(s.client, s.scope, s.name) for c in configs for s in c.servers}


def test_every_client_on_macos_with_a_fake_home(tmp_path: Path) -> None:
    home, cwd, system = tmp_path / "Users/dev", tmp_path / "proj", tmp_path / "sys"
    support = home / "Library/Application Support"
    _one_of_each(home, {"claude": support / "Claude", "code": support / "Code/User"}, cwd)
    _write(
        system / "Library/Application Support/ClaudeCode/managed-mcp.json",
        {"mcpServers": {"managed": {"url": "https://mcp.corp.example/mcp"}}},
    )
    _write(
        system / "Library/Application Support/GeminiCli/settings.json",
        {"mcpServers": {"gemsys": {"httpUrl": "https://g.corp.example/mcp"}}},
    )
    # The Linux location must not be read on macOS.
    _write(home / ".config/Claude/claude_desktop_config.json", {"mcpServers": {"linux": {}}})
    configs = discover_configs(
        home=home, cwd=cwd, platform="darwin", environ={}, system_root=system
    )
    assert _found(configs) == EXPECTED_EVERYWHERE | {
        ("claude-code", "managed", "managed"),
        ("gemini-cli", "managed", "gemsys"),
    }


def test_every_client_on_windows_with_a_fake_home(tmp_path: Path) -> None:
    home, cwd = tmp_path / "Users/dev", tmp_path / "proj"
    appdata, programdata, programfiles = (
        home / "AppData/Roaming",
        tmp_path / "ProgramData",
        tmp_path / "Program Files",
    )
    _one_of_each(home, {"claude": appdata / "Claude", "code": appdata / "Code/User"}, cwd)
    _write(
        programfiles / "ClaudeCode/managed-mcp.json",
        {"mcpServers": {"managed": {"command": "corp-mcp"}}},
    )
    _write(
        programdata / "ClaudeCode/managed-mcp.json",
        {"mcpServers": {"managed_old": {"command": "corp-mcp-old"}}},
    )
    _write(programdata / "gemini-cli/settings.json", {"mcpServers": {"gemsys": {"command": "g"}}})
    environ = {
        "APPDATA": str(appdata),
        "PROGRAMDATA": str(programdata),
        "PROGRAMFILES": str(programfiles),
    }
    configs = discover_configs(home=home, cwd=cwd, platform="win32", environ=environ)
    assert _found(configs) == EXPECTED_EVERYWHERE | {
        ("claude-code", "managed", "managed"),
        ("claude-code", "managed", "managed_old"),
        ("gemini-cli", "managed", "gemsys"),
    }


def test_linux_managed_xdg_and_gemini_override(tmp_path: Path) -> None:
    home, cwd, system = tmp_path / "home/dev", tmp_path / "proj", tmp_path / "sys"
    xdg = tmp_path / "xdg"
    _one_of_each(home, {"claude": xdg / "Claude", "code": xdg / "Code/User"}, cwd)
    _write(
        system / "etc/claude-code/managed-mcp.json", {"mcpServers": {"managed": {"command": "m"}}}
    )
    _write(system / "etc/gemini-cli/settings.json", {"mcpServers": {"ignored": {"command": "i"}}})
    override = _write(tmp_path / "gem-system.json", {"mcpServers": {"gemsys": {"command": "g"}}})
    environ = {"XDG_CONFIG_HOME": str(xdg), "GEMINI_CLI_SYSTEM_SETTINGS_PATH": str(override)}
    configs = discover_configs(
        home=home, cwd=cwd, platform="linux", environ=environ, system_root=system
    )
    assert _found(configs) == EXPECTED_EVERYWHERE | {
        ("claude-code", "managed", "managed"),
        ("gemini-cli", "managed", "gemsys"),
    }
    # Run from the home folder, ~/.cursor/mcp.json is both the user and the project
    # file: it is read once, as the user's.
    from_home = discover_configs(
        home=home, cwd=home, platform="linux", environ=environ, system_root=system
    )
    names = [s.name for c in from_home for s in c.servers]
    assert len(names) == len(set(names)) and names.count("curuser") == 1
    assert ("cursor", "user", "curuser") in _found(from_home)


def test_files_named_on_the_command_line_are_recognised(tmp_path: Path) -> None:
    from threatvec.mcp.configs import guess_client

    assert guess_client(tmp_path / "p/.vscode/settings.json") == ("vscode", "project")
    assert guess_client(tmp_path / "Code/User/profiles/ab12/mcp.json") == ("vscode", "user")
    assert guess_client(tmp_path / "x/gemini-extension.json") == ("gemini-cli", "user")
    assert guess_client(tmp_path / "whatever.json") == ("generic", "file")


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    # Windows editors save JSON with a BOM; VS Code and the other clients read it.
    path = tmp_path / "mcp.json"
    body = json.dumps({"servers": {"calc": {"command": "calc-mcp"}}})
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    cfg = parse_config(path)
    assert cfg.errors == [] and [s.name for s in cfg.servers] == ["calc"]
