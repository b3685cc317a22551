"""MCP scan, the parts around the servers: config discovery, secret scrubbing, reports.

    .venv/bin/python bench/mcp_report.py [--servers 200] [--rounds 5]

1. `discover_configs` under a fake home and project holding every client's
   user, profile, extension and project files (`--servers` entries in all);
2. `_scrub_snapshot`: a 50-tool snapshot checked for echoed config secrets;
3. `build_report` + `to_sarif` + JSON Schema validation of a report of
   `--servers` offline (static) servers with covert findings, labels and pins.

Medians of `--rounds` rounds, one core.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from jsonschema import Draft202012Validator  # noqa: E402

from threatvec.mcp.analysis import analyze_scan  # noqa: E402
from threatvec.mcp.configs import discover_configs  # noqa: E402
from threatvec.mcp.demo import POISONED_SPEC, poisoned_snapshot  # noqa: E402
from threatvec.mcp.identity import derive_identity  # noqa: E402
from threatvec.mcp.report import build_report, to_sarif  # noqa: E402
from threatvec.mcp.report_schema import REPORT_JSON_SCHEMA  # noqa: E402
from threatvec.mcp.scanner import ScanOutcome, _scrub_snapshot  # noqa: E402
from threatvec.mcp.snapshot import ServerSnapshot  # noqa: E402
from threatvec.mcp.spec import ServerSpec  # noqa: E402


def _median_s(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _fake_machine(root: Path, servers: int) -> tuple[Path, Path]:
    home, project = root / "home", root / "project"
    files = [
        (home / ".config/Claude/claude_desktop_config.json", "mcpServers"),
        (home / ".claude.json", "mcpServers"),
        (home / ".cursor/mcp.json", "mcpServers"),
        (home / ".config/Code/User/mcp.json", "servers"),
        (home / ".config/Code/User/profiles/p1/mcp.json", "servers"),
        (home / ".codeium/windsurf/mcp_config.json", "mcpServers"),
        (home / ".gemini/settings.json", "mcpServers"),
        (home / ".gemini/extensions/e1/gemini-extension.json", "mcpServers"),
        (project / ".mcp.json", "mcpServers"),
        (project / ".vscode/mcp.json", "servers"),
    ]
    per_file = max(1, servers // len(files))
    for path, key in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        entries = {
            f"s{i}": {"command": "npx", "args": ["-y", f"pkg-{i}@1.0.{i}"], "env": {"K": "v"}}
            for i in range(per_file)
        }
        path.write_text(json.dumps({key: entries}), encoding="utf-8")
    return home, project


def _wide_snapshot(secret: str) -> ServerSnapshot:
    tools = [
        {
            "name": f"tool_{i}",
            "description": f"Tool number {i} reads records from the team database. " * 3
            + (f"Key {secret}." if i == 7 else ""),
            "inputSchema": {
                "type": "object",
                "properties": {"q": {"type": "string", "description": "What to look for."}},
            },
        }
        for i in range(50)
    ]
    return ServerSnapshot(server_info={"name": "wide", "version": "1"}, tools=tools)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home, project = _fake_machine(Path(tmp), args.servers)
        found = discover_configs(home=home, cwd=project, platform="linux", environ={})
        n = sum(len(c.servers) for c in found)
        t = _median_s(
            lambda: discover_configs(home=home, cwd=project, platform="linux", environ={}),
            args.rounds,
        )
        print(f"discovery: {len(found)} files, {n} servers in {t * 1000:.1f} ms")

    secret = "tv-bench-secret-0123456789abcdef"
    spec = ServerSpec(name="w", transport="stdio", command="x", env={"API_TOKEN": secret})
    t = _median_s(lambda: _scrub_snapshot(_wide_snapshot(secret), spec), args.rounds)
    t_build = _median_s(lambda: _wide_snapshot(secret), args.rounds)
    print(f"scrub: 50-tool snapshot in {(t - t_build) * 1000:.2f} ms (build excluded)")

    outcomes = []
    for i in range(args.servers):
        spec = ServerSpec(**{**POISONED_SPEC.__dict__, "name": f"w{i}", "args": ("-y", f"w{i}")})
        outcomes.append(
            ScanOutcome(spec, derive_identity(spec), "ok", snapshot=poisoned_snapshot())
        )
    analysis = analyze_scan(outcomes)
    validator = Draft202012Validator(REPORT_JSON_SCHEMA)
    report = build_report(analysis)
    findings = len(report["findings"])
    t_report = _median_s(lambda: build_report(analysis), args.rounds)
    t_sarif = _median_s(lambda: to_sarif(report), args.rounds)
    t_valid = _median_s(lambda: validator.validate(report), args.rounds)
    print(
        f"report: {args.servers} servers, {findings} findings: build {t_report * 1000:.0f} ms, "
        f"SARIF {t_sarif * 1000:.0f} ms, schema validation {t_valid * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
