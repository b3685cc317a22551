"""MCP integrity: scanning MCP servers, pinning their definitions, judging the risk.

Modules (import what you need; nothing heavy is imported here):

* `spec` — `ServerSpec`, how to reach one server (secrets kept out of output)
* `configs` — discovering and parsing client configurations
* `scanner` — connecting with the official SDK and listing everything
* `snapshot` — `ServerSnapshot` and its pins
* `canonical` — canonical JSON and hashes
* `identity` — server identity keys
* `diff` — snapshot diffs, change grading, rug pulls
* `labels` — tool risk labels and the lethal trifecta
* `trust` — catalog trust levels
* `scoring` — the per-server MCP score
* `analysis` — all of the above over one scan
* `report` — JSON report, terminal report, SARIF
"""
