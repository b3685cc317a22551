from __future__ import annotations

import typer

from threatvec.cli.common import open_store

app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration."""
    settings, _, _ = open_store()
    typer.echo(f"database is up to date ({_safe(settings.resolved_database_url)})")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
