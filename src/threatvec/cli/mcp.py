"""`threatvec mcp ...`: scan MCP servers from client configs, a command, a URL or a saved listing.

Exit codes of `scan`: 0 clean, 1 a finding at or above `--fail-on`, 2 an
error (bad arguments, unreadable config, a server that could not be
scanned, a failed `--report`).
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer

from threatvec.detect.normalize import visible_snippet
from threatvec.mcp.analysis import Baseline, analyze_scan
from threatvec.mcp.configs import ConfigFile, candidate_locations, discover_configs, parse_config
from threatvec.mcp.findings import SEVERITIES
from threatvec.mcp.identity import sanitize_url
from threatvec.mcp.labels import Suppression
from threatvec.mcp.report import build_report, exit_code, render_text, to_sarif
from threatvec.mcp.scanner import (
    DEFAULT_TIMEOUT,
    NEEDS_CONSENT,
    ContentLimits,
    ScanOutcome,
    scan_servers_sync,
)
from threatvec.mcp.spec import ServerSpec, Transport

__all__ = ["app"]

app = typer.Typer(
    help="Scan MCP servers: tool definitions, hidden instructions, pins, risk.",
    no_args_is_help=True,
)

EXIT_ERROR = 2


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


def _parse_headers(raw: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for item in raw:
        name, sep, value = item.partition(":")
        if not sep or not name.strip() or any(c in name for c in " \r\n") or "\n" in value:
            _fail("--header must look like 'Name: value'")
        headers[name.strip()] = value.strip()
    return headers


def _load_baseline(path: Path) -> dict[str, Baseline]:
    """Approved pins by identity key from an earlier `--json` report.

    A server that was scanned (`ok`) is approved with its snapshot as it
    stands, even when that snapshot is damaged: the diff then reports the pin
    corrupt or missing (high) instead of the server looking never pinned. An
    entry that names no server cannot be attributed at all, so the baseline
    is refused rather than read in part.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        _fail(f"cannot read baseline {path}: {exc}")
    if not isinstance(data, dict) or data.get("schema") != "threatvec.mcp-scan/1":
        _fail(f"{path} is not a threatvec.mcp-scan/1 report")
    servers = data.get("servers", [])
    if not isinstance(servers, list):
        _fail(f"{path}: 'servers' must be a list")
    out: dict[str, Baseline] = {}
    for i, server in enumerate(servers):
        key = (server.get("identity") or {}).get("key") if isinstance(server, dict) else None
        if not isinstance(key, str) or not key:
            _fail(f"{path}: servers[{i}] has no identity.key; the baseline cannot be trusted")
        if server.get("status") == "ok":
            out[key] = Baseline(server.get("snapshot"), approved=True)
    return out


def _load_accepted(path: Path) -> list[Suppression]:
    """Flows the team accepted: a JSON list of {"scope", "tools"?, "reason"}.

    `scope` is "*" or a config file (relative paths are read from the
    current folder, as the scan reads them); `tools` lists "server/tool"
    references the acceptance covers (none: any tools in that scope).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError) as exc:
        _fail(f"cannot read --accept file {path}: {exc}")
    if not isinstance(data, list):
        _fail(f"{path}: expected a JSON list of accepted flows")
    out: list[Suppression] = []
    for i, entry in enumerate(data):
        where = f"{path}: entry {i}"
        if not isinstance(entry, dict):
            _fail(f"{where}: expected an object with 'scope', 'reason' and optional 'tools'")
        scope, reason, tools = entry.get("scope", "*"), entry.get("reason"), entry.get("tools")
        if not isinstance(reason, str) or not reason.strip():
            _fail(f"{where}: 'reason' is required (say why the flow is accepted)")
        if not isinstance(scope, str) or not scope.strip():
            _fail(f"{where}: 'scope' must be \"*\" or a config file path")
        if tools is not None and (
            not isinstance(tools, list) or not all(isinstance(t, str) and "/" in t for t in tools)
        ):
            _fail(f"{where}: 'tools' must be a list of \"server/tool\" references")
        if scope != "*":
            scope = os.path.abspath(scope)
        out.append(Suppression(scope, reason.strip(), frozenset(tools) if tools else None))
    return out


def _content_limits(
    no_contents: bool, max_resources: int | None, max_bytes: int | None
) -> ContentLimits:
    """Flags first, then THREATVEC_MCP_SCAN_* settings, then the defaults."""
    if max_resources is None or max_bytes is None:
        from pydantic import ValidationError

        from threatvec.core.settings import Settings

        try:
            settings = Settings()
        except ValidationError as exc:
            # A bad value elsewhere in the environment must not stop a scan:
            # say which setting is wrong and fall back to the defaults.
            fields = ", ".join(str(e["loc"][0]) for e in exc.errors() if e.get("loc"))
            typer.echo(f"warning: invalid settings ({fields}); using defaults", err=True)
            settings = Settings.model_construct()
        max_resources = settings.mcp_scan_max_resources if max_resources is None else max_resources
        max_bytes = settings.mcp_scan_max_resource_bytes if max_bytes is None else max_bytes
    try:
        return ContentLimits(
            enabled=not no_contents, max_resources=max_resources, max_resource_bytes=max_bytes
        )
    except ValueError as exc:
        _fail(str(exc))


def _command_label(words: list[str], index: int, total: int) -> str:
    """Readable name for a --server: the script or package it runs, not the interpreter."""
    from threatvec.mcp.identity import _SCRIPT_SUFFIXES as SCRIPT_SUFFIXES
    from threatvec.mcp.identity import parse_package

    package, _rest = parse_package(words[0], words[1:])
    if package is not None:
        label = package.name
    else:
        # The script an interpreter runs (`python server.py`, `node dist/index.js`,
        # `python -m pkg`); a plain argument (`--port 3000`, `sleep 100`) is not a name.
        args = words[1:]
        python = Path(words[0]).name.lower().startswith("python")
        module = args[args.index("-m") + 1] if python and "-m" in args[:-1] else None
        scripts = [
            w for w in args if not w.startswith("-") and Path(w).suffix.lower() in SCRIPT_SUFFIXES
        ]
        label = module or (Path(scripts[0]).name if scripts else Path(words[0]).name)
    return f"{label}#{index + 1}" if total > 1 else label


def _consent(specs: list[ServerSpec], yes: bool) -> set[int]:
    """Indexes of config-sourced stdio servers the user agreed to start."""
    pending = [
        i for i, s in enumerate(specs) if s.transport == "stdio" and s.source and not s.disabled
    ]
    if yes or not pending:
        return set(pending)
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return set()
    typer.echo(
        "These local commands from MCP configurations will be started to list their tools:",
        err=True,
    )
    for i in pending:
        # Names and commands come from config files a cloned project may ship.
        shown = visible_snippet(f"{specs[i].name}: {specs[i].display_target()}", limit=300)
        typer.echo(f"  {shown}", err=True)
    return set(pending) if typer.confirm("Start them?", default=False, err=True) else set()


def _post_report(report: dict[str, Any], url: str | None, org_key: str | None) -> str | None:
    """Send the report; returns an error line or None."""
    if not url:
        return "--report needs THREATVEC_URL (or --threatvec-url)"
    import httpx

    endpoint = url.rstrip("/") + "/api/v1/mcp/scans"
    headers = {"X-Org-Key": org_key} if org_key else {}
    try:
        response = httpx.post(endpoint, json=report, headers=headers, timeout=30.0)
    except httpx.HTTPError as exc:
        return f"could not send the report to {endpoint}: {type(exc).__name__}"
    if response.status_code >= 300:
        return f"the server refused the report: HTTP {response.status_code} from {endpoint}"
    try:
        rejected = response.json().get("rejected") or []
    except (ValueError, AttributeError):
        rejected = []
    if rejected:
        # Accepted in part: the servers left out are in no inventory and
        # raise no alert, so the run must not look like a clean send.
        reasons = "; ".join(
            f"{entry.get('name') or '#' + str(entry.get('index'))}: {entry.get('reason')}"
            for entry in rejected[:5]
            if isinstance(entry, dict)
        )
        shown = visible_snippet(reasons, limit=600)  # the reply's text, kept off the terminal
        return f"the server stored the report but rejected {len(rejected)} server(s): {shown}"
    return None


@app.command("scan")
def scan(
    configs: list[Path] = typer.Argument(
        None, help="MCP config files to read; none: discover the usual clients' configs."
    ),
    server: list[str] = typer.Option([], "--server", help="Scan one local command: 'CMD ARGS'."),
    url: list[str] = typer.Option([], "--url", help="Scan one remote server (streamable HTTP)."),
    header: list[str] = typer.Option([], "--header", help="'Name: value' sent to --url servers."),
    sse: bool = typer.Option(False, "--sse", help="--url servers use the legacy SSE transport."),
    static: list[Path] = typer.Option([], "--static", help="Saved initialize/tools/list JSON."),
    json_out: bool = typer.Option(False, "--json", help="Print the JSON report on stdout."),
    sarif: Path | None = typer.Option(None, "--sarif", help="Write a SARIF 2.1.0 file."),
    fail_on: str = typer.Option("high", "--fail-on", help="Exit 1 at this severity or above."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Consent to start config servers (CI)."),
    timeout: float = typer.Option(DEFAULT_TIMEOUT, "--timeout", min=1, help="Seconds per server."),
    concurrency: int = typer.Option(4, "--concurrency", min=1, max=32),
    baseline: Path | None = typer.Option(
        None, "--baseline", help="An earlier --json report; its snapshots count as approved pins."
    ),
    accept: Path | None = typer.Option(
        None,
        "--accept",
        help='Accepted flows (JSON list of {"scope", "tools"?, "reason"}): trifectas they cover '
        "are reported as suppressed and do not fail the run.",
    ),
    no_contents: bool = typer.Option(
        False, "--no-contents", help="Do not read prompt bodies or resource texts."
    ),
    max_resources: int | None = typer.Option(
        None,
        "--max-resources",
        min=0,
        max=1000,
        help="Resources read per server (default 20, THREATVEC_MCP_SCAN_MAX_RESOURCES).",
    ),
    max_resource_bytes: int | None = typer.Option(
        None,
        "--max-resource-bytes",
        min=1,
        max=1024 * 1024,
        help="Bytes kept per resource text (default 65536, THREATVEC_MCP_SCAN_MAX_RESOURCE_BYTES).",
    ),
    report: bool = typer.Option(False, "--report", help="POST the result to the ThreatVec server."),
    threatvec_url: str | None = typer.Option(None, "--threatvec-url", envvar="THREATVEC_URL"),
    org_key: str | None = typer.Option(None, "--org-key", envvar="THREATVEC_ORG_KEY"),
) -> None:
    """Scan MCP servers and report hidden instructions, changes, risky tool combinations."""
    if fail_on.lower() not in SEVERITIES:
        _fail(f"--fail-on must be one of {', '.join(SEVERITIES)}")
    limits = _content_limits(no_contents, max_resources, max_resource_bytes)
    headers = _parse_headers(header)
    if headers and not url:
        _fail("--header applies to --url servers")
    specs: list[ServerSpec] = []
    parsed: list[ConfigFile] = []
    explicit = bool(server or url or static)
    if configs:
        for path in configs:
            if not path.is_file():
                _fail(f"{path}: no such file")
            cfg = parse_config(path)
            if not cfg.servers and not cfg.errors:
                # Named on the command line, so the user expects servers in it.
                cfg.errors.append(
                    "no MCP servers in this file (expected an 'mcpServers', 'servers' or "
                    "'mcp.servers' object)"
                )
            parsed.append(cfg)
    elif not explicit:
        parsed = discover_configs()
    for cfg in parsed:
        specs.extend(cfg.servers)
    for i, command in enumerate(server):
        try:
            words = shlex.split(command)
        except ValueError as exc:
            _fail(f"--server: {exc}")
        if not words:
            _fail("--server needs a command")
        specs.append(
            ServerSpec(
                name=_command_label(words, i, len(server)),
                transport="stdio",
                command=words[0],
                args=tuple(words[1:]),
                scope="cli",
            )
        )
    for u in url:
        if not u.lower().startswith(("http://", "https://")):
            _fail("--url must be an http(s) URL")
        transport: Transport = "sse" if sse or u.rstrip("/").endswith("/sse") else "http"

        specs.append(
            ServerSpec(
                name=sanitize_url(u), transport=transport, url=u, headers=headers, scope="cli"
            )
        )
    for path in static:
        if not path.is_file():
            _fail(f"{path}: no such file")
        specs.append(
            ServerSpec(name=path.name, transport="static", static_path=str(path), scope="cli")
        )
    baselines = _load_baseline(baseline) if baseline else {}
    accepted = _load_accepted(accept) if accept else []

    if not specs and not any(c.errors for c in parsed):
        typer.echo("No MCP servers found in the usual client locations.", err=True)
        typer.echo("Looked in: " + ", ".join(str(c.path) for c in candidate_locations()), err=True)

    _quiet_sdk_logs()
    consented = _consent(specs, yes)
    allowed = {id(specs[i]) for i in consented}

    def allow(spec: ServerSpec) -> bool:
        return spec.source is None or id(spec) in allowed  # --server is consent by itself

    outcomes = _run_with_progress(
        specs, allow_stdio=allow, timeout=timeout, concurrency=concurrency, contents=limits
    )
    analysis = analyze_scan(
        outcomes,
        baselines=baselines,
        suppressions=accepted,
        require_approval=baseline is not None,
    )
    result = build_report(analysis, configs=parsed)

    if json_out:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        from rich.console import Console

        render_text(result, Console(highlight=False, soft_wrap=True))
    if sarif is not None:
        try:
            sarif.write_text(json.dumps(to_sarif(result), indent=2), encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {sarif}: {exc.strerror or exc}")
    code = exit_code(result, fail_on.lower())
    unconsented = sum(1 for o in outcomes if o.error == NEEDS_CONSENT)
    if unconsented:
        typer.echo(
            f"{unconsented} server(s) from configurations were not started: starting a local "
            "command needs consent (answer the prompt, or pass --yes in CI).",
            err=True,
        )
    if report:
        error = _post_report(result, threatvec_url, org_key)
        if error:
            typer.echo(f"error: {error}", err=True)
            code = max(code, EXIT_ERROR) if code != 1 else 1
        else:
            typer.echo("Report sent.", err=True)
    raise typer.Exit(code)


def _quiet_sdk_logs() -> None:
    """The report carries every server failure; the SDK's own tracebacks would repeat it raw."""
    import logging

    sdk = logging.getLogger("mcp")
    sdk.addHandler(logging.NullHandler())
    sdk.propagate = False


def _run_with_progress(specs: list[ServerSpec], **kwargs: Any) -> list[ScanOutcome]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]scanning MCP servers"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("", total=len(specs))

        def done(outcome: ScanOutcome) -> None:
            progress.update(task, advance=1, description=f"{outcome.spec.name}: {outcome.status}")

        return scan_servers_sync(specs, on_result=done, **kwargs)


@app.command("schema")
def print_schema() -> None:
    """Print the JSON Schema of the `--json` report (threatvec.mcp-scan/1)."""
    from threatvec.mcp.report_schema import REPORT_JSON_SCHEMA

    typer.echo(json.dumps(REPORT_JSON_SCHEMA, indent=2))


@app.command("configs")
def list_configs() -> None:
    """List the MCP configuration files found at the usual client locations."""
    found = {c.path: c for c in discover_configs()}
    for loc in candidate_locations():
        cfg = found.get(str(loc.path))
        if cfg is None:
            continue
        names = ", ".join(s.name for s in cfg.servers) or "-"
        typer.echo(f"{loc.client:15} {loc.scope:8} {loc.path}: {names}")
        for err in cfg.errors:
            typer.echo(f"    error: {err}")
    if not found:
        typer.echo("No MCP configurations found.")


if __name__ == "__main__":
    app()
