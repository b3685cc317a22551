"""Catalog trust levels."""

from __future__ import annotations

from threatvec.mcp.identity import derive_identity
from threatvec.mcp.spec import ServerSpec
from threatvec.mcp.trust import TRUST_POINTS, assess_trust


def _level(**spec: object) -> str:
    return assess_trust(derive_identity(ServerSpec(name="x", **spec))).level  # type: ignore[arg-type]


def test_levels() -> None:
    assert (
        _level(
            transport="stdio",
            command="npx",
            args=("-y", "@modelcontextprotocol/server-memory@2026.8.31"),
        )
        == "official"
    )
    assert (
        _level(transport="stdio", command="npx", args=("-y", "@modelcontextprotocol/server-memory"))
        == "official_unpinned"
    )
    assert (
        _level(transport="stdio", command="uvx", args=("mcp-server-time",)) == "official_unpinned"
    )
    assert (
        _level(transport="stdio", command="npx", args=("-y", "mcp-remote@0.1.29"))
        == "pinned_package"
    )
    assert _level(transport="stdio", command="npx", args=("-y", "random-mcp")) == "unpinned_package"
    assert _level(transport="stdio", command="uvx", args=("random-mcp",)) == "unpinned_package"
    assert (
        _level(transport="stdio", command="docker", args=("run", "-i", "acme/mcp:latest"))
        == "unpinned_package"
    )
    assert _level(transport="stdio", command="node", args=("/opt/srv/index.js",)) == "local_script"
    assert _level(transport="http", url="http://127.0.0.1:8000/mcp") == "local_url"
    assert _level(transport="http", url="https://mcp.unknown.example/mcp") == "unknown_url"
    assert _level(transport="sse", url="http://mcp.unknown.example/sse") == "insecure_url"
    assert _level(transport="static", static_path="/tmp/x.json") == "static"
    assert (
        TRUST_POINTS["official"] > TRUST_POINTS["pinned_package"] > TRUST_POINTS["unpinned_package"]
    )


def test_allowlist_needs_a_matching_hash() -> None:
    ident = derive_identity(
        ServerSpec(name="x", transport="stdio", command="npx", args=("-y", "random-mcp"))
    )
    allow = {ident.key: ["sha256:" + "a" * 64]}
    assert (
        assess_trust(ident, server_hash="sha256:" + "a" * 64, allowlist=allow).level
        == "allowlisted"
    )
    other = assess_trust(ident, server_hash="sha256:" + "b" * 64, allowlist=allow)
    assert other.level == "unpinned_package" and "not an approved one" in other.reason


def test_a_reported_version_counts_only_when_the_command_shows_it() -> None:
    from dataclasses import replace

    from threatvec.mcp.identity import PackageRef
    from threatvec.mcp.trust import check_claim

    image = "ghcr.io/acme/mcp@sha256:" + "a" * 64
    docker = ServerSpec(name="d", transport="stdio", command="docker", args=("run", "-i", image))
    ident = derive_identity(docker)
    assert check_claim(ident, command="docker", args=list(docker.args)) is None  # agrees
    # Claimed pinned with no command in the report to show it: judged floating.
    claimed = replace(ident, package=PackageRef("npm", "acme-mcp", "2.0.0", "argument"))
    basis = check_claim(claimed, command=None)
    assert basis is not None and basis.package is not None and basis.package.version is None
    assert assess_trust(claimed, basis=basis).level == "unpinned_package"
    assert assess_trust(claimed).level == "pinned_package"  # what the claim alone would give
    # A reply naming another package than the command runs: the command decides.
    other = check_claim(claimed, command="npx", args=["-y", "evil-mcp"])
    assert other is not None and other.package == PackageRef("npm", "evil-mcp", None, None)
    assert "evil-mcp" in assess_trust(claimed, basis=other).reason
