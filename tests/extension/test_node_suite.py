"""Runs the extension's own tests (node's built-in runner) as part of pytest."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_node_suite_passes() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    result = subprocess.run(
        [node, "--test", "extension/test/"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )
    tail = "\n".join(result.stdout.splitlines()[-40:])
    assert result.returncode == 0, f"node --test failed:\n{tail}\n{result.stderr[-2000:]}"
    assert "# fail 0" in result.stdout
