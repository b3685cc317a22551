"""What every command shares: the one-line error, settings, a database handle."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:  # the detectors' commands run without the database stack
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from threatvec.core.settings import Settings

__all__ = ["fail", "open_store"]


def fail(message: str, *, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    sys.exit(code)


def open_store(
    settings: Settings | None = None, *, migrate: bool = True
) -> tuple[Settings, Engine, sessionmaker[Session]]:
    from threatvec.core.settings import Settings
    from threatvec.store.engine import make_engine, make_session_factory
    from threatvec.store.migrate import upgrade
    from threatvec.store.models import load_all_models

    settings = settings or Settings()
    load_all_models()
    engine = make_engine(settings.resolved_database_url)
    if migrate:
        upgrade(engine)
    return settings, engine, make_session_factory(engine)
