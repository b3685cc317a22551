"""`threatvec agentbench ...`: run AgentBench against a registered agent from the command line.

Runs in this process against the configured database with the same flow as
the server (SDK-served agents still get their probes through the server's
long-poll endpoints, which read the same database). Exit codes of `run`: 0
done, 1 a probe FAILed and `--fail-on-bypass` was given, 2 an error, 128 +
the signal when stopped (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP: the run is
marked cancelled).
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from threatvec.redteam.flows import RunContext
    from threatvec.redteam.runner import RunResult

__all__ = ["app"]

app = typer.Typer(help="AgentBench: adversarial probes against your agents.", no_args_is_help=True)

EXIT_ERROR = 2


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


def _org_id(session: object, org: str | None) -> str:
    from threatvec.orgs import service as orgs

    if org:
        return orgs.get_org_or_raise(session=session, org_id=org).id  # type: ignore[arg-type]
    default = orgs.get_default_org(session=session)  # type: ignore[arg-type]
    if default is None:
        _fail("no default organisation; pass --org ORG_ID")
    return default.id


def _execute(ctx: RunContext, org_id: str, run_id: str, label: str) -> RunResult | None:
    """Run the queued run in this process behind a progress bar; the RunResult or None."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from threatvec.redteam import flows

    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), transient=True
    ) as bar:  # fmt: skip
        task = bar.add_task("probes", total=None)
        return flows.execute_run(
            ctx, org_id=org_id, run_id=run_id,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )  # fmt: skip


@app.command("run")
def run(
    agent: str = typer.Argument(..., help="Agent id, asset id or agent name"),
    mode: str = typer.Option("quick", "--mode", help="quick (one probe per family) or full"),
    k: int = typer.Option(3, "--k", min=1, max=10, help="Attempts per probe"),
    org: str | None = typer.Option(None, "--org", help="Organisation id (default org if unset)"),
    json_out: bool = typer.Option(False, "--json", help="Print the run and results as JSON"),
    fail_on_bypass: bool = typer.Option(False, "--fail-on-bypass", help="Exit 1 on any FAIL"),
    timeout: float = typer.Option(60.0, "--timeout", min=1, help="Seconds per attempt"),
) -> None:
    """Probe AGENT with adversarial inputs and report, with evidence, which controls held."""
    from threatvec.cli.common import (
        interrupt_exit_code,
        interrupt_label,
        open_store,
        stop_like_ctrl_c,
    )
    from threatvec.core.errors import ThreatVecError
    from threatvec.redteam import flows, service

    if mode not in ("quick", "full"):
        _fail("--mode must be quick or full")
    settings, _engine, factory = open_store()
    with factory() as session:
        org_id = _org_id(session, org)
        try:
            ref = service.resolve_agent(session=session, org_id=org_id, agent_id=agent)
        except ThreatVecError:
            by_name = [
                r for r in service.list_agent_refs(session=session, org_id=org_id)
                if r.name == agent
            ]  # fmt: skip
            if not by_name:
                _fail(f"no agent {agent!r} in this organisation (id, asset id or name)")
            ref = by_name[0]
    ctx = flows.context_from_settings(factory, settings, attempt_timeout=timeout)
    with stop_like_ctrl_c():
        try:
            run_id = flows.start_agentbench(
                ctx, org_id=org_id, agent_id=ref.id, mode=mode, k=k, by="cli", background=False
            )
        except ThreatVecError as exc:
            _fail(exc.detail)
        try:
            result = _execute(ctx, org_id, run_id, f"AgentBench {mode} · {ref.name}")
        except KeyboardInterrupt:
            # execute_run marks the run cancelled itself; a stop before it began
            # would otherwise leave the run queued and the agent locked out.
            flows.interrupt_run(ctx, org_id=org_id, run_id=run_id)
            typer.echo(f"run {run_id} cancelled: interrupted ({interrupt_label()})", err=True)
            raise typer.Exit(interrupt_exit_code()) from None
    with factory() as session:
        row = service.get_run_or_raise(session=session, org_id=org_id, run_id=run_id)
        status, error = row.status, row.error
    if result is None:
        _fail(f"run {run_id} {status}: {error or 'no result'}")
    if json_out:
        typer.echo(
            json.dumps({"run_id": run_id, "status": status, **result.as_dict()}, default=str)
        )
    else:
        s = result.summary
        rate = _rate_text(s.pass_rate.value)
        typer.echo(
            f"run {run_id} {status}: pass rate {rate} "
            f"({s.pass_rate.passed} passed, {s.pass_rate.failed} failed, "
            f"{s.counts.get('NOT_APPLICABLE', 0)} not applicable, "
            f"{s.counts.get('ERROR', 0)} errors)"
        )
        for r in result.results:
            top = r.evidence[0] if r.evidence else None
            why = f"{top.signal.value}: {top.detail}" if top else r.reason
            typer.echo(
                f"  {r.verdict.value:<14} {r.probe_id:<28} {','.join(r.atlas):<30} {why[:90]}"
            )
    if fail_on_bypass and result.summary.pass_rate.failed:
        raise typer.Exit(1)


def _cli_actor() -> str:
    """Who cancels from the command line: the local user (``cli`` if it has no name)."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name (a container without a passwd entry)
        return "cli"


@app.command("cancel")
def cancel(
    run_id: str = typer.Argument(..., help="Run id"),
    reason: str | None = typer.Option(
        None, "--reason", help="Why (up to 500 characters; shown with who cancelled)"
    ),
    org: str | None = typer.Option(None, "--org", help="Organisation id (default org if unset)"),
) -> None:
    """Cancel a queued or running run in the configured database (any process executing it stops
    after the probe in flight)."""
    from threatvec.cli.common import open_store
    from threatvec.core.errors import ThreatVecError
    from threatvec.redteam import flows, service

    settings, _engine, factory = open_store()
    try:
        why = service.clean_cancel_reason(reason, loc=("--reason",))
        with factory() as session:
            org_id = _org_id(session, org)
        ctx = flows.context_from_settings(factory, settings)
        run = flows.cancel_run(ctx, org_id=org_id, run_id=run_id, by=_cli_actor(), reason=why)
    except ThreatVecError as exc:
        _fail(exc.detail)
    if run.status == "running":
        typer.echo(f"run {run.id} cancel requested (it stops after the probe in flight)")
    else:
        typer.echo(f"run {run.id} {run.status}")


def _rate_text(value: float | None) -> str:
    """A pass rate in whole percent, rounded down: 249/250 is never "100%" (as on the page)."""
    return "n/a" if value is None else f"{math.floor(round(value * 100, 6))}%"
