"""Findings: one dict shape for everything the MCP scan reports, and the rule catalog.

A finding is a plain JSON object::

    {"rule_id": "TV-MCP-RUGPULL", "severity": "high", "message": "...",
     "pointer": "/tools/search/description", "snippet": "...",
     "atlas": ["AML.T0010"], "owasp": ["LLM03:2025"], ...context keys}

Covert-instruction findings from `threatvec.detect.covert` are converted to
this shape (their rule ids are kept); the scan adds `server`, `server_key`
and `tool` as context.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "RULES",
    "SEVERITIES",
    "covert_module",
    "finding_from_detector",
    "make_finding",
    "max_severity",
    "severity_rank",
]

SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")

# rule id -> (short name, default severity, description). Covert rule ids come
# from the detector and are described from its findings at report time.
RULES: dict[str, tuple[str, str, str]] = {
    "TV-MCP-RUGPULL": (
        "Rug pull",
        "high",
        "A server's tool definitions changed after they were approved and pinned.",
    ),
    "TV-MCP-CHANGE": (
        "Definition changed",
        "low",
        "A server's definitions changed since the last snapshot (not approved yet).",
    ),
    "TV-MCP-PIN-CORRUPT": (
        "Corrupt pin",
        "high",
        "The stored pin is malformed or does not match its own content; the server is untrusted.",
    ),
    # High, like a corrupt pin: an approved server whose pin is gone cannot be
    # told apart from one whose pin was deleted to hide a change.
    "TV-MCP-PIN-MISSING": (
        "Missing pin",
        "high",
        "The server was approved but no pinned snapshot exists; the server is untrusted.",
    ),
    "TV-MCP-UNAPPROVED": (
        "Not approved",
        "medium",
        "The server is not in the approved baseline (never pinned); nothing vouches for its "
        "definitions.",
    ),
    "TV-MCP-TRIFECTA": (
        "Lethal trifecta",
        "high",
        "Tools in one configuration together read private data, take in untrusted content and "
        "can send data out.",
    ),
    "TV-MCP-TOOL-COLLISION": (
        "Tool name collision",
        "medium",
        "Two servers in one configuration offer a tool with the same name; "
        "one can shadow the other.",
    ),
    "TV-MCP-INSECURE-TRANSPORT": (
        "Unencrypted remote server",
        "medium",
        "A remote MCP server is reached over plain http.",
    ),
    "TV-MCP-SECRET-IN-ARGS": (
        "Secret on the command line",
        "medium",
        "A credential is passed as a command-line argument, visible to every "
        "local user in the process list.",
    ),
    "TV-MCP-SCAN-ERROR": (
        "Server could not be scanned",
        "info",
        "The server failed to start, answer or list its tools within the time limit.",
    ),
    "TV-MCP-OVERSIZE": (
        "Definitions too large to check",
        "medium",
        "A server lists more text than the covert detector reads per server; what lies "
        "beyond the limit was not checked for hidden instructions.",
    ),
    "TV-MCP-COVERT-UNAVAILABLE": (
        "Covert detector unavailable",
        "info",
        "threatvec.detect.covert could not be imported; definitions were not "
        "checked for hidden instructions.",
    ),
}

_ATLAS = {
    "TV-MCP-RUGPULL": ["AML.T0010", "AML.T0104"],
    "TV-MCP-CHANGE": ["AML.T0010"],
    "TV-MCP-PIN-CORRUPT": ["AML.T0010"],
    "TV-MCP-PIN-MISSING": ["AML.T0010"],
    "TV-MCP-UNAPPROVED": ["AML.T0010"],
    "TV-MCP-SECRET-IN-ARGS": ["AML.T0083"],
    "TV-MCP-TRIFECTA": ["AML.T0086", "AML.T0053"],
    "TV-MCP-TOOL-COLLISION": ["AML.T0053"],
    "TV-MCP-OVERSIZE": ["AML.T0051.001"],
}
_OWASP = {
    "TV-MCP-RUGPULL": ["LLM03:2025"],
    "TV-MCP-PIN-CORRUPT": ["LLM03:2025"],
    "TV-MCP-PIN-MISSING": ["LLM03:2025"],
    "TV-MCP-UNAPPROVED": ["LLM03:2025"],
    "TV-MCP-TRIFECTA": ["LLM06:2025", "LLM02:2025"],
    "TV-MCP-TOOL-COLLISION": ["LLM06:2025"],
    "TV-MCP-SECRET-IN-ARGS": ["LLM02:2025"],
}


def severity_rank(severity: str) -> int:
    """0 (info) … 4 (critical); unknown strings rank as medium."""
    try:
        return SEVERITIES.index(str(severity).lower())
    except ValueError:
        return 2


def max_severity(severities: Iterable[str]) -> str | None:
    """Highest severity in `severities`, or None when empty."""
    best: str | None = None
    for sev in severities:
        if best is None or severity_rank(sev) > severity_rank(best):
            best = str(sev).lower()
    return best


def make_finding(
    rule_id: str, message: str, *, severity: str | None = None, pointer: str = "", **context: Any
) -> dict[str, Any]:
    """A finding of one of the scan's own rules."""
    default = RULES.get(rule_id, ("", "medium", ""))[1]
    finding: dict[str, Any] = {
        "rule_id": rule_id,
        "severity": (severity or default).lower(),
        "message": message,
        "pointer": pointer,
        "snippet": context.pop("snippet", ""),
        "atlas": list(_ATLAS.get(rule_id, [])),
        "owasp": list(_OWASP.get(rule_id, [])),
    }
    finding.update(context)
    return finding


def covert_module() -> Any | None:
    """`threatvec.detect.covert`, or None while it is not installed (imported lazily)."""
    try:
        from threatvec.detect import covert
    except ImportError:
        return None
    if not hasattr(covert, "scan_tool") or not hasattr(covert, "scan_text"):
        return None
    return covert


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def finding_from_detector(finding: Any, *, pointer_prefix: str = "") -> dict[str, Any]:
    """Convert a covert-detector `Finding` (object or dict) to the scan's finding shape."""
    raw: Mapping[str, Any]
    if isinstance(finding, Mapping):
        raw = finding
    elif hasattr(finding, "to_dict"):
        raw = finding.to_dict()
    else:
        raw = {
            k: getattr(finding, k, None)
            for k in ("rule_id", "severity", "pointer", "snippet", "message", "atlas", "owasp")
        }

    def ids(value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        return [str(_plain(v)) for v in value]

    pointer = str(raw.get("pointer") or "")
    return {
        "rule_id": str(raw.get("rule_id") or "TV-COVERT"),
        "severity": str(_plain(raw.get("severity")) or "medium").lower(),
        "message": str(raw.get("message") or ""),
        "pointer": pointer_prefix + pointer
        if pointer_prefix and not pointer.startswith(pointer_prefix)
        else pointer,
        "snippet": str(raw.get("snippet") or ""),
        "atlas": ids(raw.get("atlas")),
        "owasp": ids(raw.get("owasp")),
    }
