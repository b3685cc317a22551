"""Server identity: what a server *is*, independent of the label a config gives it.

The identity of a server is its transport plus either the normalised command
line (launcher, package name and version, remaining arguments; never env
values, secret-looking arguments redacted) or its URL (no userinfo, secret
query values redacted, no fragment). Two config files that call the same
server "github" and "gh" produce the same key; two different servers both
called "github" do not.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from threatvec.mcp.canonical import hash_value
from threatvec.mcp.redact import REDACTED, looks_like_secret_name, redact_args
from threatvec.mcp.spec import ServerSpec

__all__ = [
    "PackageRef",
    "ServerIdentity",
    "derive_identity",
    "identity_key",
    "parse_package",
    "sanitize_url",
    "start_dir",
]

Ecosystem = Literal["npm", "pypi", "docker"]


@dataclass(frozen=True)
class PackageRef:
    """A package a launcher fetches or runs: ecosystem, name, version (None = floating)."""

    ecosystem: Ecosystem
    name: str
    version: str | None
    # How the version was learned: "argument" (npx pkg@1.2), "installed" (local
    # metadata), "digest" (docker @sha256) or None.
    version_source: str | None = None

    @property
    def pinned(self) -> bool:
        """A fixed version (not a floating tag like `latest`)."""
        return self.version is not None and self.version not in {"latest", "next", "*"}

    def display(self) -> str:
        sep = {"npm": "@", "pypi": "==", "docker": ":"}[self.ecosystem]
        if self.version is None:
            return f"{self.ecosystem}:{self.name}"
        if self.ecosystem == "docker" and self.version.startswith("sha256:"):
            sep = "@"
        return f"{self.ecosystem}:{self.name}{sep}{self.version}"


@dataclass(frozen=True)
class ServerIdentity:
    """Normalised identity parts and the key derived from them."""

    transport: str
    command: str | None
    args: tuple[str, ...]
    url: str | None
    package: PackageRef | None
    key: str

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["args"] = list(self.args)
        out["package"] = (
            None
            if self.package is None
            else {**asdict(self.package), "pinned": self.package.pinned}
        )
        return out

    def display(self) -> str:
        if self.url:
            return self.url
        if self.package:
            return " ".join([self.package.display(), *self.args])
        return " ".join([self.command or "", *self.args]).strip()


def sanitize_url(url: str) -> str:
    """URL without userinfo or fragment; values of secret-named query parameters redacted."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return REDACTED
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    scheme = parts.scheme.lower()
    if port is not None and not (
        (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    ):
        host = f"{host}:{port}"
    query = [
        (k, REDACTED if (looks_like_secret_name(k) or k.lower() in {"key", "code", "sig"}) else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((scheme, host, parts.path or "", urlencode(query, safe="<>"), ""))


_NPM_LAUNCHERS = {"npx", "bunx"}
_DLX_LAUNCHERS = {"pnpm", "yarn", "bun"}  # `pnpm dlx pkg`, `yarn dlx pkg`, `bun x pkg`
_NPX_VALUE_FLAGS = {"-p", "--package", "-c", "--call", "--registry", "--cache", "--userconfig"}
_UVX_VALUE_FLAGS = {
    "--from", "--with", "--with-editable", "--with-requirements", "--python", "-p", "--index",
    "--index-url", "--extra-index-url", "--default-index", "-i", "--directory", "--project",
    "--env-file", "-w", "--constraints", "-c", "--overrides",
}  # fmt: skip
_DOCKER_VALUE_FLAGS = {
    "-e", "--env", "-v", "--volume", "--name", "--network", "--net", "-p", "--publish", "-w",
    "--workdir", "-u", "--user", "--env-file", "--mount", "--entrypoint", "-l", "--label",
    "--platform", "--pull", "--memory", "-m", "--cpus", "--add-host", "--hostname", "-h",
    "--cap-add", "--cap-drop", "--security-opt", "--tmpfs", "--ulimit", "--device", "--gpus",
    "--runtime", "--restart", "--log-driver", "--log-opt", "--ipc", "--pid", "--dns",
}  # fmt: skip


def _command_name(command: str) -> str:
    """Launcher name without directory or Windows suffix; python3.11 → python."""
    base = PureWindowsPath(command).name if "\\" in command else PurePosixPath(command).name
    base = re.sub(r"(?i)\.(exe|cmd|bat|ps1)$", "", base)
    if re.fullmatch(r"python(\d+(\.\d+)?)?", base):
        return "python"
    return base


def _split_npm_spec(spec: str) -> tuple[str, str | None]:
    at = spec.rfind("@")
    if at > 0:  # not the leading @ of a scope
        return spec[:at], spec[at + 1 :] or None
    return spec, None


def _split_pypi_spec(spec: str) -> tuple[str, str | None]:
    match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(?:==|@)\s*([^\s,;]+)$", spec)
    if match:
        return _pypi_normal(match.group(1)), match.group(2)
    name = re.split(r"[\s<>=!~;\[@]", spec, maxsplit=1)[0]
    return _pypi_normal(name), None


def _pypi_normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _first_positional(args: list[str], value_flags: set[str]) -> tuple[int, dict[str, str]]:
    """Index of the first non-flag argument and the values of the flags before it."""
    flags: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return i + 1, flags
        if arg.startswith("-"):
            name, eq, value = arg.partition("=")
            if eq:
                flags[name] = value
            elif name in value_flags and i + 1 < len(args):
                flags[name] = args[i + 1]
                i += 1
            else:
                flags[name] = ""
            i += 1
            continue
        return i, flags
    return len(args), flags


def _installed_version(dist: str, command: str) -> str | None:
    """Version of `dist` when `command` runs from this interpreter's environment.

    A bare command name is looked up on PATH as the launch will look it up:
    another `mcp-server-time` (or `python`) found first is not the package
    installed here, whatever version this environment holds.
    """
    try:
        bin_dir = Path(sys.executable).parent.resolve()
        if os.sep in command or "/" in command:
            found: str | None = command
        else:
            found = shutil.which(command)
        if found is None or Path(found).parent.resolve() != bin_dir:
            return None
        return importlib.metadata.version(dist)
    except (importlib.metadata.PackageNotFoundError, OSError, ValueError):
        return None


def parse_package(
    command: str, args: list[str] | tuple[str, ...], *, look_up_installed: bool = True
) -> tuple[PackageRef | None, list[str]]:
    """Package a launcher command runs, and the arguments left for the server itself.

    Without `look_up_installed` (the server judging a report from another
    machine, whose installed packages it cannot see) a command that runs an
    installed package gives version None with `version_source` "installed".
    """

    def installed(dist: str) -> str | None:
        return _installed_version(dist, command) if look_up_installed else None

    name = _command_name(command)
    argv = list(args)
    if name in _DLX_LAUNCHERS and argv and argv[0] in {"dlx", "x"}:
        name, argv = "npx", argv[1:]
    if name in _NPM_LAUNCHERS:
        idx, flags = _first_positional(argv, _NPX_VALUE_FLAGS)
        spec = flags.get("-p") or flags.get("--package")
        if spec is None:
            if idx >= len(argv):
                return None, argv
            spec, rest = argv[idx], argv[idx + 1 :]
        else:
            rest = argv[idx + 1 :] if idx < len(argv) else []
        pkg, version = _split_npm_spec(spec)
        return PackageRef("npm", pkg, version, "argument" if version else None), rest
    if name == "uvx" or (name == "uv" and argv[:2] == ["tool", "run"]):
        if name == "uv":
            argv = argv[2:]
        idx, flags = _first_positional(argv, _UVX_VALUE_FLAGS)
        spec = flags.get("--from")
        rest = argv[idx + 1 :] if idx < len(argv) else []
        if spec is None:
            if idx >= len(argv):
                return None, argv
            spec = argv[idx]
        pkg, version = _split_pypi_spec(spec)
        return PackageRef("pypi", pkg, version, "argument" if version else None), rest
    if name == "pipx" and argv[:1] == ["run"]:
        idx, flags = _first_positional(argv[1:], {"--spec", "--python", "--index-url"})
        idx += 1
        spec = flags.get("--spec") or (argv[idx] if idx < len(argv) else None)
        if spec is None:
            return None, argv
        pkg, version = _split_pypi_spec(spec)
        return PackageRef("pypi", pkg, version, "argument" if version else None), argv[idx + 1 :]
    if name in {"docker", "podman"} and argv[:1] == ["run"]:
        idx, _flags = _first_positional(argv[1:], _DOCKER_VALUE_FLAGS)
        idx += 1
        if idx >= len(argv):
            return None, argv
        image = argv[idx]
        if "@sha256:" in image:
            repo, _, digest = image.partition("@")
            ref = PackageRef("docker", repo, digest, "digest")
        else:
            last = image.rsplit("/", 1)[-1]
            if ":" in last:
                repo, _, tag = image.rpartition(":")
                ref = PackageRef("docker", repo, tag, "argument")
            else:
                ref = PackageRef("docker", image, None)
        return ref, argv[idx + 1 :]
    if name == "python" and len(argv) >= 2 and argv[0] == "-m":
        module = argv[1]
        if module.startswith("mcp_server_") or module.startswith("mcp-server-"):
            dist = _pypi_normal(module)
            version = installed(dist)
            source = "installed" if version or not look_up_installed else None
            return PackageRef("pypi", dist, version, source), argv[2:]
        return None, argv
    if re.fullmatch(r"mcp-server-[a-z0-9-]+", name):
        version = installed(name)
        source = "installed" if version or not look_up_installed else None
        return PackageRef("pypi", name, version, source), argv
    return None, argv


# Suffixes of files a launcher runs: an argument ending in one is a script,
# and a relative one means a different file in every folder.
_SCRIPT_SUFFIXES = frozenset(
    {".py", ".pyz", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jar", ".sh", ".bash",
     ".ps1", ".rb", ".pl", ".php", ".lua", ".exe", ".bat", ".cmd", ".wasm"}
)  # fmt: skip
# Project config folders whose clients start servers in the project root, one up.
_PROJECT_CONFIG_DIRS = frozenset({".cursor", ".vscode", ".gemini"})


def _is_absolute(path: str) -> bool:
    return PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute()


def _unresolvable(path: str) -> bool:
    """Expanded only at launch (`${VAR}`, `~`): the identity keeps it as written."""
    return "$" in path or path.startswith("~")


def _is_relative_script(arg: str) -> bool:
    """`./x`, `../x` or a relative name with a script suffix (`server.py`, `dist/index.js`)."""
    if not arg or arg.startswith("-") or "://" in arg or "=" in arg or _unresolvable(arg):
        return False
    if _is_absolute(arg):
        return False
    if arg.startswith(("./", "../", ".\\", "..\\")):
        return True
    name = PureWindowsPath(arg).name if "\\" in arg else PurePosixPath(arg).name
    return PurePosixPath(name.lower()).suffix in _SCRIPT_SUFFIXES


def _flag_value(args: Sequence[str], flag: str) -> str | None:
    """Value of the first `flag VALUE` or `flag=VALUE` in `args`."""
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(flag + "="):
            return arg.partition("=")[2]
    return None


def start_dir(spec: ServerSpec) -> str:
    """Absolute folder a server is started in: where a client would start it.

    The spec's `cwd` when set (relative to the config's folder); else the
    project a Claude Code `local:` entry belongs to; else the config file's
    folder (the project root for `.cursor/`, `.vscode/`, `.gemini/`); else,
    for a command-line server, the current folder. Raises OSError when the
    current folder is gone.
    """
    if spec.scope and spec.scope.startswith("local:"):
        base = os.path.abspath(spec.scope.removeprefix("local:"))
    elif spec.source:
        base = os.path.dirname(os.path.abspath(spec.source))
        if os.path.basename(base) in _PROJECT_CONFIG_DIRS:
            base = os.path.dirname(base)
    else:
        base = os.getcwd()
    if spec.cwd and not _unresolvable(spec.cwd):
        base = os.path.join(base, spec.cwd)  # an absolute cwd replaces the base
    return os.path.normpath(base)


def _launch_dir(spec: ServerSpec) -> str:
    """Absolute folder the server's relative paths are read from (`start_dir`, then uv's)."""
    base = start_dir(spec)
    if spec.command and _command_name(spec.command) == "uv":
        # `uv --directory D run server.py` (or `uv run --directory D …`) runs from D
        directory = _flag_value(spec.args, "--directory")
        if directory and not _unresolvable(directory):
            base = os.path.join(base, directory)
    return os.path.normpath(base)


def _normal_command(command: str, base: str | None) -> str:
    # Bare launcher names stay bare; a path to a script or binary stays a
    # path (normalised) so two different local scripts do not merge.
    if "/" not in command and "\\" not in command:
        return _command_name(command)
    if base is not None and not _is_absolute(command) and not _unresolvable(command):
        return os.path.normpath(os.path.join(base, command))
    return os.path.normpath(command)


def _local_command(spec: ServerSpec) -> tuple[str, tuple[str, ...]]:
    """Command and (redacted) arguments of a server that is not a package, paths resolved."""
    assert spec.command is not None
    try:
        base: str | None = _launch_dir(spec)
    except OSError:  # the current folder is gone: keep the paths as written
        base = None
    shown = redact_args(spec.args)
    args = tuple(
        os.path.normpath(os.path.join(base, raw))
        if base is not None and shown_arg == raw and _is_relative_script(raw)
        else shown_arg
        for raw, shown_arg in zip(spec.args, shown, strict=True)
    )
    return _normal_command(spec.command, base), args


def derive_identity(spec: ServerSpec) -> ServerIdentity:
    """Identity of the server described by `spec` (its label is ignored).

    A relative script path (`python server.py`) is made absolute against the
    folder the server runs from (see `_launch_dir`), so the same words in two
    projects are two servers; package runners keep their package identity.
    """
    package: PackageRef | None = None
    command: str | None = None
    args: tuple[str, ...] = ()
    url: str | None = None
    if spec.transport == "stdio" and spec.command:
        package, rest = parse_package(spec.command, spec.args)
        if package:
            args = tuple(redact_args(rest))
        else:
            command, args = _local_command(spec)
    elif spec.url:
        url = sanitize_url(spec.url)
    elif spec.transport == "static":
        # A saved listing has no launch recipe: the file path is all we know.
        command = f"static:{spec.static_path or spec.name}"
    parts = {
        "transport": spec.transport,
        "command": command,
        "args": list(args),
        "url": url,
        "package": None
        if package is None
        else {"ecosystem": package.ecosystem, "name": package.name, "version": package.version},
    }
    key = "mcp:" + hash_value(parts).removeprefix("sha256:")[:32]
    return ServerIdentity(spec.transport, command, args, url, package, key)


def identity_key(spec: ServerSpec | ServerIdentity) -> str:
    """Stable key of a server: `mcp:` + 32 hex chars."""
    if isinstance(spec, ServerIdentity):
        return spec.key
    return derive_identity(spec).key
