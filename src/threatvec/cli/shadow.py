"""`threatvec shadow ...`: Microsoft 365 Copilot audit import and pull, catalog import, services."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import typer

from threatvec.cli.common import fail, open_store

__all__ = ["app"]

app = typer.Typer(
    help="Shadow AI: import Microsoft 365 Copilot logs, extend the catalog, list services.",
    no_args_is_help=True,
)

ORG_HELP = "Org id (default: the default org)"


def _org_id(session: object, org: str | None) -> str:
    from threatvec.orgs import service as orgs
    from threatvec.orgs.models import Org

    if org:
        if session.get(Org, org) is None:  # type: ignore[attr-defined]
            fail(f"no org with id {org!r}")
        return org
    return orgs.ensure_default_org(session=session, org_key=None).id  # type: ignore[arg-type]


@app.command("import-m365")
def import_m365(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    org: str | None = typer.Option(None, help=ORG_HELP),
) -> None:
    """Import Microsoft 365 CopilotInteraction audit records from FILE (Management Activity
    API content blobs or JSON lines, or a Purview audit search CSV export)."""
    from threatvec.core.errors import InvalidInput
    from threatvec.shadow import m365
    from threatvec.store.engine import session_scope

    try:
        records = m365.read_records(file)
    except (InvalidInput, UnicodeDecodeError) as exc:
        fail(f"{file}: {getattr(exc, 'detail', None) or 'not UTF-8 text'}")
    _, _, factory = open_store()
    with session_scope(factory) as session:
        result = m365.import_records(session=session, org_id=_org_id(session, org), records=records)
    typer.echo(
        f"{result.records} record(s): {result.copilot} Copilot interaction(s), "
        f"{result.imported} imported, {result.duplicates} already present, "
        f"{result.skipped} skipped"
    )
    for error in result.errors[:5]:
        typer.echo(f"  skipped: {error}", err=True)
    if len(result.errors) > 5:
        more = len(result.errors) - 5
        typer.echo(f"  ... {more} more skipped line(s) or record(s) not listed", err=True)


@app.command("import-catalog")
def import_catalog(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    org: str | None = typer.Option(None, help=ORG_HELP),
) -> None:
    """Add or update the org's AI service catalog from CSV (domain,service,vendor,category,kind)."""
    from threatvec.shadow import service
    from threatvec.store.engine import session_scope

    _, _, factory = open_store()
    with session_scope(factory) as session:
        added, updated = service.import_catalog_csv(
            session=session, org_id=_org_id(session, org), text=file.read_text(encoding="utf-8-sig")
        )
    typer.echo(f"catalog: {added} added, {updated} updated")


@app.command("services")
def services(
    org: str | None = typer.Option(None, help=ORG_HELP),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line"),
) -> None:
    """List discovered AI services with risk ('!' = not registered)."""
    from threatvec.core.pagination import MAX_LIMIT, PageParams
    from threatvec.shadow import service
    from threatvec.store.engine import session_scope

    _, _, factory = open_store()
    reads = []
    with session_scope(factory) as session:
        org_id = _org_id(session, org)
        cursor: str | None = None
        while True:  # every service, not the first page of them
            rows, cursor = service.list_page(
                session=session, org_id=org_id, page=PageParams(limit=MAX_LIMIT, cursor=cursor)
            )
            reads += service.service_reads(session=session, org_id=org_id, rows=rows)
            if not cursor:
                break
    for s in reads:
        if as_json:
            typer.echo(s.model_dump_json())
        else:
            pii = ",".join(s.pii_counts) or "-"
            typer.echo(
                f"{s.marker or ' '} {s.risk:<6} {s.domain:<32} events={s.events:<6} "
                f"users={s.users:<4} pii={pii}"
            )


@app.command("user-id-salt")
def user_id_salt(org: str | None = typer.Option(None, help=ORG_HELP)) -> None:
    """Print the org's user id salt (the extension fetches it itself with its org key; the
    policy's `userIdSalt` is only for servers before GET /shadow/user-id-salt)."""
    from threatvec.shadow import service
    from threatvec.store.engine import session_scope

    _, _, factory = open_store()
    with session_scope(factory) as session:
        secrets = service.org_user_salt(session=session, org_id=_org_id(session, org))
    typer.echo(secrets.salt)  # not the key: stored pseudonyms stay keyed by the server alone


@app.command("m365-configure")
def m365_configure(
    tenant: str = typer.Option(..., help="Azure AD tenant id"),
    client_id: str = typer.Option(..., help="App registration (client) id"),
    secret_env: str = typer.Option(
        "THREATVEC_M365_CLIENT_SECRET", help="Environment variable holding the client secret"
    ),
    org: str | None = typer.Option(None, help=ORG_HELP),
) -> None:
    """Store the app registration the puller uses (the secret is encrypted at rest)."""
    from threatvec.shadow import m365
    from threatvec.store.engine import session_scope

    secret = os.environ.get(secret_env, "")
    if not secret:
        secret = typer.prompt("client secret", hide_input=True)
    settings, _, factory = open_store()
    with session_scope(factory) as session:
        m365.configure(
            session=session,
            org_id=_org_id(session, org),
            tenant_id=tenant,
            client_id=client_id,
            client_secret=secret,
            secret_key=settings.resolved_secret_key(),
        )
    typer.echo("Microsoft 365 puller configured")


@app.command("m365-pull")
def m365_pull(
    hours: int = typer.Option(0, min=0, max=168, help="Look back this many hours (0: since last)"),
    org: str | None = typer.Option(None, help=ORG_HELP),
) -> None:
    """Pull Copilot interactions from the Management Activity API now."""
    from threatvec.core.clock import utcnow
    from threatvec.shadow import m365
    from threatvec.store.engine import session_scope

    settings, _, factory = open_store()
    with session_scope(factory) as session:
        org_id = _org_id(session, org)
        client = m365.client_for_org(
            session=session,
            org_id=org_id,
            secret_key=settings.resolved_secret_key(),
            authority_url=settings.m365_authority_url,
            api_url=settings.m365_api_url,
            allow_private=settings.allow_private_outbound,
        )
        if client is None:
            fail("not configured: run `threatvec shadow m365-configure` first")
        start = utcnow() - timedelta(hours=hours) if hours else None
        kept = m365.ImportResult()

        def progress(total: m365.ImportResult) -> None:
            # Commit per blob: a pull over days of content can fail late, and what
            # was imported by then stays (a re-run skips it as already present).
            session.commit()
            kept.imported = total.imported
            typer.echo(
                f"blob {total.blobs}: {total.copilot} Copilot record(s), {total.imported} new",
                err=True,
            )

        try:
            result = m365.pull(
                session=session, org_id=org_id, client=client, start=start, progress=progress
            )
        except m365.M365Error as exc:
            if kept.imported:
                fail(
                    f"{exc}; {kept.imported} record(s) imported before the failure are kept, "
                    "run m365-pull again to continue"
                )
            fail(str(exc))
    typer.echo(json.dumps(result.to_dict()))
