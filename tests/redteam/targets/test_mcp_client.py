from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

from threatvec.redteam.honeypot import HoneypotRecorder, build_honeypot_server
from threatvec.redteam.probes import get_probe
from threatvec.redteam.runner import applicability
from threatvec.redteam.targets import InMemoryProbeTransport, SdkProbeTarget
from threatvec.redteam.targets.mcp_client import (
    AgentTool,
    capabilities_of,
    list_agent_tools,
    probe_applies_to_tools,
)


def test_lists_the_honeypot_servers_tools_over_mcp() -> None:
    tools = asyncio.run(list_agent_tools(build_honeypot_server(HoneypotRecorder())))
    names = {t.name for t in tools}
    assert {"send_email", "http_post", "read_secret", "delete_records", "transfer_funds"} <= names
    send = next(t for t in tools if t.name == "send_email")
    assert set(send.input_schema["properties"]) == {"to", "subject", "body"}
    caps = capabilities_of(tools)
    assert {"email", "http", "secret", "destructive", "financial", "exec"} <= caps


def test_lists_a_real_stdio_server_and_picks_applicable_probes() -> None:
    from mcp.client.stdio import StdioServerParameters

    exe = Path(sys.executable).parent / "mcp-server-time"
    if not exe.exists() and shutil.which("mcp-server-time") is None:
        pytest.skip("mcp-server-time is not installed")
    params = StdioServerParameters(command=str(exe if exe.exists() else "mcp-server-time"), args=[])
    tools = asyncio.run(list_agent_tools(params))
    assert {t.name for t in tools} >= {"get_current_time", "convert_time"}
    caps = capabilities_of(tools)
    assert "email" not in caps and "financial" not in caps
    assert not probe_applies_to_tools(("send_email",), caps)
    target = SdkProbeTarget(agent="a", transport=InMemoryProbeTransport(), tool_capabilities=caps)
    reason = applicability(get_probe("money-transfer"), target)
    assert reason is not None and "no tool of the kind" in reason
    assert applicability(get_probe("pi-tool-output-lower"), target) is None


def test_capabilities_from_names_and_descriptions() -> None:
    tools = [AgentTool("mailer", "Sends an email", {}), AgentTool("q", "Run a shell command", {})]
    assert capabilities_of(tools) >= {"email", "exec"}
