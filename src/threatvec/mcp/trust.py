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

A report sent to the server carries the scanner's reading of the package
(version, how it was learned). `check_claim` holds that reading against the
command line the same report shows; when they disagree, trust is judged on
what the command runs (`TrustBasis`) and the disagreement is kept as evidence.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from threatvec.mcp.identity import PackageRef, ServerIdentity, parse_package

__all__ = [
    "OFFICIAL_NPM",
    "OFFICIAL_PYPI",
    "TRUST_POINTS",
    "TrustAssessment",
    "TrustBasis",
    "assess_trust",
    "check_claim",
]

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
    evidence: tuple[str, ...] = ()  # what disagreed with a report's claim

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"level": self.level, "points": self.points, "reason": self.reason}
        if self.evidence:
            out["evidence"] = list(self.evidence)
        return out


@dataclass(frozen=True)
class TrustBasis:
    """What trust is judged on when a report's package claim disagrees with its command."""

    command: str | None
    package: PackageRef | None
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        pkg = None if self.package is None else asdict(self.package)
        return {"command": self.command, "package": pkg, "evidence": self.evidence}

    @classmethod
    def from_dict(cls, data: Any) -> TrustBasis | None:
        """The stored basis; None when `data` is not one (nothing stored, or unreadable)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("evidence"), str):
            return None
        raw = data.get("package")
        package = None
        if isinstance(raw, Mapping) and isinstance(raw.get("name"), str):
            package = PackageRef(
                raw.get("ecosystem", "npm"),
                raw["name"],
                raw.get("version"),
                raw.get("version_source"),
            )
        command = data.get("command")
        return cls(command if isinstance(command, str) else None, package, data["evidence"])


def _command_line(command: str, args: Sequence[str]) -> str:
    text = " ".join([command, *args])
    return text if len(text) <= 300 else text[:299] + "…"


def check_claim(
    identity: ServerIdentity, *, command: str | None, args: Sequence[str] = ()
) -> TrustBasis | None:
    """None when a reported identity's package agrees with the command the report shows.

    `command`/`args` are the report's `spec` (a package identity keeps no
    command of its own). A version is taken only when that command names it
    (`npx -y pkg@1.2.3`, an image digest) or runs an installed copy whose
    version only the scanning machine can read (`mcp-server-time`,
    `python -m mcp_server_git`); a package called a local command is judged
    as the package. Nothing here reads this machine's installed packages.
    """
    if identity.transport != "stdio":
        return None
    claim = identity.package
    if claim is None:
        if not identity.command:
            return None
        seen, _rest = parse_package(identity.command, identity.args, look_up_installed=False)
        if seen is None:
            return None
        shown = _command_line(identity.command, identity.args)
        return TrustBasis(
            None, seen, f"reported as a local command, but `{shown}` runs {seen.display()}"
        )
    if not command:
        if not claim.pinned:
            return None
        return TrustBasis(
            None,
            replace(claim, version=None, version_source=None),
            f"the report claims {claim.display()} but shows no command that names the version",
        )
    seen, _rest = parse_package(command, list(args), look_up_installed=False)
    shown = _command_line(command, args)
    if seen is None:
        return TrustBasis(
            command,
            None,
            f"the report claims {claim.display()}, but `{shown}` runs no registry package",
        )
    if (seen.ecosystem, seen.name) == (claim.ecosystem, claim.name):
        if seen.version == claim.version:
            return None
        if seen.version is None and seen.version_source == claim.version_source == "installed":
            return None
    source = claim.version_source or "no source given"
    return TrustBasis(
        None,
        seen,
        f"the report claims {claim.display()} ({source}), but `{shown}` runs {seen.display()}",
    )


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
    basis: TrustBasis | None = None,
) -> TrustAssessment:
    """Trust level of the server `identity` names.

    `allowlist` maps identity keys to the server hashes the org approved;
    `basis` (from `check_claim`) replaces a reported package that disagreed
    with its command, and its evidence is kept.
    """
    if basis is not None:
        command = basis.command if basis.command is not None else identity.command
        judged = replace(identity, command=command, package=basis.package)
        found = assess_trust(judged, server_hash=server_hash, allowlist=allowlist)
        return replace(found, evidence=(*found.evidence, basis.evidence))
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
