"""Finding and reading the MCP configurations of the usual clients.

Locations (user scope unless noted; `~` is the home directory):

* Claude Desktop — `claude_desktop_config.json` in `~/Library/Application
  Support/Claude` (macOS), `%APPDATA%\\Claude` (Windows), `~/.config/Claude`
  (Linux); key `mcpServers`.
* Claude Code — `~/.claude.json` (`mcpServers`, plus per-project
  `projects.<dir>.mcpServers`), project `.mcp.json`, managed
  `managed-mcp.json` (`/Library/Application Support/ClaudeCode` on macOS,
  `/etc/claude-code` on Linux, `C:\\Program Files\\ClaudeCode` and the older
  `C:\\ProgramData\\ClaudeCode` on Windows).
* Cursor — `~/.cursor/mcp.json`, project `.cursor/mcp.json`; `mcpServers`.
* VS Code — project `.vscode/mcp.json` (`servers`) and the older
  `.vscode/settings.json` (`mcp.servers`); user `Code/User/mcp.json`, every
  profile's `Code/User/profiles/<id>/mcp.json` and `Code/User/settings.json`
  (`mcp.servers`), also for Insiders.
* Windsurf — `~/.codeium/windsurf/mcp_config.json` (and `windsurf-next`);
  `mcpServers`, `serverUrl`.
* Gemini CLI — `~/.gemini/settings.json`, project `.gemini/settings.json`,
  system `settings.json` (`/etc/gemini-cli`, `C:\\ProgramData\\gemini-cli`,
  `/Library/Application Support/GeminiCli`, or
  `GEMINI_CLI_SYSTEM_SETTINGS_PATH`) and extensions'
  `gemini-extension.json`; `mcpServers` with `url` (SSE) or `httpUrl`
  (streamable HTTP).

Parsing never fails as a whole: a malformed entry becomes an error string on
the `ConfigFile` with its JSON pointer and the other entries are kept.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threatvec.mcp.spec import ServerSpec, Transport

__all__ = [
    "ConfigFile",
    "ConfigLocation",
    "candidate_locations",
    "discover_configs",
    "guess_client",
    "json_pointer",
    "parse_config",
    "parse_config_text",
    "strip_jsonc",
]

MAX_CONFIG_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class ConfigLocation:
    """A place where a client keeps MCP servers."""

    path: Path
    client: str
    scope: str  # "user", "project" or "managed"


@dataclass
class ConfigFile:
    """One parsed configuration file."""

    path: str
    client: str
    scope: str
    servers: list[ServerSpec] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "client": self.client,
            "scope": self.scope,
            "servers": [s.name for s in self.servers],
            "errors": list(self.errors),
        }


def json_pointer(*parts: str | int) -> str:
    """RFC 6901 pointer from unescaped parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _globbed(folder: Path, pattern: str) -> list[Path]:
    """Sorted matches under `folder` (nothing when it is missing or unreadable)."""
    try:
        return sorted(folder.glob(pattern)) if folder.is_dir() else []
    except OSError:
        return []


def candidate_locations(
    *,
    home: Path | None = None,
    cwd: Path | None = None,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    system_root: Path | None = None,
) -> list[ConfigLocation]:
    """Every documented location for this OS (user, project, managed).

    Fixed files are listed whether or not they exist; folders that hold one
    file per profile or extension (VS Code profiles, Gemini CLI extensions)
    contribute the files that exist. `system_root` re-roots the absolute
    machine-wide paths of macOS and Linux (tests use a temporary folder).
    """
    home = home or Path.home()
    cwd = cwd or Path.cwd()
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    root = system_root or Path("/")
    out: list[ConfigLocation] = []

    def add(path: Path, client: str, scope: str) -> None:
        out.append(ConfigLocation(path, client, scope))

    managed: list[Path]  # Claude Code's managed-mcp.json (admin-deployed)
    gemini_system: Path
    if platform == "darwin":
        app_support = home / "Library" / "Application Support"
        system_support = root / "Library" / "Application Support"
        add(app_support / "Claude" / "claude_desktop_config.json", "claude-desktop", "user")
        code_dirs = [app_support / "Code" / "User", app_support / "Code - Insiders" / "User"]
        managed = [system_support / "ClaudeCode" / "managed-mcp.json"]
        gemini_system = system_support / "GeminiCli" / "settings.json"
    elif platform.startswith("win"):
        appdata = Path(environ.get("APPDATA", str(home / "AppData" / "Roaming")))
        add(appdata / "Claude" / "claude_desktop_config.json", "claude-desktop", "user")
        code_dirs = [appdata / "Code" / "User", appdata / "Code - Insiders" / "User"]
        programdata = Path(environ.get("PROGRAMDATA", "C:/ProgramData"))
        programfiles = Path(environ.get("PROGRAMFILES", "C:/Program Files"))
        # Claude Code moved the Windows managed file from ProgramData to Program Files.
        managed = [
            programfiles / "ClaudeCode" / "managed-mcp.json",
            programdata / "ClaudeCode" / "managed-mcp.json",
        ]
        gemini_system = programdata / "gemini-cli" / "settings.json"
    else:
        config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
        add(config_home / "Claude" / "claude_desktop_config.json", "claude-desktop", "user")
        code_dirs = [config_home / "Code" / "User", config_home / "Code - Insiders" / "User"]
        managed = [root / "etc" / "claude-code" / "managed-mcp.json"]
        gemini_system = root / "etc" / "gemini-cli" / "settings.json"
    gemini_override = environ.get("GEMINI_CLI_SYSTEM_SETTINGS_PATH")
    if gemini_override:
        gemini_system = Path(gemini_override)
    for path in managed:
        add(path, "claude-code", "managed")
    add(gemini_system, "gemini-cli", "managed")

    add(home / ".claude.json", "claude-code", "user")
    add(home / ".cursor" / "mcp.json", "cursor", "user")
    for code_dir in code_dirs:
        add(code_dir / "mcp.json", "vscode", "user")
        add(code_dir / "settings.json", "vscode", "user")
        for profile in _globbed(code_dir / "profiles", "*/mcp.json"):
            add(profile, "vscode", "user")
    add(home / ".codeium" / "windsurf" / "mcp_config.json", "windsurf", "user")
    add(home / ".codeium" / "windsurf-next" / "mcp_config.json", "windsurf", "user")
    add(home / ".gemini" / "settings.json", "gemini-cli", "user")
    for ext in _globbed(home / ".gemini" / "extensions", "*/gemini-extension.json"):
        add(ext, "gemini-cli", "user")

    add(cwd / ".mcp.json", "claude-code", "project")
    add(cwd / ".cursor" / "mcp.json", "cursor", "project")
    add(cwd / ".vscode" / "mcp.json", "vscode", "project")
    add(cwd / ".vscode" / "settings.json", "vscode", "project")  # older `mcp.servers` block
    add(cwd / ".gemini" / "settings.json", "gemini-cli", "project")
    for ext in _globbed(cwd / ".gemini" / "extensions", "*/gemini-extension.json"):
        add(ext, "gemini-cli", "project")
    return out


def discover_configs(
    *,
    home: Path | None = None,
    cwd: Path | None = None,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    system_root: Path | None = None,
) -> list[ConfigFile]:
    """Parse every existing candidate location; files without MCP servers are dropped."""
    found: list[ConfigFile] = []
    seen: set[Path] = set()
    locations = candidate_locations(
        home=home, cwd=cwd, platform=platform, environ=environ, system_root=system_root
    )
    for loc in locations:
        try:
            real = loc.path.resolve()
            if real in seen or not loc.path.is_file():
                continue
        except OSError:
            continue
        seen.add(real)
        parsed = parse_config(loc.path, client=loc.client, scope=loc.scope)
        if parsed.servers or parsed.errors:
            found.append(parsed)
    return found


def guess_client(path: Path) -> tuple[str, str]:
    """(client, scope) from a file's name and folder, for files given on the command line."""
    name = path.name
    parent = path.parent.name
    if name == "claude_desktop_config.json":
        return "claude-desktop", "user"
    if name == ".claude.json":
        return "claude-code", "user"
    if name == ".mcp.json":
        return "claude-code", "project"
    if name == "managed-mcp.json":
        return "claude-code", "managed"
    if name == "mcp.json" and parent == ".cursor":
        return "cursor", "project" if path.parent.parent != Path.home() else "user"
    if parent == ".vscode" and name in {"mcp.json", "settings.json"}:
        return "vscode", "project"
    if parent == "User" and name in {"mcp.json", "settings.json"}:
        return "vscode", "user"
    if name == "mcp.json" and path.parent.parent.name == "profiles":  # Code/User/profiles/<id>
        return "vscode", "user"
    if name == "gemini-extension.json":
        return "gemini-cli", "user"
    if name == "mcp_config.json":
        return "windsurf", "user"
    if name == "settings.json" and parent == ".gemini":
        return "gemini-cli", "project" if path.parent.parent != Path.home() else "user"
    return "generic", "file"


def _scan_outside_strings(text: str, handle: Callable[[str, int], tuple[str, int]]) -> str:
    """Copy `text`, letting `handle(text, i)` rewrite what lies outside JSON strings."""
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            in_string = ch != '"'
            i += 1
        elif ch == '"':
            in_string = True
            out.append(ch)
            i += 1
        else:
            emitted, i = handle(text, i)
            out.append(emitted)
    return "".join(out)


def _drop_comment(text: str, i: int) -> tuple[str, int]:
    if text.startswith("//", i):
        end = text.find("\n", i)
        return "", len(text) if end == -1 else end
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        return " ", len(text) if end == -1 else end + 2
    return text[i], i + 1


def _drop_trailing_comma(text: str, i: int) -> tuple[str, int]:
    if text[i] == ",":
        j = i + 1
        while j < len(text) and text[j] in " \t\r\n":
            j += 1
        if j < len(text) and text[j] in "}]":
            return "", i + 1
    return text[i], i + 1


def strip_jsonc(text: str) -> str:
    """Remove // and /* */ comments and trailing commas outside strings (VS Code's JSONC)."""
    return _scan_outside_strings(_scan_outside_strings(text, _drop_comment), _drop_trailing_comma)


def parse_config(
    path: Path | str, *, client: str | None = None, scope: str | None = None
) -> ConfigFile:
    """Read one configuration file of any supported client."""
    path = Path(path)
    guessed_client, guessed_scope = guess_client(path)
    result = ConfigFile(str(path), client or guessed_client, scope or guessed_scope)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        result.errors.append(f"cannot read: {exc.strerror or exc}")
        return result
    if len(raw) > MAX_CONFIG_BYTES:
        result.errors.append(f"file larger than {MAX_CONFIG_BYTES} bytes; not parsed")
        return result
    parsed = parse_config_text(
        # "utf-8-sig": editors on Windows save JSON with a byte-order mark, and clients accept it.
        raw.decode("utf-8-sig", "replace"),
        path=str(path),
        client=result.client,
        scope=result.scope,
    )
    return parsed


def parse_config_text(
    text: str, *, path: str, client: str = "generic", scope: str = "file"
) -> ConfigFile:
    """Parse configuration text (JSON, or JSONC for VS Code files)."""
    result = ConfigFile(path, client, scope)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = json.loads(strip_jsonc(text))
        except json.JSONDecodeError as exc:
            result.errors.append(f"not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}")
            return result
    if not isinstance(data, dict):
        result.errors.append("top level is not a JSON object")
        return result

    def take(block: Any, base: tuple[str, ...], entry_scope: str) -> None:
        if block is None:
            return
        if not isinstance(block, dict):
            result.errors.append(f"{json_pointer(*base)}: expected an object of servers")
            return
        for name, entry in block.items():
            pointer = json_pointer(*base, name)
            spec, error = _entry_to_spec(
                name, entry, pointer=pointer, path=path, client=client, scope=entry_scope
            )
            if error:
                result.errors.append(f"{pointer}: {error}")
            if spec is not None:
                result.servers.append(spec)

    take(data.get("mcpServers"), ("mcpServers",), scope)
    servers = data.get("servers")
    if isinstance(servers, dict) and (client == "vscode" or "mcpServers" not in data):
        take(servers, ("servers",), scope)
    mcp_block = data.get("mcp")
    if isinstance(mcp_block, dict) and "servers" in mcp_block:  # VS Code user settings.json
        take(mcp_block.get("servers"), ("mcp", "servers"), scope)
    projects = data.get("projects")
    if isinstance(projects, dict):  # ~/.claude.json: per-project ("local") servers
        for project_dir, project in projects.items():
            if isinstance(project, dict) and project.get("mcpServers"):
                take(
                    project.get("mcpServers"),
                    ("projects", project_dir, "mcpServers"),
                    f"local:{project_dir}",
                )
    return result


_TRANSPORT_ALIASES: dict[str, Transport] = {
    "stdio": "stdio",
    "local": "stdio",
    "http": "http",
    "streamable-http": "http",
    "streamable_http": "http",
    "streamablehttp": "http",
    "sse": "sse",
}


def _entry_to_spec(
    name: str, entry: Any, *, pointer: str, path: str, client: str, scope: str
) -> tuple[ServerSpec | None, str | None]:
    if not isinstance(entry, dict):
        return None, "server entry is not an object"
    declared = entry.get("type") or entry.get("transport")
    transport: Transport | None = None
    if declared is not None:
        transport = _TRANSPORT_ALIASES.get(str(declared).lower().replace(" ", ""))
        if transport is None:
            return None, f"unknown transport type {str(declared)[:40]!r}"
    disabled = entry.get("disabled") is True or entry.get("enabled") is False
    env = entry.get("env") or {}
    headers = entry.get("headers") or {}
    if not isinstance(env, dict) or not isinstance(headers, dict):
        return None, "env and headers must be objects"
    env_s = {str(k): "" if v is None else str(v) for k, v in env.items()}
    headers_s = {str(k): "" if v is None else str(v) for k, v in headers.items()}
    common: dict[str, Any] = {
        "name": str(name),
        "source": path,
        "pointer": pointer,
        "client": client,
        "scope": scope,
        "disabled": disabled,
    }

    url = entry.get("httpUrl") or entry.get("url") or entry.get("serverUrl")
    if entry.get("command") and transport in (None, "stdio"):
        command = entry["command"]
        args = entry.get("args") or []
        if not isinstance(command, str) or not isinstance(args, list):
            return None, "command must be a string and args a list"
        args_s = [str(a) for a in args]
        if not args_s and " " in command.strip() and not Path(command).exists():
            try:
                command, *args_s = shlex.split(command)
            except ValueError:
                return None, "command cannot be split into words"
        cwd = entry.get("cwd")
        return ServerSpec(
            transport="stdio",
            command=command,
            args=tuple(args_s),
            env=env_s,
            cwd=str(cwd) if isinstance(cwd, str) else None,
            **common,
        ), None
    if isinstance(url, str) and url:
        if transport is None or transport == "stdio":
            if entry.get("httpUrl"):
                transport = "http"
            elif client == "gemini-cli" and entry.get("url"):
                transport = "sse"  # Gemini CLI: `url` is SSE, `httpUrl` is streamable HTTP
            else:
                transport = "sse" if url.rstrip("/").endswith("/sse") else "http"
        if not url.lower().startswith(("http://", "https://")):
            return None, "url must be http(s)"
        return ServerSpec(
            transport=transport, url=url, headers=headers_s, env=env_s, **common
        ), None
    return None, "neither a command nor a url"
