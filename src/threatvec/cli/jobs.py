from __future__ import annotations

import typer

from threatvec.cli.common import fail, open_store

app = typer.Typer(help="Background jobs.", no_args_is_help=True)


@app.command("list")
def list_() -> None:
    """List the periodic jobs and how often they run."""
    from threatvec.jobs.registry import load_all_jobs

    for job in load_all_jobs().values():
        typer.echo(f"{job.name:30} every {job.interval_s:>7}s  {job.description}")


@app.command("run")
def run(name: str, org: str | None = typer.Option(None, help="Only this org id")) -> None:
    """Run one job now, once, and print each org's outcome.

    Ctrl-C, SIGTERM and SIGHUP stop it cleanly: exit 128 + the signal (130, 143, 129).
    """
    from threatvec.cli.common import interrupt_exit_code, interrupt_label, stop_like_ctrl_c
    from threatvec.core.cancel import stopping_reason
    from threatvec.jobs.registry import load_all_jobs
    from threatvec.jobs.runner import run_job

    jobs = load_all_jobs()
    if name not in jobs:
        fail(f"no job named {name!r}; known: {', '.join(sorted(jobs))}")
    _, _, factory = open_store()

    def why() -> str:
        return f"interrupted: the job was stopped by {interrupt_label()}"

    # SIGTERM/SIGHUP unwind like Ctrl-C, so the work the job was doing is ended with
    # why (a learning cycle left 'running' blocked the next one for 15 minutes).
    with stop_like_ctrl_c(), stopping_reason(why):
        try:
            runs = run_job(factory, jobs[name], trigger="cli", org_id=org)
        except KeyboardInterrupt:
            typer.echo(f"{name} stopped: interrupted ({interrupt_label()})", err=True)
            raise typer.Exit(interrupt_exit_code()) from None
    if runs is None:
        fail("another replica holds this job's lock; try again later")
    if not runs:
        typer.echo(f"{name}: no organisations to run for")
    failed = False
    for r in runs:
        typer.echo(f"{r.job} org={r.org_id or '-'} {r.outcome} {r.detail or ''} {r.error or ''}")
        failed = failed or r.outcome == "error"
    if failed:
        raise typer.Exit(1)
