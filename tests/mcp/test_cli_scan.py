"""`threatvec mcp scan` as a user runs it: discovery under a fake HOME, remote servers with tokens.

(tests/cli/test_mcp_cli.py covers reports, SARIF, exit codes and baselines;
these cover where servers come from.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from threatvec.cli.mcp import app

from .conftest import SERVERS, http_server

PY = sys.executable
TOKEN = "tv-cli-bearer-5e4d3c2b1a09"
QUERY_SECRET = "tv-cli-query-secret-0a9b8c7d"


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


class _Run:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _cli(*args: str, cwd: Path, home: Path | None = None) -> _Run:
    """The CLI in this process (no interpreter start-up), in `cwd`, with HOME=`home`."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        mp.delenv("XDG_CONFIG_HOME", raising=False)
        if home is not None:
            mp.setenv("HOME", str(home))
        result = CliRunner().invoke(app, list(args))
    return _Run(result.exit_code, result.stdout, result.stderr)


def test_no_argument_discovers_user_and_project_configs(tmp_path: Path) -> None:
    home, project = tmp_path / "home", tmp_path / "project"
    project.mkdir()
    benign = {"command": PY, "args": [str(SERVERS / "benign.py")]}
    poisoned = {"command": PY, "args": [str(SERVERS / "poisoned.py")]}
    with http_server("benign", "http") as url:
        _write(home / ".cursor/mcp.json", {"mcpServers": {"cursor-calc": benign}})
        _write(
            home / ".config/Claude/claude_desktop_config.json",
            {"mcpServers": {"desktop-evil": poisoned}},
        )
        _write(
            project / ".vscode/mcp.json",
            {"servers": {"team-remote": {"type": "http", "url": url}}, "inputs": []},
        )
        listed = _cli("configs", cwd=project, home=home)
        scan = _cli("scan", "--yes", "--json", cwd=project, home=home)

    assert listed.returncode == 0, listed.stderr
    assert "cursor-calc" in listed.stdout and "team-remote" in listed.stdout
    assert str(home / ".config/Claude/claude_desktop_config.json") in listed.stdout

    report = json.loads(scan.stdout)
    found = {
        (s["name"], s["spec"]["client"], s["spec"]["scope"], s["status"]) for s in report["servers"]
    }
    assert found == {
        ("cursor-calc", "cursor", "user", "ok"),
        ("desktop-evil", "claude-desktop", "user", "ok"),
        ("team-remote", "vscode", "project", "ok"),
    }, scan.stderr
    assert {c["client"] for c in report["configs"]} == {"cursor", "claude-desktop", "vscode"}
    assert scan.returncode == 1  # the poisoned desktop server has high findings


def test_nothing_found_under_an_empty_home_says_where_it_looked(tmp_path: Path) -> None:
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    project.mkdir()
    proc = _cli("scan", cwd=project, home=home)
    assert proc.returncode == 0
    assert "No MCP servers found" in proc.stderr
    assert str(home / ".cursor" / "mcp.json") in proc.stderr
    assert str(project / ".mcp.json") in proc.stderr


def test_url_with_bearer_over_streamable_http_and_legacy_sse(tmp_path: Path) -> None:
    env = {"TV_TEST_BEARER": TOKEN}
    with (
        http_server("benign", "http", env=env, bearer_env="TV_TEST_BEARER") as http_url,
        http_server("benign", "sse", env=env, bearer_env="TV_TEST_BEARER") as sse_url,
    ):
        header = f"Authorization: Bearer {TOKEN}"
        ok = _cli(
            "scan", "--url", http_url, "--url", sse_url, "--header", header, "--json", cwd=tmp_path
        )
        # no token: both servers refuse; --sse forces the legacy transport on a URL
        # that does not end in /sse
        refused = _cli(
            "scan",
            "--url",
            f"{http_url}?api_key={QUERY_SECRET}",
            "--url",
            sse_url,
            "--sse",
            "--json",
            "--timeout",
            "20",
            cwd=tmp_path,
        )

    assert ok.returncode == 0, ok.stderr
    servers = json.loads(ok.stdout)["servers"]
    assert [(s["spec"]["transport"], s["status"], s["tool_count"]) for s in servers] == [
        ("http", "ok", 2),
        ("sse", "ok", 2),
    ]
    assert (
        servers[0]["snapshot"]["pins"]["server_hash"]
        == servers[1]["snapshot"]["pins"]["server_hash"]
    )
    assert all(s["spec"]["header_names"] == ["Authorization"] for s in servers)
    # the server requires the token: without it the scan is an error, exit 2
    assert refused.returncode == 2
    denied = json.loads(refused.stdout)["servers"]
    assert [s["spec"]["transport"] for s in denied] == ["sse", "sse"]
    for server in denied:
        assert server["status"] == "error", server
        assert "HTTP 401 Unauthorized: the server needs credentials" in server["error"]
        # The hint is ours, not the server's: it shows the syntax, not "[REDACTED]".
        assert "(--header 'Authorization: Bearer …')" in server["error"], server["error"]
    for proc in (ok, refused):
        assert TOKEN not in proc.stdout + proc.stderr
        assert QUERY_SECRET not in proc.stdout + proc.stderr
