"""Putting the pieces together: from scan outcomes to findings, labels, trust and scores.

`analyze_scan(outcomes)` is what the CLI runs and what a server-side job can
run on outcomes it got elsewhere. Servers are grouped by the configuration
they came from (a config file and, for Claude Code's per-project entries,
the project); the trifecta and cross-server shadowing are judged per group.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import urlsplit

from threatvec.mcp.configs import json_pointer
from threatvec.mcp.diff import SnapshotDiff, diff_snapshots
from threatvec.mcp.findings import covert_module, finding_from_detector, make_finding
from threatvec.mcp.labels import Suppression, ToolLabels, Trifecta, find_trifectas, label_tools
from threatvec.mcp.redact import redact_args
from threatvec.mcp.scanner import ScanOutcome
from threatvec.mcp.scoring import McpScore, score_server
from threatvec.mcp.snapshot import ServerSnapshot
from threatvec.mcp.trust import TrustAssessment, assess_trust

__all__ = [
    "Baseline",
    "ScanAnalysis",
    "ServerAnalysis",
    "analyze_scan",
    "analyze_server",
    "command_line_scope",
    "covert_findings",
    "group_of",
    "is_legacy_scope",
    "tool_collisions",
]


@dataclass(frozen=True)
class Baseline:
    """An earlier snapshot of a server (stored dict or `ServerSnapshot`); approved or not."""

    snapshot: ServerSnapshot | Mapping[str, Any] | None
    approved: bool = False


@dataclass
class ServerAnalysis:
    """Everything the scan concluded about one server."""

    outcome: ScanOutcome
    group: str
    trust: TrustAssessment
    findings: list[dict[str, Any]] = field(default_factory=list)
    labels: list[ToolLabels] = field(default_factory=list)
    covert_checked: bool = False
    pin: SnapshotDiff | None = None
    score: McpScore | None = None

    @property
    def name(self) -> str:
        return self.outcome.spec.name


@dataclass
class ScanAnalysis:
    """Analyses of all servers plus the cross-server results."""

    servers: list[ServerAnalysis]
    trifectas: list[Trifecta]
    findings: list[dict[str, Any]]  # cross-server findings (trifecta, collisions)
    covert_available: bool


COMMAND_LINE = "command line"


def command_line_scope(outcomes: Sequence[ScanOutcome]) -> str:
    """Scope of the servers one run named on its command line (`--server/--url/--static`).

    Keyed by the set of their identities, so two runs naming different servers
    are two scopes; the labels keep it readable.
    """
    keys = sorted({o.identity.key for o in outcomes})
    digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:12]
    label = ", ".join(sorted({o.spec.name for o in outcomes}))
    if len(label) > 200:
        label = label[:199] + "…"
    return f"{COMMAND_LINE}: {label} [{digest}]"


def group_of(outcome: ScanOutcome, *, command_line: Sequence[ScanOutcome] = ()) -> str:
    """The configuration a server belongs to (trifecta and shadowing scope).

    A config file is keyed by its absolute path (plus the project for Claude
    Code's per-project entries), so every project's `.mcp.json` is its own
    scope; a server from the command line by `command_line_scope` of
    `command_line` (default: the server alone).
    """
    spec = outcome.spec
    if spec.source is None:
        return command_line_scope(command_line or [outcome])
    try:
        path = os.path.abspath(spec.source)
    except OSError:  # the current folder is gone: the path as typed is all there is
        path = spec.source
    if spec.scope and spec.scope.startswith("local:"):
        return f"{path} (project {spec.scope.removeprefix('local:')})"
    return path


def is_legacy_scope(scope: str) -> bool:
    """A configuration scope keyed the old way: a relative config path or the shared command line.

    Such keys merged unrelated projects; the inventory retires them once a
    server is reported under a current key.
    """
    if scope == COMMAND_LINE:
        return True
    if scope == "report" or scope.startswith(("agent:", COMMAND_LINE + ": ")):
        return False
    return not (PurePosixPath(scope).is_absolute() or PureWindowsPath(scope).is_absolute())


def tool_collisions(
    scope: str, servers: Iterable[tuple[str, str, Iterable[str]]]
) -> list[dict[str, Any]]:
    """`TV-MCP-TOOL-COLLISION` for every tool name two different servers offer.

    `servers` holds (identity key, label, tool names); labels of one identity
    are one server, and one label on two identities names both apart.
    """
    labels: dict[str, set[str]] = defaultdict(set)
    owners: dict[str, set[str]] = defaultdict(set)
    for key, label, tools in servers:
        labels[key].add(label)
        for tool in tools:
            owners[tool].add(key)
    shown = {key: min(names) for key, names in labels.items()}
    uses = Counter(shown.values())
    for key, name in shown.items():
        if uses[name] > 1:
            shown[key] = f"{name} ({key.removeprefix('mcp:')[:8]})"
    out: list[dict[str, Any]] = []
    for tool, keys in sorted(owners.items()):
        if len(keys) > 1:
            out.append(
                make_finding(
                    "TV-MCP-TOOL-COLLISION",
                    f"tool {tool!r} is offered by {', '.join(sorted(shown[k] for k in keys))}",
                    tool=tool,
                    scope=scope,
                )
            )
    return out


# Characters of one server's definitions and texts the covert detector reads.
# Real servers list far less (a few hundred kilobytes at most); a server that
# lists megabytes would otherwise hold a scan (and a CI job) for minutes, so
# the rest is reported unchecked instead (TV-MCP-OVERSIZE).
COVERT_BUDGET_CHARS = 2_000_000


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str))


def covert_findings(
    snapshot: ServerSnapshot,
    *,
    other_servers_tool_names: Iterable[str] = (),
    budget_chars: int = COVERT_BUDGET_CHARS,
) -> list[dict[str, Any]] | None:
    """Covert findings for every text a server shows; None without the detector."""
    covert = covert_module()
    if covert is None:
        return None
    own = [t["name"] for t in snapshot.tools]
    others = sorted(set(other_servers_tool_names) - set(own))
    out: list[dict[str, Any]] = []
    left = budget_chars
    skipped: list[str] = []
    for tool in snapshot.tools:
        size = _size(tool)
        if size > left:
            skipped.append(json_pointer("tools", tool["name"]))
            continue
        left -= size
        base = json_pointer("tools", tool["name"])
        result = covert.scan_tool(
            dict(tool), server_tool_names=own, other_servers_tool_names=others
        )
        for f in result.findings:
            item = finding_from_detector(f, pointer_prefix=base)
            item["tool"] = tool["name"]
            item["verdict"] = result.verdict
            out.append(item)
    texts: list[tuple[str, str]] = []
    if snapshot.instructions:
        texts.append(("/instructions", snapshot.instructions))
    for key, items in (
        ("prompts", snapshot.prompts),
        ("resources", snapshot.resources),
        ("resource_templates", snapshot.resource_templates),
    ):
        for item in items:
            ident = str(item.get("name") or item.get("uri") or item.get("uriTemplate"))
            for field_name in ("title", "description"):
                if isinstance(item.get(field_name), str):
                    texts.append((json_pointer(key, ident, field_name), item[field_name]))
            for i, arg in enumerate(item.get("arguments") or []):
                if isinstance(arg, Mapping) and isinstance(arg.get("description"), str):
                    texts.append(
                        (
                            json_pointer(key, ident, "arguments", i, "description"),
                            arg["description"],
                        )
                    )
    # What the scanner read (issue #4): prompt bodies and resource texts, each
    # string at its own pointer into the snapshot.
    for name, body in snapshot.prompt_bodies.items():
        texts.extend(_body_texts(body, ("prompt_bodies", name)))
    for uri, entry in snapshot.resource_contents.items():
        for i, item in enumerate(entry.get("contents") or []):
            if isinstance(item, Mapping) and isinstance(item.get("text"), str):
                texts.append(
                    (json_pointer("resource_contents", uri, "contents", i, "text"), item["text"])
                )
    for pointer, text in texts:
        if len(text) > left:
            skipped.append(pointer)
            continue
        left -= len(text)
        for f in covert.scan_text(text, pointer=""):
            out.append(finding_from_detector(f, pointer_prefix=pointer))
    if skipped:
        out.append(
            make_finding(
                "TV-MCP-OVERSIZE",
                f"{len(skipped)} definition(s) or text(s) beyond the first "
                f"{budget_chars:,} characters were not checked for hidden instructions",
                pointer=skipped[0],
                unchecked=skipped[:50],
            )
        )
    return out


# Keys of a prompt body whose strings are protocol vocabulary or digests, not
# text a model reads as instructions.
_NON_PROSE_KEYS = frozenset({"type", "role", "mimeType", "uri", "dataSha256", "blobSha256"})


def _body_texts(value: Any, path: tuple[str | int, ...]) -> list[tuple[str, str]]:
    """(pointer, text) for every prose string of a prompt body."""
    if isinstance(value, str):
        return [(json_pointer(*path), value)] if value.strip() else []
    if isinstance(value, Mapping):
        return [
            t
            for k, v in value.items()
            if k not in _NON_PROSE_KEYS
            for t in _body_texts(v, (*path, str(k)))
        ]
    if isinstance(value, list):
        return [t for i, v in enumerate(value) for t in _body_texts(v, (*path, i))]
    return []


def _config_findings(outcome: ScanOutcome) -> list[dict[str, Any]]:
    spec = outcome.spec
    out: list[dict[str, Any]] = []
    if spec.url:
        parts = urlsplit(spec.url)
        host = parts.hostname or ""
        if parts.scheme == "http" and host not in {"localhost", "127.0.0.1", "::1"}:
            out.append(
                make_finding(
                    "TV-MCP-INSECURE-TRANSPORT",
                    f"{spec.name} is reached over plain http ({host})",
                    pointer=spec.pointer,
                )
            )
    if spec.args and redact_args(spec.args) != list(spec.args):
        hidden = sum(1 for a, b in zip(spec.args, redact_args(spec.args), strict=True) if a != b)
        out.append(
            make_finding(
                "TV-MCP-SECRET-IN-ARGS",
                f"{spec.name}: {hidden} argument(s) look like credentials; pass them in env",
                pointer=spec.pointer + "/args",
            )
        )
    if outcome.status in {"error", "timeout"}:
        out.append(
            make_finding("TV-MCP-SCAN-ERROR", f"{spec.name}: {outcome.error}", pointer=spec.pointer)
        )
    return out


def analyze_server(
    outcome: ScanOutcome,
    *,
    other_servers_tool_names: Iterable[str] = (),
    baseline: Baseline | None = None,
    allowlist: Mapping[str, Iterable[str]] | None = None,
    history: Sequence[SnapshotDiff | Mapping[str, Any]] | None = None,
    group: str | None = None,
    require_approval: bool = False,
) -> ServerAnalysis:
    """Findings, labels, trust, pin diff and score for one scanned server.

    With `require_approval` (a run against an approved baseline) a server
    without a baseline was never approved: `TV-MCP-UNAPPROVED`, not clean.
    """
    snap = outcome.snapshot
    server_hash = snap.server_hash if snap else None
    trust = assess_trust(outcome.identity, server_hash=server_hash, allowlist=allowlist)
    result = ServerAnalysis(outcome, group or group_of(outcome), trust)
    result.findings.extend(_config_findings(outcome))
    if snap is None:
        return result
    covert = covert_findings(snap, other_servers_tool_names=other_servers_tool_names)
    result.covert_checked = covert is not None
    result.findings.extend(covert or [])
    if baseline is not None:
        result.pin = diff_snapshots(baseline.snapshot, snap, approved=baseline.approved)
        result.findings.extend(result.pin.findings)
    elif require_approval:
        result.pin = diff_snapshots(None, snap, approved=False)
        result.findings.append(
            make_finding(
                "TV-MCP-UNAPPROVED",
                f"{outcome.spec.name} is not in the approved baseline: never approved or pinned",
            )
        )
    result.labels = label_tools(outcome.spec.name, outcome.identity.key, snap.tools)
    result.score = score_server(
        covert_findings=covert, trust=trust, pin=result.pin, history=history
    )
    return result


def analyze_scan(
    outcomes: Sequence[ScanOutcome],
    *,
    baselines: Mapping[str, Baseline] | None = None,
    suppressions: Sequence[Suppression] = (),
    allowlist: Mapping[str, Iterable[str]] | None = None,
    include_default_labels: bool = False,
    require_approval: bool = False,
) -> ScanAnalysis:
    """Analyse every outcome; `baselines` maps identity keys to earlier snapshots.

    `require_approval`: `baselines` is the approved set, so a scanned server
    missing from it is reported (`TV-MCP-UNAPPROVED`).
    """
    baselines = baselines or {}
    command_line = [o for o in outcomes if o.spec.source is None]
    groups: dict[str, list[ScanOutcome]] = defaultdict(list)
    for o in outcomes:
        groups[group_of(o, command_line=command_line)].append(o)
    servers: list[ServerAnalysis] = []
    cross: list[dict[str, Any]] = []
    by_group: dict[str, list[ToolLabels]] = defaultdict(list)
    for group, members in groups.items():
        names_by_server = {
            id(o): [t["name"] for t in o.snapshot.tools] if o.snapshot else [] for o in members
        }
        labelled: set[str] = set()
        for o in members:
            # A second label for the same server is not another server: its
            # tools neither shadow nor collide with themselves.
            others = [
                n
                for m in members
                if m.identity.key != o.identity.key
                for n in names_by_server[id(m)]
            ]
            analysis = analyze_server(
                o,
                other_servers_tool_names=others,
                baseline=baselines.get(o.identity.key),
                allowlist=allowlist,
                group=group,
                require_approval=require_approval,
            )
            servers.append(analysis)
            if analysis.labels and o.identity.key not in labelled:
                labelled.add(o.identity.key)
                by_group[group].extend(analysis.labels)
        cross.extend(
            tool_collisions(
                group, [(o.identity.key, o.spec.name, names_by_server[id(o)]) for o in members]
            )
        )
    trifectas = find_trifectas(
        by_group, suppressions=suppressions, include_defaults=include_default_labels
    )
    cross.extend(t.finding() for t in trifectas)
    order = {id(o): i for i, o in enumerate(outcomes)}
    servers.sort(key=lambda s: order[id(s.outcome)])
    return ScanAnalysis(servers, trifectas, cross, covert_module() is not None)
