"""Catalog trust: where a server comes from, as a level with points and a reason.

| level | points | when |
|---|---|---|
| `allowlisted` | 100 | the org approved this identity and its current server hash matches |
| `official` | 100 | a reference server of the MCP project at a known version |
| `official_unpinned` | 85 | a reference server at a floating version (`npx -y @mcp/server-x`) |
| `pinned_package` | 70 | an npm / PyPI / container package at an exact version or digest |
| `local_script` | 50 | a command or script on this machine; provenance is whoever put it there |
| `local_url` | 50 | an HTTP server on loopback |
| `unpinned_package` | 35 | a package at whatever version is newest (`npx -y pkg`, `uvx pkg`) |
| `unknown_url` | 25 | a remote HTTPS server nobody vouched for |
| `insecure_url` | 10 | a remote server over plain http |
| `static` | 30 | a saved listing: nothing is known about where it came from |

An allowlist entry whose hash does not match the scanned server gives no
bonus (the server is judged by its other evidence) and says so.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from threatvec.mcp.identity import ServerIdentity

__all__ = ["OFFICIAL_NPM", "OFFICIAL_PYPI", "TRUST_POINTS", "TrustAssessment", "assess_trust"]

TRUST_POINTS: dict[str, int] = {
    "allowlisted": 100,
    "official": 100,
    "official_unpinned": 85,
    "pinned_package": 70,
    "local_script": 50,
    "local_url": 50,
    "unpinned_package": 35,
    "static": 30,
    "unknown_url": 25,
    "insecure_url": 10,
}

# Reference servers published by the MCP project (modelcontextprotocol/servers).
OFFICIAL_PYPI = frozenset({"mcp-server-time", "mcp-server-fetch", "mcp-server-git"})
OFFICIAL_NPM_SCOPE = "@modelcontextprotocol/"
OFFICIAL_NPM = frozenset(
    {
        "@modelcontextprotocol/server-everything",
        "@modelcontextprotocol/server-filesystem",
        "@modelcontextprotocol/server-memory",
        "@modelcontextprotocol/server-sequential-thinking",
    }
)


@dataclass(frozen=True)
class TrustAssessment:
    """Catalog trust of one server."""

    level: str
    points: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "points": self.points, "reason": self.reason}


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _level(level: str, reason: str) -> TrustAssessment:
    return TrustAssessment(level, TRUST_POINTS[level], reason)


def assess_trust(
    identity: ServerIdentity,
    *,
    server_hash: str | None = None,
    allowlist: Mapping[str, Iterable[str]] | None = None,
) -> TrustAssessment:
    """Trust level of the server `identity` names.

    `allowlist` maps identity keys to the server hashes the org approved.
    """
    if allowlist and identity.key in allowlist:
        approved = set(allowlist[identity.key])
        if server_hash is not None and server_hash in approved:
            return _level("allowlisted", "on the org allowlist with a matching pinned hash")
        base = assess_trust(identity)
        return TrustAssessment(
            base.level,
            base.points,
            base.reason + "; on the org allowlist, but its current hash is not an approved one",
        )
    pkg = identity.package
    if identity.transport == "static":
        return _level("static", "saved listing; no launch recipe, so no provenance")
    if pkg is not None:
        official = (pkg.ecosystem == "pypi" and pkg.name in OFFICIAL_PYPI) or (
            pkg.ecosystem == "npm"
            and (pkg.name in OFFICIAL_NPM or pkg.name.startswith(OFFICIAL_NPM_SCOPE + "server-"))
        )
        where = f"{pkg.display()}"
        if official and pkg.pinned:
            how = "installed" if pkg.version_source == "installed" else "pinned"
            return _level("official", f"MCP reference server {where} ({how})")
        if official:
            return _level(
                "official_unpinned", f"MCP reference server {where} at a floating version"
            )
        if pkg.pinned:
            return _level("pinned_package", f"registry package {where} at a fixed version")
        return _level(
            "unpinned_package",
            f"registry package {where} with no version: whatever is newest runs at start",
        )
    if identity.url:
        parts = urlsplit(identity.url)
        if _is_loopback(parts.hostname):
            return _level("local_url", "HTTP server on this machine (loopback)")
        if parts.scheme == "http":
            return _level("insecure_url", f"remote server {parts.hostname} over plain http")
        return _level("unknown_url", f"remote server {parts.hostname} with no catalog entry")
    return _level("local_script", f"local command {identity.command or ''}".strip())
