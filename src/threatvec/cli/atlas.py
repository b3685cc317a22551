"""`threatvec atlas import ATLAS.yaml` / `atlas sync`: store the MITRE ATLAS catalogue."""

from __future__ import annotations

from pathlib import Path

import typer

from threatvec.cli.common import fail

__all__ = ["app"]

app = typer.Typer(
    help="The MITRE ATLAS catalogue used for red-team coverage.", no_args_is_help=True
)


@app.command("import")
def import_(
    path: Path = typer.Argument(..., help="ATLAS.yaml from mitre-atlas/atlas-data"),
) -> None:
    """Replace the stored ATLAS catalogue with the one in PATH (version read from the file)."""
    from threatvec.cli.common import open_store
    from threatvec.redteam.atlas import AtlasError, load_atlas
    from threatvec.redteam.service import import_catalog

    if not path.is_file():
        fail(f"{path}: no such file")
    try:
        catalog = load_atlas(path)
    except AtlasError as exc:
        fail(str(exc))
    _settings, _engine, factory = open_store()
    with factory() as session:
        record = import_catalog(session=session, catalog=catalog)
        session.commit()
        typer.echo(
            f"ATLAS {record.version}: {record.tactic_count} tactics, {record.technique_count} "
            f"techniques, {record.subtechnique_count} sub-techniques imported from {path.name}"
        )


@app.command("sync")
def sync(
    url: str = typer.Option(
        None, "--url", help="Where to download ATLAS.yaml (default: THREATVEC_ATLAS_URL)"
    ),
    force: bool = typer.Option(
        False, "--force", help="Import the published file even if it is older or unchanged"
    ),
) -> None:
    """Download MITRE's published ATLAS.yaml and store it when it is newer or changed."""
    import httpx

    from threatvec.cli.common import open_store
    from threatvec.redteam.atlas import AtlasError
    from threatvec.redteam.atlas_sync import sync_atlas
    from threatvec.vulns.http_retry import RetryPolicy, SourceError

    settings, _engine, factory = open_store()
    source = url or settings.atlas_url
    if not source:
        fail("no URL: pass --url or set THREATVEC_ATLAS_URL")
    if not source.startswith(("https://", "http://")):
        fail(f"--url must be an http(s) URL, not {source[:80]!r}")
    with factory() as session:
        try:
            result = sync_atlas(session, url=source, force=force, retry=RetryPolicy(max_attempts=3))
        except (AtlasError, SourceError, httpx.HTTPError) as exc:
            fail(f"ATLAS catalogue not updated (the stored one is kept): {exc}")
    if result.status == "skipped_older":
        # Not a failure (the stored catalogue is current), but nothing a script should miss.
        typer.echo(f"warning: {result.message} (--force imports it anyway)", err=True)
        return
    what = "already current"
    if result.status == "imported":
        was = result.previous_version
        what = f"imported (was {was})" if was else "imported"
    typer.echo(
        f"ATLAS {result.version}: {result.tactic_count} tactics, {result.technique_count} "
        f"techniques, {result.subtechnique_count} sub-techniques {what}"
    )


@app.command("show")
def show() -> None:
    """Print the stored catalogue's version and counts."""
    from threatvec.cli.common import open_store
    from threatvec.redteam.service import atlas_summary

    _settings, _engine, factory = open_store()
    with factory() as session:
        summary = atlas_summary(session=session)
    if not summary["imported"]:
        fail(
            "no ATLAS catalogue yet; run `threatvec atlas sync` "
            "(or `threatvec atlas import ATLAS.yaml`)"
        )
    typer.echo(
        f"ATLAS {summary['version']}: {summary['tactic_count']} tactics, "
        f"{summary['technique_count']} techniques, {summary['subtechnique_count']} sub-techniques"
    )
    for t in summary["tactics"]:
        typer.echo(f"  {t['tactic']:<12} {t['name']:<32} {t['technique_count']} techniques")
