"""The `threatvec` command line: one sub-app per area, the same services as the server."""

from __future__ import annotations

import importlib
import sys

import typer

from threatvec.cli.common import fail

__all__ = ["app", "main"]

app = typer.Typer(
    name="threatvec",
    help="ThreatVec: AI security posture for agents, MCP servers, shadow AI and AI CVEs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# (command name, module with a typer `app`); an area adds its sub-app here.
SUBCOMMANDS: list[tuple[str, str]] = [
    ("db", "threatvec.cli.db"),
    ("org", "threatvec.cli.org"),
    ("jobs", "threatvec.cli.jobs"),
    ("detect", "threatvec.cli.detect"),
    ("mcp", "threatvec.cli.mcp"),
    ("shadow", "threatvec.cli.shadow"),
    ("agentbench", "threatvec.cli.redteam"),
    ("atlas", "threatvec.cli.atlas"),
    ("cves", "threatvec.cli.vulns"),
    ("compliance", "threatvec.cli.compliance"),
    ("integrations", "threatvec.cli.integrations"),
]
COMMAND_MODULES = ["threatvec.cli.serve"]

for _name, _module in SUBCOMMANDS:
    app.add_typer(importlib.import_module(_module).app, name=_name)
for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


@app.command()
def version() -> None:
    """Print the ThreatVec version."""
    from threatvec._version import __version__

    typer.echo(__version__)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        fail("interrupted", code=130)
    except Exception as exc:  # one clear line, never a traceback for users
        if "--debug" in sys.argv:
            raise
        fail(f"{type(exc).__name__}: {exc}")
