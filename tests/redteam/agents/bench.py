"""Start an AgentBench quick run over the API and wait for it (shared by the SDK-served tests)."""

from __future__ import annotations

import time
from typing import Any

import httpx


def run_quick(c: httpx.Client, agent_id: str, *, deadline_s: float = 240) -> dict[str, Any]:
    """The finished run row; retried while the agent's first long-poll is still on its way."""
    deadline = time.monotonic() + deadline_s  # an upper bound, not a speed check
    while True:
        r = c.post("/agentbench/run", json={"agent_id": agent_id, "mode": "quick", "k": 1})
        assert r.status_code == 202, r.text
        row = r.json()
        while row["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, row
            time.sleep(0.1)
            row = c.get(f"/agentbench/runs/{row['id']}").json()
        if row["status"] != "failed" or "serve_probes" not in (row["error"] or ""):
            return row
        time.sleep(0.3)
