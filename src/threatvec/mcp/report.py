"""Scan reports: the versioned JSON document, the terminal report and SARIF 2.1.0.

`build_report(analysis, configs=...)` gives the JSON document (schema
``threatvec.mcp-scan/1``, see docs/mcp.md); `render_text` prints it with
rich; `to_sarif` turns it into a SARIF 2.1.0 log for code scanning;
`exit_code` applies `--fail-on`. Nothing here sees a secret: specs are
serialised through `ServerSpec.public_dict()`.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from threatvec.detect.normalize import visible_snippet
from threatvec.mcp.analysis import ScanAnalysis, ServerAnalysis
from threatvec.mcp.configs import ConfigFile
from threatvec.mcp.findings import RULES, SEVERITIES, max_severity, severity_rank
from threatvec.mcp.scanner import NEEDS_CONSENT

__all__ = [
    "REPORT_SCHEMA",
    "SARIF_SCHEMA_URI",
    "build_report",
    "exit_code",
    "render_text",
    "to_sarif",
]

REPORT_SCHEMA = "threatvec.mcp-scan/1"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}
_SECURITY_SEVERITY = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "0.0",
}


def _version() -> str:
    try:
        from threatvec._version import __version__

        return str(__version__)
    except (ImportError, AttributeError):
        return "0"


def _server_entry(s: ServerAnalysis) -> dict[str, Any]:
    o = s.outcome
    snap = o.snapshot
    return {
        "name": o.spec.name,
        "group": s.group,
        "spec": o.spec.public_dict(),
        "target": o.spec.display_target(),
        "identity": o.identity.to_dict(),
        "status": o.status,
        "error": o.error,
        "duration_ms": o.duration_ms,
        "server_info": snap.server_info if snap else None,
        "protocol_version": snap.protocol_version if snap else None,
        "tool_count": len(snap.tools) if snap else 0,
        "snapshot": snap.to_dict() if snap else None,
        "labels": [t.to_dict() for t in s.labels],
        "trust": s.trust.to_dict(),
        "covert_checked": s.covert_checked,
        "pin": s.pin.to_dict() if s.pin else None,
        "score": s.score.to_dict() if s.score else None,
        "findings": [_with_context(f, s) for f in s.findings],
    }


def _with_context(finding: Mapping[str, Any], s: ServerAnalysis) -> dict[str, Any]:
    out = dict(finding)
    out.setdefault("server", s.outcome.spec.name)
    out.setdefault("server_key", s.outcome.identity.key)
    out.setdefault("source", s.outcome.spec.source)
    out.setdefault("config_pointer", s.outcome.spec.pointer)
    return out


def build_report(
    analysis: ScanAnalysis,
    *,
    configs: Sequence[ConfigFile] = (),
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """The JSON report (schema `threatvec.mcp-scan/1`)."""
    servers = [_server_entry(s) for s in analysis.servers]
    findings = [f for entry in servers for f in entry["findings"]]
    findings += [dict(f) for f in analysis.findings]
    counts = Counter(f["severity"] for f in findings)
    statuses = Counter(s["status"] for s in servers)
    return {
        "schema": REPORT_SCHEMA,
        "generator": {"name": "threatvec", "version": _version()},
        "generated_at": (generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "covert_detector": analysis.covert_available,
        "configs": [c.to_dict() for c in configs],
        "servers": servers,
        "trifectas": [t.to_dict() for t in analysis.trifectas],
        "findings": findings,
        "summary": {
            "servers": len(servers),
            "ok": statuses.get("ok", 0),
            "errors": statuses.get("error", 0) + statuses.get("timeout", 0),
            "skipped": statuses.get("skipped", 0),
            "tools": sum(s["tool_count"] for s in servers),
            "prompt_bodies": sum(
                len((s["snapshot"] or {}).get("prompt_bodies") or {}) for s in servers
            ),
            "resource_texts": sum(
                len((s["snapshot"] or {}).get("resource_contents") or {}) for s in servers
            ),
            "findings": {sev: counts.get(sev, 0) for sev in reversed(SEVERITIES)},
            "max_severity": max_severity(f["severity"] for f in findings),
        },
    }


def exit_code(report: Mapping[str, Any], fail_on: str = "high") -> int:
    """1 at a finding at or above `fail_on`; else 2 if a server failed or went unscanned; else 0."""
    threshold = severity_rank(fail_on)
    if any(
        severity_rank(f["severity"]) >= threshold and not f.get("suppressed")
        for f in report["findings"]
    ):
        return 1
    if report["summary"]["errors"] or any(c.get("errors") for c in report.get("configs", [])):
        return 2
    if any(s["status"] == "skipped" and s.get("error") == NEEDS_CONSENT for s in report["servers"]):
        # Not scanned is not clean: a CI run without --yes must not pass.
        return 2
    return 0


# --- terminal ---------------------------------------------------------------

_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan",
          "info": "dim"}  # fmt: skip


def _shown(value: object) -> str:
    """Text from a config or a server, safe for a terminal.

    rich's ``escape`` only neutralises its own markup; escape sequences, bidi
    overrides and other invisible characters in a server's name or error text
    would still reach the terminal (retitle it, erase lines, print a fake
    "clean"), so they are shown escaped first.
    """
    from rich.markup import escape

    return escape(visible_snippet(str(value), limit=2000))


def render_text(report: Mapping[str, Any], console: Any) -> None:
    """Print the report with rich (`console` is a `rich.console.Console`)."""
    from rich.table import Table

    summary = report["summary"]
    for cfg in report.get("configs", []):
        line = f"[bold]{_shown(cfg['path'])}[/] ({_shown(cfg['client'])}, {_shown(cfg['scope'])}): "
        line += f"{len(cfg['servers'])} server(s)"
        console.print(line)
        for err in cfg.get("errors", []):
            console.print(f"  [red]config error:[/] {_shown(err)}")
    table = Table(title="MCP servers", show_lines=False)
    for col in ("server", "status", "tools", "trust", "score", "worst finding"):
        table.add_column(col)
    for s in report["servers"]:
        worst = max_severity(f["severity"] for f in s["findings"]) or "-"
        status = s["status"] if s["status"] == "ok" else f"[red]{s['status']}[/]"
        if s["status"] == "skipped":
            status = "[yellow]skipped[/]"
        table.add_row(
            _shown(s["name"]),
            status,
            str(s["tool_count"]),
            f"{s['trust']['level']} ({s['trust']['points']})",
            str(s["score"]["value"]) if s["score"] else "-",
            f"[{_STYLE.get(worst, '')}]{worst}[/]" if worst != "-" else "-",
        )
    console.print(table)
    for s in report["servers"]:
        if s["error"]:
            console.print(f"[bold]{_shown(s['name'])}[/]: {_shown(s['error'])}")
        for warning in (s.get("snapshot") or {}).get("warnings") or []:
            console.print(f"[bold]{_shown(s['name'])}[/]: [yellow]warning:[/] {_shown(warning)}")
        if not s["findings"]:
            continue
        console.print(f"\n[bold]{_shown(s['name'])}[/] — {_shown(s['target'])}")
        for f in sorted(s["findings"], key=lambda f: -severity_rank(f["severity"])):
            _print_finding(console, f)
    cross = [f for f in report["findings"] if "server" not in f]
    if cross:
        console.print("\n[bold]Across servers[/]")
        for f in cross:
            _print_finding(console, f)
    sev = summary["findings"]
    counts = ", ".join(f"{n} {k}" for k, n in sev.items() if n)
    console.print(
        f"\n{summary['servers']} server(s): {summary['ok']} scanned, {summary['errors']} failed, "
        f"{summary['skipped']} skipped; {summary['tools']} tool(s), "
        f"{summary.get('prompt_bodies', 0)} prompt body(ies) and "
        f"{summary.get('resource_texts', 0)} resource text(s) read; "
        f"findings: {counts or 'none'}"
    )
    if not report.get("covert_detector", True):
        console.print("[yellow]covert-instruction detector unavailable: definitions not checked[/]")


def _print_finding(console: Any, f: Mapping[str, Any]) -> None:
    sev = f["severity"]
    where = f.get("pointer") or ""
    console.print(
        f"  [{_STYLE.get(sev, '')}]{sev.upper():8}[/] {_shown(f['rule_id'])} "
        f"{_shown(where)}\n           {_shown(f['message'])}"
    )
    if f.get("snippet"):
        console.print(f"           [dim]{_shown(str(f['snippet'])[:160])}[/]")
    if f.get("suppressed"):
        console.print(f"           [dim]accepted: {_shown(f.get('suppressed_reason') or '')}[/]")


# --- SARIF ------------------------------------------------------------------


def _artifact_uri(source: str, base: Path) -> tuple[str, str | None]:
    path = Path(source)
    try:
        rel = path.resolve().relative_to(base.resolve())
        return rel.as_posix(), "%SRCROOT%"
    except (ValueError, OSError):
        return path.resolve().as_uri(), None


def _key_line(source: str, pointer: str) -> int | None:
    """Line of the server's key in its config file (best effort)."""
    if not pointer:
        return None
    name = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    try:
        text = Path(source).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    pattern = re.compile(r'"' + re.escape(name) + r'"\s*:')
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return number
    return None


def _file_artifact(source: str, base: Path) -> dict[str, Any]:
    uri, base_id = _artifact_uri(source, base)
    artifact: dict[str, Any] = {"uri": uri}
    if base_id:
        artifact["uriBaseId"] = base_id
    return artifact


def _pseudo_path(server: Mapping[str, Any] | None, fallback: str) -> tuple[str, bool]:
    """A repository-relative stand-in for a server named on the command line.

    Code scanning takes only paths (an ``https:`` URI is refused as an
    unrecognised scheme), so a URL becomes ``host_port/path`` and a command
    its label; `#`, `?` and spaces are percent-encoded. A saved listing
    (`--static`) is a real file: (its path, True).
    """
    from urllib.parse import quote, urlsplit

    spec = (server or {}).get("spec") or {}
    target = str((server or {}).get("target") or "")
    if spec.get("url"):
        parts = urlsplit(str(spec["url"]))
        host = (parts.hostname or "server") + (f"_{parts.port}" if parts.port else "")
        path = f"{host}{parts.path}".rstrip("/")
    elif spec.get("transport") == "static" and target.startswith("static file "):
        return target.removeprefix("static file "), True
    else:
        path = str(spec.get("name") or fallback or "server")
    return "mcp/" + quote(path.replace("\\", "/").lstrip("/"), safe="/"), False


def _artifact_of(
    f: Mapping[str, Any],
    by_key: Mapping[str, Mapping[str, Any]],
    by_group: Mapping[str, Sequence[Mapping[str, Any]]],
    base: Path,
) -> tuple[dict[str, Any], int]:
    """Artifact and start line of a finding: its config file, else a stand-in path."""
    source = f.get("source")
    pointer = str(f.get("config_pointer") or "")
    server = by_key.get(str(f.get("server_key")))
    if not source and f.get("scope") is not None:
        # A finding across servers (trifecta, collision) is about the
        # configuration they share: its file, at the first member's entry.
        members = by_group.get(str(f["scope"])) or []
        with_file = [m for m in members if (m.get("spec") or {}).get("source")]
        if with_file:
            source = with_file[0]["spec"]["source"]
            pointer = str(with_file[0]["spec"].get("pointer") or "")
        elif members:
            server = members[0]
    if source:
        artifact = _file_artifact(str(source), base)
        return artifact, _key_line(str(source), pointer) or 1
    path, is_file = _pseudo_path(server, str(f.get("server") or f.get("scope") or ""))
    if is_file:
        return _file_artifact(path, base), 1
    return {"uri": path, "uriBaseId": "%SRCROOT%"}, 1


def _rule(rule_id: str, sample: Mapping[str, Any], worst: str) -> dict[str, Any]:
    """The SARIF rule; `worst` is the highest severity of its results in this run.

    GitHub ranks every alert of a rule by the rule's `security-severity`, so
    a rule default below a result (a critical rug pull under a high rule)
    would show that alert one grade lower than the JSON report says.
    """
    name, _default, description = RULES.get(
        rule_id, (rule_id, sample.get("severity", "medium"), sample.get("message", ""))
    )
    tags = (
        ["security", "mcp"]
        + [str(x) for x in sample.get("atlas", [])]
        + [str(x) for x in sample.get("owasp", [])]
    )
    return {
        "id": rule_id,
        "name": re.sub(r"[^A-Za-z0-9]+", "", name.title()) or rule_id,
        "shortDescription": {"text": name or rule_id},
        "fullDescription": {"text": description or name or rule_id},
        "defaultConfiguration": {"level": _SARIF_LEVEL.get(worst, "warning")},
        "help": {"text": description or name or rule_id},
        "properties": {
            "security-severity": _SECURITY_SEVERITY.get(worst, "5.5"),
            "tags": sorted(set(tags)),
        },
    }


def to_sarif(report: Mapping[str, Any], *, base_dir: Path | None = None) -> dict[str, Any]:
    """SARIF 2.1.0 log of the report's findings (one run, one rule per rule id)."""
    base = base_dir or Path.cwd()
    findings: list[Mapping[str, Any]] = report["findings"]
    rule_ids: list[str] = []
    samples: dict[str, Mapping[str, Any]] = {}
    worst: dict[str, str] = {}
    for f in findings:
        if f["rule_id"] not in samples:
            rule_ids.append(f["rule_id"])
            samples[f["rule_id"]] = f
        rid = f["rule_id"]
        worst[rid] = max_severity([worst.get(rid, "info"), str(f["severity"])]) or "info"
    rule_index = {rid: i for i, rid in enumerate(rule_ids)}
    by_key: dict[str, Mapping[str, Any]] = {}
    by_group: dict[str, list[Mapping[str, Any]]] = {}
    for s in report.get("servers", []):
        by_key.setdefault(str((s.get("identity") or {}).get("key")), s)
        by_group.setdefault(str(s.get("group")), []).append(s)
    results: list[dict[str, Any]] = []
    for f in findings:
        sev = str(f["severity"])
        artifact, line = _artifact_of(f, by_key, by_group, base)
        # A cross-server finding is located in its configuration (the scope).
        logical = (f.get("config_pointer") or "") + (f.get("pointer") or "") or str(
            f.get("scope") or ""
        )
        result: dict[str, Any] = {
            "ruleId": f["rule_id"],
            "ruleIndex": rule_index[f["rule_id"]],
            "level": _SARIF_LEVEL.get(sev, "warning"),
            "message": {"text": f"{f.get('server', f.get('scope', 'MCP'))}: {f['message']}"},
            "partialFingerprints": {
                # The file is part of the identity: the same server (or a
                # trifecta) in two configs is two alerts, not one.
                "threatvecFinding/v2": hashlib.sha256(
                    "|".join(
                        str(x)
                        for x in (
                            f["rule_id"],
                            f.get("server_key"),
                            f.get("pointer"),
                            f.get("tool"),
                            artifact["uri"],
                        )
                    ).encode()
                ).hexdigest()
            },
            "properties": {
                "severity": sev,
                "security-severity": _SECURITY_SEVERITY.get(sev, "5.5"),
                "pointer": f.get("pointer") or "",
                "server": f.get("server"),
                "serverKey": f.get("server_key"),
                "atlas": list(f.get("atlas", [])),
                "owasp": list(f.get("owasp", [])),
            },
        }
        if f.get("suppressed"):
            result["suppressions"] = [
                {"kind": "external", "justification": str(f.get("suppressed_reason") or "")}
            ]
        # GitHub code scanning refuses a whole upload when one result has no
        # location with an artifact URI ("locationFromSarifResult: expected at
        # least one location"), and shows a result only with a start line.
        location: dict[str, Any] = {
            "physicalLocation": {"artifactLocation": artifact, "region": {"startLine": line}}
        }
        if logical:
            location["logicalLocations"] = [
                {"fullyQualifiedName": logical, "kind": "member" if f.get("tool") else "module"}
            ]
        result["locations"] = [location]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ThreatVec MCP scan",
                        "semanticVersion": _version(),
                        "rules": [_rule(rid, samples[rid], worst[rid]) for rid in rule_ids],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": base.resolve().as_uri() + "/"}},
                "results": results,
                "properties": {"schema": REPORT_SCHEMA},
            }
        ],
    }
