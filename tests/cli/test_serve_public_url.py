"""`threatvec serve` and THREATVEC_PUBLIC_URL, run as a real subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.test_cli import THREATVEC, run
from tests.conftest import free_port, new_database_url


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THREATVEC_", "ORG_KEY"))}
    env["THREATVEC_DATA_DIR"] = str(tmp_path / "data")
    env["THREATVEC_DATABASE_URL"] = new_database_url(tmp_path)
    return env


@pytest.mark.parametrize(
    ("how", "value", "reason"),
    [
        ("env", "threatvec.example.com", "absolute http(s) URL"),
        ("env", "https://threatvec.example.com/?tenant=a", "query"),
        ("flag", "ftp://threatvec.example.com", "absolute http(s) URL"),
        ("flag", "https://admin:hunter2@threatvec.example.com", "user name or password"),
        ("flag", "ftp://admin:hunter2@threatvec.example.com", "absolute http(s) URL"),
        ("env", "https://admin:hunter2@threatvec.example.com:99999", "not a valid URL"),
    ],
)
def test_a_bad_public_url_stops_the_start_naming_the_setting(
    cli_env, how: str, value: str, reason: str
) -> None:
    args = ["serve", "--port", str(free_port()), "--no-scheduler"]
    if how == "env":
        cli_env = {**cli_env, "THREATVEC_PUBLIC_URL": value}
    else:
        args += ["--public-url", value]
    r = run(args, cli_env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "THREATVEC_PUBLIC_URL" in r.stderr and reason in r.stderr
    assert "Traceback" not in r.stderr and "listening" not in r.stdout
    assert "hunter2" not in r.stderr  # a password in the value is not echoed back


def test_a_plain_http_public_url_starts_with_a_warning_in_the_log(cli_env) -> None:
    port = free_port()
    env = {**cli_env, "THREATVEC_PUBLIC_URL": "http://threatvec.internal.example"}
    proc = subprocess.Popen(
        [*THREATVEC, "serve", "--port", str(port), "--no-scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert "THREATVEC_PUBLIC_URL is plain http on a non-loopback host" in out, out
    assert "http://threatvec.internal.example" in out
