"""The `threatvec` command line: one sub-app per area, the same services as the server."""

from __future__ import annotations

import importlib
import sys

import typer

from threatvec.cli.common import fail, interrupt_exit_code, interrupt_label, validation_errors

__all__ = ["app", "main"]

# (command name, module with a typer `app`); an area adds its sub-app here.
SUBCOMMANDS: list[tuple[str, str]] = [
    ("db", "threatvec.cli.db"),
    ("org", "threatvec.cli.org"),
    ("jobs", "threatvec.cli.jobs"),
    ("detect", "threatvec.cli.detect"),
    ("mcp", "threatvec.cli.mcp"),
    ("shadow", "threatvec.cli.shadow"),
    ("agentbench", "threatvec.cli.redteam"),
    ("red-team", "threatvec.cli.learning"),
    ("atlas", "threatvec.cli.atlas"),
    ("cves", "threatvec.cli.vulns"),
    ("compliance", "threatvec.cli.compliance"),
    ("integrations", "threatvec.cli.integrations"),
]
COMMAND_MODULES = ["threatvec.cli.serve"]


def build_app(only: str | None = None) -> typer.Typer:
    """The command tree; with ``only``, just that area's sub-app.

    Each area imports its own dependencies (SQLAlchemy, httpx, the MCP SDK);
    ``threatvec detect covert`` on a file needs none of them, and loading
    all of them cost about a second of start-up per run.
    """
    root = typer.Typer(
        name="threatvec",
        help="ThreatVec: AI security posture for agents, MCP servers, shadow AI and AI CVEs.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for name, module in SUBCOMMANDS:
        if only is None or name == only:
            root.add_typer(importlib.import_module(module).app, name=name)
    if only is None:
        for module in COMMAND_MODULES:
            importlib.import_module(module).register(root)
    root.command()(version)
    return root


def version() -> None:
    """Print the ThreatVec version."""
    from threatvec._version import __version__

    typer.echo(__version__)


def __getattr__(name: str) -> typer.Typer:
    # `app` (the whole tree) is built on first use, not on import.
    if name == "app":
        tree = build_app()
        globals()["app"] = tree
        return tree
    raise AttributeError(name)


def _app_for(argv: list[str]) -> typer.Typer:
    """The smallest tree that can run ``argv``: one area when its name comes first."""
    areas = {name for name, _ in SUBCOMMANDS}
    if argv and argv[0] in areas:
        return build_app(argv[0])
    return build_app()


def main() -> None:
    try:
        _app_for(sys.argv[1:])()
    except KeyboardInterrupt:
        fail(f"interrupted ({interrupt_label()})", code=interrupt_exit_code())
    except Exception as exc:  # one clear line, never a traceback for users
        if "--debug" in sys.argv:
            raise
        fail(_one_line(exc))


def _one_line(exc: Exception) -> str:
    # pydantic's own text repeats each bad input: a setting's value may be a key.
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        what = "settings" if exc.title == "Settings" else exc.title
        return f"invalid {what}: {validation_errors(exc)}"
    return f"{type(exc).__name__}: {exc}"
