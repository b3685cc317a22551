"""Server identity keys: by what runs, not by the label."""

from __future__ import annotations

from pathlib import Path

import pytest

from threatvec.mcp.identity import derive_identity, identity_key, parse_package, sanitize_url
from threatvec.mcp.redact import redact_args, redact_text
from threatvec.mcp.spec import ServerSpec


def _stdio(
    command: str, *args: str, name: str = "x", env: dict[str, str] | None = None
) -> ServerSpec:
    return ServerSpec(name=name, transport="stdio", command=command, args=args, env=env or {})


def test_label_and_env_values_do_not_change_the_key() -> None:
    a = _stdio(
        "npx",
        "-y",
        "@modelcontextprotocol/server-filesystem",
        "/data",
        name="fs",
        env={"TOKEN": "one"},
    )
    b = _stdio(
        "/usr/local/bin/npx",
        "@modelcontextprotocol/server-filesystem",
        "/data",
        name="files",
        env={"TOKEN": "two"},
    )
    assert identity_key(a) == identity_key(b)
    assert identity_key(a).startswith("mcp:") and len(identity_key(a)) == 4 + 32
    other_dir = _stdio("npx", "-y", "@modelcontextprotocol/server-filesystem", "/home")
    assert identity_key(other_dir) != identity_key(a)
    pinned = _stdio("npx", "-y", "@modelcontextprotocol/server-filesystem@2026.8.31", "/data")
    assert identity_key(pinned) != identity_key(a)


def test_packages_from_launchers() -> None:
    pkg, rest = parse_package("npx", ["-y", "@scope/server@1.2.3", "--port", "1"])
    assert (pkg.ecosystem, pkg.name, pkg.version, pkg.pinned, rest) == (
        "npm",
        "@scope/server",
        "1.2.3",
        True,
        ["--port", "1"],
    )
    pkg, _ = parse_package("npx", ["-y", "some-server"])
    assert pkg.version is None and not pkg.pinned
    pkg, rest = parse_package(
        "uvx", ["--from", "mcp-server-git==2026.1.1", "mcp-server-git", "--repository", "."]
    )
    assert (pkg.name, pkg.version, rest) == ("mcp-server-git", "2026.1.1", ["--repository", "."])
    pkg, _ = parse_package("uvx", ["mcp_server_fetch@2025.4.7"])
    assert (pkg.name, pkg.version) == ("mcp-server-fetch", "2025.4.7")
    pkg, _ = parse_package("pipx", ["run", "mcp-server-time"])
    assert (pkg.ecosystem, pkg.name, pkg.version) == ("pypi", "mcp-server-time", None)
    pkg, rest = parse_package(
        "docker",
        [
            "run",
            "-i",
            "--rm",
            "-e",
            "GITHUB_TOKEN",
            "ghcr.io/github/github-mcp-server:v1.0",
            "stdio",
        ],
    )
    assert (pkg.ecosystem, pkg.name, pkg.version, rest) == (
        "docker",
        "ghcr.io/github/github-mcp-server",
        "v1.0",
        ["stdio"],
    )
    pkg, _ = parse_package("docker", ["run", "mcp/fetch@sha256:abcd"])
    assert pkg.version == "sha256:abcd" and pkg.pinned
    pkg, _ = parse_package("docker", ["run", "mcp/fetch"])
    assert pkg.version is None
    assert parse_package("node", ["server.js"])[0] is None


def test_urls_lose_credentials_and_secret_query_values() -> None:
    clean = sanitize_url("HTTPS://user:pw@Example.COM:443/mcp?api_key=s3cr3t&region=eu#frag")
    assert clean == "https://example.com/mcp?api_key=<redacted>&region=eu"
    a = ServerSpec(name="a", transport="http", url="https://example.com/mcp?token=one")
    b = ServerSpec(
        name="b",
        transport="http",
        url="https://example.com/mcp?token=two",
        headers={"Authorization": "Bearer z"},
    )
    assert identity_key(a) == identity_key(b)
    sse = ServerSpec(name="c", transport="sse", url="https://example.com/mcp?token=one")
    assert identity_key(sse) != identity_key(a)  # transport is part of the identity


def test_secret_arguments_are_redacted_in_identity() -> None:
    spec = _stdio(
        "my-server", "--api-key", "abcd1234", "--token=xyz987", "ghp_" + "a" * 30, "plain"
    )
    ident = derive_identity(spec)
    assert "abcd1234" not in str(ident.to_dict()) and "xyz987" not in str(ident.to_dict())
    assert ident.args == ("--api-key", "<redacted>", "--token=<redacted>", "<redacted>", "plain")
    rotated = _stdio("my-server", "--api-key", "other", "--token=other", "ghp_" + "b" * 30, "plain")
    assert identity_key(rotated) == identity_key(spec)
    assert redact_args(["-e", "API_KEY=v"]) == ["-e", "API_KEY=<redacted>"]
    assert redact_text("x secret123 y", ["secret123", ""]) == "x <redacted> y"


def _local(folder: Path, *args: str, **kw: str) -> ServerSpec:
    """`python ARGS` as written in `<folder>/.mcp.json`."""
    return ServerSpec(
        name="srv",
        transport="stdio",
        command="python3",
        args=args,
        source=kw.pop("source", str(folder / ".mcp.json")),
        **kw,
    )


def test_relative_script_is_keyed_by_the_folder_it_runs_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alpha, beta = tmp_path / "alpha", tmp_path / "beta"
    a = derive_identity(_local(alpha, "server.py", "--verbose"))
    b = derive_identity(_local(beta, "server.py", "--verbose"))
    assert a.key != b.key
    assert a.args == (str(alpha / "server.py"), "--verbose")
    # one config, however its path was typed, keeps one identity
    alpha.mkdir()
    monkeypatch.chdir(alpha)
    assert identity_key(_local(alpha, "server.py", "--verbose", source=".mcp.json")) == a.key
    assert identity_key(_local(alpha, "./server.py", "--verbose")) == a.key
    typed = str(beta / ".." / "alpha" / ".mcp.json")
    assert identity_key(_local(alpha, "server.py", "--verbose", source=typed)) == a.key
    # the spec's cwd wins over the config's folder (relative cwd: from the config's folder)
    assert derive_identity(_local(alpha, "server.py", cwd="/srv/mcp")).args == (
        str(Path("/srv/mcp/server.py")),
    )
    assert derive_identity(_local(alpha, "src/server.py", cwd="tools")).args == (
        str(alpha / "tools" / "src" / "server.py"),
    )
    # a relative launcher path, and uv's --directory, are resolved the same way
    script = ServerSpec(name="s", transport="stdio", command="./bin/serve", source=typed)
    assert derive_identity(script).command == str(alpha / "bin" / "serve")
    uv = _local(alpha, "--directory", "/opt/weather", "run", "weather.py")
    uv = ServerSpec(**{**uv.__dict__, "command": "uv"})
    assert derive_identity(uv).args[-1] == str(Path("/opt/weather/weather.py"))
    # what is not a relative script path is left as written
    plain = derive_identity(_local(alpha, "-m", "notes", "--repo", "team/notes", "/abs/x.py"))
    assert plain.args == ("-m", "notes", "--repo", "team/notes", "/abs/x.py")
    secret = derive_identity(_local(alpha, "--token", "main.py"))
    assert secret.args == ("--token", "<redacted>")


def test_project_folders_decide_where_a_script_runs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    claude = str(home / ".claude.json")
    one = _local(home, "server.py", source=claude, scope=f"local:{tmp_path / 'p1'}")
    two = _local(home, "server.py", source=claude, scope=f"local:{tmp_path / 'p2'}")
    assert derive_identity(one).args == (str(tmp_path / "p1" / "server.py"),)
    assert identity_key(one) != identity_key(two)
    # .cursor/mcp.json and .vscode/mcp.json start servers in the project folder
    project = tmp_path / "project"
    cursor = _local(project, "server.py", source=str(project / ".cursor" / "mcp.json"))
    vscode = _local(project, "server.py", source=str(project / ".vscode" / "mcp.json"))
    assert (
        identity_key(cursor) == identity_key(vscode) == identity_key(_local(project, "server.py"))
    )


def test_package_runners_keep_their_package_identity(tmp_path: Path) -> None:
    for command, args in (
        ("npx", ("-y", "pkg@1.2", "server.js")),
        ("uvx", ("pkg", "./data")),
        ("docker", ("run", "-i", "mcp/fetch:1", "main.py")),
    ):
        bare = ServerSpec(name="p", transport="stdio", command=command, args=args)
        alpha = ServerSpec(**{**bare.__dict__, "source": str(tmp_path / "a" / ".mcp.json")})
        beta = ServerSpec(**{**bare.__dict__, "source": str(tmp_path / "b" / ".mcp.json")})
        assert identity_key(alpha) == identity_key(beta) == identity_key(bare), command
        assert derive_identity(alpha).args == args[-1:]


def test_installed_reference_server_only_when_the_command_runs_from_this_environment(
    tmp_path, monkeypatch
) -> None:
    import os
    import stat
    import sys

    from threatvec.mcp.trust import assess_trust

    here = Path(sys.executable).parent
    if not (here / "mcp-server-time").exists():
        pytest.skip("reference servers not installed (dev extra)")
    spec = ServerSpec(name="time", transport="stdio", command="mcp-server-time")
    monkeypatch.setenv("PATH", f"{here}{os.pathsep}{os.environ.get('PATH', '')}")
    real = derive_identity(spec)
    assert real.package and real.package.version_source == "installed"
    assert assess_trust(real).level == "official"

    # Another `mcp-server-time` first on PATH is what a client would start: it is
    # not the installed reference server, whatever the scanner's own venv holds.
    fake = tmp_path / "bin" / "mcp-server-time"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexec something-else\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{here}")
    shadowed = derive_identity(spec)
    assert shadowed.package and shadowed.package.version is None
    assert assess_trust(shadowed).level == "official_unpinned"
    python_m = ServerSpec(
        name="t", transport="stdio", command="python", args=("-m", "mcp_server_time")
    )
    (tmp_path / "bin" / "python").write_text("#!/bin/sh\n", encoding="utf-8")
    (tmp_path / "bin" / "python").chmod(0o755)
    assert derive_identity(python_m).package.version is None
