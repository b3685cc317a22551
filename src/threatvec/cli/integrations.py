"""`threatvec integrations list|sync`: see the org's integrations and run one sync now.

Output never holds a secret: lists show the API's masked ``secret_hint``, and a
run's error is redacted by the sync itself before it is stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from threatvec.cli.common import fail, open_store
from threatvec.cli.org_choice import ORG_HELP, org_or_fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from threatvec.integrations.models import Integration

__all__ = ["app"]

app = typer.Typer(
    help="Vendor integrations (Okta, CrowdStrike, Splunk, Sentinel, ...).", no_args_is_help=True
)

COUNTS = ("fetched", "ingested", "forwarded", "skipped", "duplicates", "pages", "retries")


def _find_or_fail(session: Session, org_id: str, org_name: str, ref: str) -> Integration:
    """The integration REF names in the org, by id or by its (unique) name."""
    from threatvec.integrations import service

    row = service.get(session=session, org_id=org_id, integration_id=ref)
    if row is not None:
        return row
    rows = service.list_all(session=session, org_id=org_id)
    for candidate in rows:
        if candidate.name == ref:
            return candidate
    if not rows:
        fail(f"no integration {ref[:64]!r}: org {org_name!r} has none")
    choices = ", ".join(f"{r.id} ({r.name!r}, {r.kind})" for r in rows)
    fail(f"no integration {ref[:64]!r} in org {org_name!r}; choose one of: {choices}")


@app.command("list")
def list_(
    org: str | None = typer.Option(None, help=ORG_HELP),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line (as the API)"),
) -> None:
    """List the org's integrations, their schedule and last run (secrets only as a masked hint)."""
    from threatvec.integrations import service

    _, _, factory = open_store()
    with factory() as session:
        found = org_or_fail(session, org)
        reads = [service.read(r) for r in service.list_all(session=session, org_id=found.id)]
    if not reads and not as_json:
        typer.echo(f"org {found.name!r} has no integrations", err=True)
    for r in reads:
        if as_json:
            typer.echo(r.model_dump_json())
            continue
        last = f"{r.last_status} {r.last_run_at:%Y-%m-%d %H:%M}Z" if r.last_run_at else "never run"
        state = "enabled" if r.enabled else "disabled"
        typer.echo(
            f"{r.id}  {r.name}  {r.kind}  {state}  every {r.schedule_minutes}m  {last}"
            f"  [{r.secret_hint or 'no secret'}]  {r.checkpoint or ''}".rstrip()
        )


@app.command("sync")
def sync(
    integration: str = typer.Argument(..., metavar="ID", help="Integration id (or its name)"),
    org: str | None = typer.Option(None, help=ORG_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the run as JSON (as the API)"),
) -> None:
    """Run one sync of an integration now and print the run; exit 1 if it failed."""
    from threatvec.core.crypto import SecretBox
    from threatvec.core.errors import Conflict
    from threatvec.integrations import flows
    from threatvec.integrations.schemas import RunRead

    settings, _, factory = open_store()
    with factory() as session:
        found = org_or_fail(session, org)
        row = _find_or_fail(session, found.id, found.name, integration)
        name = row.name
        try:
            run = flows.run_sync(
                session=session,
                org_id=found.id,
                integration_id=row.id,
                box=SecretBox(settings.resolved_secret_key()),
                allow_private=settings.allow_private_outbound,
                trigger="cli",
            )
        except Conflict as exc:
            fail(exc.detail)
        result = RunRead.model_validate(run)
    if as_json:
        typer.echo(result.model_dump_json())
    else:
        counts = ", ".join(f"{c} {getattr(result, c)}" for c in COUNTS)
        typer.echo(f"sync of {name!r} ({result.kind}): {result.status}; {counts}")
        if result.detail.get("more"):
            typer.echo("more to fetch: the next sync continues from the checkpoint")
    if result.status == "error":
        fail(f"sync failed: {result.error}")
