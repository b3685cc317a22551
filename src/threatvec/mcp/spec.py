"""`ServerSpec`: how to reach one MCP server, wherever the description came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from threatvec.mcp.redact import redact_args, secret_args

__all__ = ["ServerSpec", "Transport"]

Transport = Literal["stdio", "http", "sse", "static"]


@dataclass(frozen=True)
class ServerSpec:
    """One MCP server to scan.

    `env` and `headers` hold the values needed to start or reach the server;
    they are excluded from `repr` and from `public_dict()` (names only), so a
    spec can be logged or serialised without leaking them.
    """

    name: str
    transport: Transport
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    cwd: str | None = None
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    source: str | None = None
    pointer: str = ""
    client: str | None = None
    scope: str | None = None
    disabled: bool = False
    static_path: str | None = None

    def secret_values(self) -> list[str]:
        """Every env and header value and every hidden argument (to scrub from error text)."""
        values = list(self.env.values()) + list(self.headers.values()) + secret_args(self.args)
        # Also the token part of "Bearer <token>" so a server echoing it is caught.
        values += [v.split(None, 1)[1] for v in self.headers.values() if " " in v.strip()]
        return values

    def public_dict(self) -> dict[str, Any]:
        """JSON-safe description without secrets: env and header *names* only."""
        from threatvec.mcp.identity import sanitize_url

        return {
            "name": self.name,
            "transport": self.transport,
            "command": self.command,
            "args": redact_args(self.args),
            "env_names": sorted(self.env),
            "cwd": self.cwd,
            "url": sanitize_url(self.url) if self.url else None,
            "header_names": sorted(self.headers),
            "source": self.source,
            "pointer": self.pointer,
            "client": self.client,
            "scope": self.scope,
            "disabled": self.disabled,
        }

    def display_target(self) -> str:
        """Short human-readable target (redacted)."""
        from threatvec.mcp.identity import sanitize_url

        if self.transport == "stdio":
            return " ".join([self.command or "", *redact_args(self.args)]).strip()
        if self.transport == "static":
            return f"static file {self.static_path}"
        return sanitize_url(self.url or "")
