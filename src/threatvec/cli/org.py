from __future__ import annotations

import typer

from threatvec.cli.common import fail, open_store

app = typer.Typer(help="Organisations and their keys.", no_args_is_help=True)


@app.command("create")
def create(name: str) -> None:
    """Create an organisation and print its key (shown once; only a hash is kept)."""
    from threatvec.core.errors import ThreatVecError
    from threatvec.orgs import service
    from threatvec.store.engine import session_scope

    _, _, factory = open_store()
    try:
        with session_scope(factory) as session:
            org, key = service.create_org(session=session, name=name)
            org_id = org.id
    except ThreatVecError as exc:
        fail(exc.detail)
    typer.echo(f"created org {name!r} (id {org_id})")
    typer.echo(f"key: {key}")
    typer.echo("Store this key now: it cannot be shown again.", err=True)


@app.command("list")
def list_() -> None:
    """List organisations (never their keys)."""
    from threatvec.orgs import service

    _, _, factory = open_store()
    with factory() as session:
        for org in service.list_orgs(session=session):
            flags = " (default)" if org.is_default else ""
            keyed = "key set" if org.key_hash else "no key"
            typer.echo(f"{org.id}  {org.name}{flags}  [{keyed}]")
