"""The real `threatvec` command, run as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port, new_database_url

THREATVEC = [sys.executable, "-m", "threatvec.cli"]


def run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        THREATVEC + args, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THREATVEC_", "ORG_KEY"))}
    env.update(
        {
            "THREATVEC_DATA_DIR": str(tmp_path / "data"),
            "THREATVEC_DATABASE_URL": new_database_url(tmp_path),
        }
    )
    return env


@pytest.mark.db
def test_version_and_org_lifecycle(cli_env) -> None:
    assert run(["version"], cli_env).stdout.strip()
    created = run(["org", "create", "acme"], cli_env)
    assert created.returncode == 0, created.stderr
    key = created.stdout.split("key: ")[1].strip()
    assert key.startswith("tvk_") and "cannot be shown again" in created.stderr
    listed = run(["org", "list"], cli_env)
    assert "acme" in listed.stdout and key not in listed.stdout and "key set" in listed.stdout
    dup = run(["org", "create", "acme"], cli_env)
    assert (
        dup.returncode == 1 and dup.stderr.startswith("error: ") and "already exists" in dup.stderr
    )
    assert "Traceback" not in dup.stderr


@pytest.mark.db
def test_db_upgrade_and_jobs(cli_env) -> None:
    r = run(["db", "upgrade"], cli_env)
    assert r.returncode == 0 and "up to date" in r.stdout
    assert run(["org", "create", "jobs-org"], cli_env).returncode == 0
    assert "signals.prune" in run(["jobs", "list"], cli_env).stdout
    r = run(["jobs", "run", "signals.prune"], cli_env)
    assert r.returncode == 0 and "ok" in r.stdout
    r = run(["jobs", "run", "no.such.job"], cli_env)
    assert r.returncode == 1 and "no job named" in r.stderr


def test_serve_refuses_public_bind_without_key(cli_env) -> None:
    r = run(["serve", "--host", "0.0.0.0", "--port", str(free_port())], cli_env)
    assert r.returncode == 1 and "refusing to listen" in r.stderr


def test_detect_reports_missing_file(cli_env, tmp_path) -> None:
    r = run(["detect", "pii", "--jsonl", str(tmp_path / "nope.jsonl")], cli_env)
    assert r.returncode == 1 and "no such file" in r.stderr


@pytest.mark.db
def _start_demo(port: int, env: dict[str, str], **popen: Any) -> subprocess.Popen:
    """`threatvec serve --demo` on ``port``, returned once /healthz answers."""
    proc = subprocess.Popen(
        [*THREATVEC, "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"demo server did not come up:\n{out}")
        time.sleep(0.3)


def test_serve_demo_shows_demo_org(cli_env) -> None:
    port = free_port()
    proc = _start_demo(port, cli_env)
    base = f"http://127.0.0.1:{port}"
    try:
        page = httpx.get(f"{base}/", timeout=10)
        assert page.status_code == 200 and "Demo Org" in page.text
        assets = httpx.get(f"{base}/api/v1/assets", timeout=10).json()["items"]
        assert {"support-bot", "mcp-server-git"} <= {a["name"] for a in assets}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _demo_agents(port: int) -> list[int]:
    """Pids of the demo agent processes that report to the server on ``port``."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "agents_runtime" in cmd and f"127.0.0.1:{port}" in cmd:
            found.append(int(pid))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_ctrl_c_stops_the_demo_server_and_its_agents(cli_env) -> None:
    """Ctrl-C (SIGINT to the whole group) ends the demo cleanly, agents included."""
    import signal

    port = free_port()
    proc = _start_demo(port, cli_env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(_demo_agents(port)) < 3:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "the demo agents did not start"
            time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        out = proc.stdout.read() if proc.stdout else ""
        assert "Traceback" not in out, out
        deadline = time.monotonic() + 10
        while _demo_agents(port):
            assert time.monotonic() < deadline, f"agents left running: {_demo_agents(port)}"
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=20)
        for pid in _demo_agents(port):
            os.kill(pid, 9)


def test_a_detector_command_loads_only_its_own_area(tmp_path: Path) -> None:
    # `threatvec detect ...` is run once per file in CI pipelines: it must not
    # pay for the database stack, the web server or the MCP SDK at start-up.
    tools = tmp_path / "tools.jsonl"
    tools.write_text('{"id": "a", "tool": {"name": "t", "description": "Adds two numbers."}}\n')
    probe = (
        "import sys; from threatvec.cli import main\n"
        "sys.argv = ['threatvec', 'detect', 'covert', '--jsonl', sys.argv[1]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'fastapi', 'mcp', 'httpx') if m in sys.modules)\n"
        "print('loaded:', heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tools)], capture_output=True, text=True, timeout=60
    )
    assert '"verdict": "benign"' in done.stdout, done.stderr
    assert "loaded: []" in done.stdout


@pytest.mark.db
def test_org_key_reaches_an_org_left_keyless(cli_store) -> None:
    # The server's start-up made the keyless default org; creating a second
    # org with a key would lock it out without a word.
    created = cli_store.run("org", "create", "second")
    assert created.returncode == 0, created.stderr
    assert "warning: org 'default' has no key" in created.stderr
    assert "threatvec org key default" in created.stderr
    assert cli_store.client.get("/api/v1/posture").status_code == 401

    issued = cli_store.run("org", "key", "default")
    assert issued.returncode == 0, issued.stderr
    key = issued.stdout.split("key: ")[1].strip()
    assert key.startswith("tvk_") and "warning" not in issued.stderr
    assert cli_store.client.get("/api/v1/posture", headers={"X-Org-Key": key}).status_code == 200
    assert "[key set]" in cli_store.run("org", "list").stdout.splitlines()[0]

    # A new key replaces the old one.
    again = cli_store.run("org", "key", "default").stdout.split("key: ")[1].strip()
    assert cli_store.client.get("/api/v1/posture", headers={"X-Org-Key": key}).status_code == 401
    assert cli_store.client.get("/api/v1/posture", headers={"X-Org-Key": again}).status_code == 200

    missing = cli_store.run("org", "key", "no-such-org")
    assert missing.returncode == 1 and "no org with the id or name 'no-such-org'" in missing.stderr
    assert "Traceback" not in missing.stderr


@pytest.mark.db
def test_org_key_for_the_default_org_says_org_key_would_bring_the_old_one_back(
    cli_store,
) -> None:
    # The server sets the default org's key from ORG_KEY at every start: a key
    # issued here while ORG_KEY is set lasts only until the next restart.
    env = {**cli_store.env, "ORG_KEY": "tvk_configured_key_0123456789abcdef"}
    issued = subprocess.run(
        [*THREATVEC, "org", "key", "default"], env=env, capture_output=True, text=True, timeout=90
    )
    assert issued.returncode == 0, issued.stderr
    assert "ORG_KEY" in issued.stderr and "next start" in issued.stderr
    assert "the old key no longer works" not in issued.stderr
    # without ORG_KEY the new key simply replaces the old one
    plain = cli_store.run("org", "key", "default")
    assert plain.returncode == 0 and "ORG_KEY" not in plain.stderr


def test_a_bad_setting_is_one_line_naming_it_without_its_value(cli_env) -> None:
    """Every command, not only `serve`: pydantic's own text repeats the input, and a
    setting's value may carry a password."""
    bad = {
        "THREATVEC_PUBLIC_URL": "ftp://admin:hunter2-canary@tv.example",
        "THREATVEC_EVENTS_KEEP_DAYS": "0",
    }
    for command in (["org", "list"], ["jobs", "run", "retention.prune_events"], ["serve"]):
        out = run(command, {**cli_env, **bad})
        assert out.returncode == 1, (command, out.stderr)
        [line] = out.stderr.strip().splitlines()
        assert line.startswith("error: invalid settings: "), line
        assert "THREATVEC_PUBLIC_URL must be an absolute http(s) URL" in line
        assert "THREATVEC_EVENTS_KEEP_DAYS must be at least 1" in line
        assert "hunter2-canary" not in out.stderr + out.stdout


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        # the server stopped with 'error: ValueError: Unknown level' (naming no setting);
        # every other command took it silently
        ({"THREATVEC_LOG_LEVEL": "LOUD"}, "THREATVEC_LOG_LEVEL must be one of DEBUG, INFO"),
        # 'error: ModuleNotFoundError: No module named MySQLdb'
        (
            {"THREATVEC_DATABASE_URL": "mysql://admin:hunter2-canary@db.example/tv"},
            "THREATVEC_DATABASE_URL must be a sqlite:// or postgresql:// URL",
        ),
        # 'error: ArgumentError: Could not parse SQLAlchemy URL from given URL string'
        (
            {"THREATVEC_DATABASE_URL": "hunter2-canary"},
            "THREATVEC_DATABASE_URL must be a sqlite:// or postgresql:// URL",
        ),
    ],
)
def test_a_bad_log_level_or_database_url_is_an_invalid_setting_named(
    cli_env, bad: dict[str, str], says: str
) -> None:
    for command in (["org", "list"], ["serve"]):
        out = run(command, {**cli_env, **bad})
        assert out.returncode == 1, (command, out.stderr)
        [line] = out.stderr.strip().splitlines()
        assert line.startswith("error: invalid settings: "), line
        assert says in line, line
        assert "hunter2-canary" not in out.stderr + out.stdout


def test_org_commands_reach_the_demo_database_with_demo(tmp_path: Path) -> None:
    """`serve --demo` runs on <data dir>/demo.db; `org create` wrote to threatvec.db, so
    the key it printed was refused by the demo server (and `serve --demo --host 0.0.0.0`
    kept refusing after the `org create` its message asked for)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THREATVEC_", "ORG_KEY"))}
    env["THREATVEC_DATA_DIR"] = str(tmp_path / "data")
    refused = run(["serve", "--demo", "--host", "0.0.0.0", "--port", str(free_port())], env)
    assert refused.returncode == 1 and "threatvec org create NAME --demo" in refused.stderr
    created = run(["org", "create", "acme", "--demo"], env)
    assert created.returncode == 0, created.stderr
    demo_orgs = run(["org", "list", "--demo"], env)
    assert demo_orgs.returncode == 0 and "acme" in demo_orgs.stdout
    assert "Demo Org" in demo_orgs.stdout  # the demo server's own database
    assert "acme" not in run(["org", "list"], env).stdout
    rotated = run(["org", "key", "acme", "--demo"], env)
    assert rotated.returncode == 0 and "key: tvk_" in rotated.stdout


def test_a_short_org_key_is_refused_at_start(cli_env) -> None:
    """ORG_KEY=abc started a server whose whole API answered to a three-letter key
    (nothing limits wrong guesses); generated keys are 47 characters."""
    for var in ("ORG_KEY", "THREATVEC_ORG_KEY"):
        for command in (["serve", "--port", str(free_port())], ["org", "list"]):
            out = run(command, {**cli_env, var: "abc123"})
            assert out.returncode == 1, (var, command, out.stderr)
            [line] = out.stderr.strip().splitlines()
            assert line.startswith("error: invalid settings: "), line
            assert "must be at least 16 characters" in line, line
            assert "abc123" not in out.stderr + out.stdout


def test_a_short_secret_key_is_refused_at_start(cli_env) -> None:
    """THREATVEC_SECRET_KEY signs dashboard sessions and derives the key that encrypts
    stored integration and channel secrets; 'x' was accepted."""
    for command in (["serve", "--port", str(free_port())], ["org", "list"]):
        out = run(command, {**cli_env, "THREATVEC_SECRET_KEY": "short-secret"})
        assert out.returncode == 1, (command, out.stderr)
        [line] = out.stderr.strip().splitlines()
        assert line.startswith("error: invalid settings: "), line
        assert "THREATVEC_SECRET_KEY must be at least 32 characters" in line, line
        assert "short-secret" not in out.stderr + out.stdout
