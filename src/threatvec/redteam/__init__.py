"""AgentBench and the red-team learning cycle (issue 8).

The engine here needs no database and no HTTP API: probes and their
deterministic judges, per-run canaries, targets (OpenAI-compatible, generic
HTTP with multi-step flows, SDK-served probes, MCP), the runner, the MITRE
ATLAS catalogue parser, coverage with Wilson intervals, and the CVE → ATLAS
rules of the learning cycle. ``models``, ``schemas``, ``service``, ``router``
and ``jobs`` build the product on top of these modules; see docs/redteam.md.
"""
