"""Real MCP test servers (tests/mcp/servers) over stdio, streamable HTTP and SSE."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from threatvec.mcp.spec import ServerSpec

SERVERS = Path(__file__).resolve().parent / "servers"
PYTHON = sys.executable
VENV_BIN = Path(sys.executable).parent


def stdio_spec(
    script: str, *, env: dict[str, str] | None = None, name: str | None = None
) -> ServerSpec:
    """Spec that starts tests/mcp/servers/<script>.py over stdio."""
    return ServerSpec(
        name=name or script,
        transport="stdio",
        command=PYTHON,
        args=(str(SERVERS / f"{script}.py"),),
        env=env or {},
    )


@contextmanager
def http_server(
    script: str,
    transport: str = "http",
    *,
    env: dict[str, str] | None = None,
    bearer_env: str | None = None,
) -> Iterator[str]:
    """Start a test server on 127.0.0.1:<free port>; yields its MCP endpoint URL."""
    args = [PYTHON, str(SERVERS / f"{script}.py"), "--transport", transport]
    if bearer_env:
        args += ["--require-bearer", bearer_env]
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("PORT="):
            raise RuntimeError(f"test server {script} did not start: {line!r}")
        port = int(line.removeprefix("PORT="))
        path = "/mcp" if transport == "http" else "/sse"
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
