from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from threatvec.cli.common import DEMO_OPTION_HELP, demo_settings, fail, open_store

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from threatvec.core.settings import Settings

app = typer.Typer(help="Organisations and their keys.", no_args_is_help=True)
_DEMO = typer.Option(False, "--demo", help=DEMO_OPTION_HELP)


def _settings(demo: bool) -> Settings | None:
    """None: the configured database; --demo: the one `serve --demo` runs on."""
    return demo_settings() if demo else None


@app.command("create")
def create(name: str, demo: bool = _DEMO) -> None:
    """Create an organisation and print its key (shown once; only a hash is kept)."""
    from threatvec.core.errors import ThreatVecError
    from threatvec.orgs import service
    from threatvec.store.engine import session_scope

    _, _, factory = open_store(_settings(demo))
    try:
        with session_scope(factory) as session:
            org, key = service.create_org(session=session, name=name)
            org_id = org.id
    except ThreatVecError as exc:
        fail(exc.detail)
    typer.echo(f"created org {name!r} (id {org_id})")
    typer.echo(f"key: {key}")
    typer.echo("Store this key now: it cannot be shown again.", err=True)
    _warn_keyless(factory)


def _warn_keyless(factory: sessionmaker[Session]) -> None:
    """Once any org has a key, every API call needs one: say which orgs now have none."""
    from threatvec.orgs import service

    with factory() as session:
        names = [org.name for org in service.keyless_orgs(session=session)]
    for org_name in names:
        typer.echo(
            f"warning: org {org_name!r} has no key, and now that an org has one every API call "
            f"needs a key; give it one with: threatvec org key {org_name}",
            err=True,
        )


@app.command("key")
def key(org: str = typer.Argument(..., help="The org's id or name."), demo: bool = _DEMO) -> None:
    """Issue a new key for an organisation (shown once; its old key stops working)."""
    from threatvec.core.errors import ThreatVecError
    from threatvec.orgs import service
    from threatvec.store.engine import session_scope

    settings, _, factory = open_store(_settings(demo))
    try:
        with session_scope(factory) as session:
            found, new_key = service.issue_key(session=session, ref=org)
            name, org_id, is_default = found.name, found.id, found.is_default
    except ThreatVecError as exc:
        fail(exc.detail)
    typer.echo(f"new key for org {name!r} (id {org_id})")
    typer.echo(f"key: {new_key}")
    if is_default and settings.org_key is not None:
        # The server sets the default org's key from ORG_KEY at every start
        # (orgs.service.ensure_default_org): this key would last until then.
        typer.echo(
            "Store this key now: it cannot be shown again. The old key stops working now, "
            "but ORG_KEY is set: put this key in ORG_KEY (or THREATVEC_ORG_KEY), or the "
            f"next start of the server makes the ORG_KEY value org {name!r}'s key again.",
            err=True,
        )
    else:
        typer.echo(
            "Store this key now: it cannot be shown again; the old key no longer works.", err=True
        )
    _warn_keyless(factory)


@app.command("list")
def list_(demo: bool = _DEMO) -> None:
    """List organisations (never their keys)."""
    from threatvec.orgs import service

    _, _, factory = open_store(_settings(demo))
    with factory() as session:
        for org in service.list_orgs(session=session):
            flags = " (default)" if org.is_default else ""
            keyed = "key set" if org.key_hash else "no key"
            typer.echo(f"{org.id}  {org.name}{flags}  [{keyed}]")
