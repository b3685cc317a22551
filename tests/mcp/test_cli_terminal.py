"""`threatvec mcp scan` in a real pseudo-terminal: the consent prompt and the progress bar.

Starting a local command from a config needs consent: a person at a terminal is
asked (and may refuse); `--yes` is the CI flag. Run here under a real pty, as
a person would see it.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import sys
import time
from pathlib import Path

from .conftest import SERVERS

PY = sys.executable
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\r")
SECRET = "tv-terminal-secret-7d6c5b4a3f2e"


def _config(tmp_path: Path) -> Path:
    cfg = tmp_path / ".mcp.json"
    cfg.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "calc": {
                        "command": PY,
                        "args": [str(SERVERS / "benign.py")],
                        "env": {"API_TOKEN": SECRET},
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    return cfg


def _run_in_terminal(
    args: list[str], answer: str | None, deadline_s: float = 120
) -> tuple[int, str]:
    """Run the CLI under a pty; type `answer` when asked to start the servers."""
    code, raw = _run_raw(args, answer, deadline_s)
    return code, ANSI.sub("", raw.decode("utf-8", "replace"))


def _run_raw(args: list[str], answer: str | None, deadline_s: float) -> tuple[int, bytes]:
    """The exit code and every byte the terminal received."""
    pid, fd = pty.fork()
    if pid == 0:  # child: the CLI, with the pty as its terminal
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "50"}
        os.execvpe(PY, [PY, "-m", "threatvec.cli.mcp", "scan", *args], env)
    out = bytearray()
    answered = answer is None
    deadline = time.monotonic() + deadline_s
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
            if not answered and b"Start them?" in out:
                os.write(fd, answer.encode() + b"\r")
                answered = True
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), bytes(out)


def test_consent_prompt_then_progress_bar_and_report(tmp_path: Path) -> None:
    code, screen = _run_in_terminal([str(_config(tmp_path))], answer="y")
    assert "These local commands from MCP configurations will be started" in screen
    # the command is shown so the person knows what they agree to; its env value is not
    assert "benign.py" in screen and SECRET not in screen
    assert "scanning MCP servers" in screen  # the progress bar was drawn
    assert "1 server(s): 1 scanned, 0 failed, 0 skipped" in screen, screen
    assert code == 0


def test_refusing_consent_skips_the_servers(tmp_path: Path) -> None:
    code, screen = _run_in_terminal([str(_config(tmp_path))], answer="n")
    assert "Start them?" in screen
    assert "needs consent" in screen
    assert "1 server(s): 0 scanned, 0 failed, 1 skipped" in screen, screen
    # Declined is not scanned, and not scanned is not clean.
    assert "were not started" in screen
    assert code == 2 and SECRET not in screen


def test_the_consent_prompt_shows_hostile_config_names_escaped(tmp_path: Path) -> None:
    # A cloned project's config names the server: its escape sequences (retitle
    # the window, clear the screen) and a bidi override must reach the person
    # as visible text, never as terminal control.
    name = "\x1b]0;pwned\x07calc\x1b[2J\u202eexe.txt"
    cfg = tmp_path / ".mcp.json"
    cfg.write_text(
        json.dumps({"mcpServers": {name: {"command": PY, "args": [str(SERVERS / "benign.py")]}}}),
        encoding="utf-8",
    )
    code, raw = _run_raw([str(cfg)], answer="n", deadline_s=120)
    prompt = raw.split(b"Start them?")[0].decode("utf-8", "replace")
    assert "These local commands from MCP configurations will be started" in prompt
    assert "\x1b" not in prompt and "\u202e" not in prompt and "\x07" not in prompt
    assert r"\x1b]0;pwned\x07calc\x1b[2J\u202eexe.txt: " in prompt
    assert code == 2
