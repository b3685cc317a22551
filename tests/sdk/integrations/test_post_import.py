"""Integrations never import their library themselves; they patch it when the host does."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from ..capture_server import subprocess_env


def test_library_imported_after_start_is_patched_and_not_imported_before(capture):
    code = textwrap.dedent(
        """
        import sys
        from threatvec import ThreatVec
        tv = ThreatVec.auto(integrations=True, flush_interval=0.05)
        assert "openai" in tv.integrations and "mcp" in tv.integrations
        assert "openai" not in sys.modules and "anthropic" not in sys.modules
        import openai
        from openai.resources.chat.completions import Completions
        import importlib.resources
        assert importlib.resources.files(openai).joinpath("py.typed").is_file()
        print(getattr(Completions.create, "_threatvec_patched", False))
        """
    )
    env = subprocess_env(THREATVEC_URL=capture.url, THREATVEC_AGENT_NAME="late")
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    register = capture.events("agent.register")[0]["attributes"]
    assert {"openai", "anthropic", "langchain", "mcp"} <= set(register["integrations"])
