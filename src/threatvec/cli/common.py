"""What every command shares: the one-line error, settings, a database handle, stop signals."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:  # the detectors' commands run without the database stack
    from pydantic import ValidationError
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from threatvec.core.settings import Settings

__all__ = [
    "DEMO_OPTION_HELP",
    "demo_settings",
    "fail",
    "interrupt_exit_code",
    "interrupt_label",
    "open_store",
    "stop_like_ctrl_c",
    "validation_errors",
]

# The signal that stopped a command inside stop_like_ctrl_c(); None: Ctrl-C (SIGINT).
_stopped_by: int | None = None


def fail(message: str, *, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    sys.exit(code)


def validation_errors(exc: ValidationError) -> str:
    """Each error with where it is; never the value (a setting may be a key or hold a password)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
        for e in exc.errors()
    )


DEMO_OPTION_HELP = "Use the demo database that `serve --demo` runs on (<data dir>/demo.db)"


def demo_settings(settings: Settings | None = None) -> Settings:
    """Settings pointing at the demo database, the one `serve --demo` runs on.

    An explicit THREATVEC_DATABASE_URL wins, as it does for `serve --demo`; otherwise
    the demo keeps its own file so it never mixes with the real data in threatvec.db.
    """
    from threatvec.core.settings import Settings

    settings = settings or Settings()
    if not settings.database_url:
        settings.database_url = f"sqlite:///{(settings.data_dir / 'demo.db').resolve()}"
    return settings


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


def _stop_handler(signum: int, frame: FrameType | None) -> None:
    global _stopped_by
    _stopped_by = signum
    on_int = signal.getsignal(signal.SIGINT)
    if callable(on_int):
        # Whatever Ctrl-C would do now: inside asyncio.run that cancels the main
        # task (its cleanup runs, then KeyboardInterrupt); elsewhere it raises
        # KeyboardInterrupt at once.
        on_int(signal.SIGINT, frame)
    else:
        # SIGINT ignored (a job started with `&` by a non-interactive shell): a
        # SIGTERM must still stop the command cleanly.
        raise KeyboardInterrupt


@contextmanager
def stop_like_ctrl_c() -> Iterator[None]:
    """SIGTERM and SIGHUP stop the command the way Ctrl-C does (KeyboardInterrupt).

    kill, systemd, Kubernetes and CI runners stop a job with SIGTERM; by default
    the process died on the spot, without the cleanup Ctrl-C gets (a run left
    'running'). A signal someone chose to ignore (nohup's SIGHUP) stays ignored.
    """
    names = ("SIGTERM", "SIGHUP")  # SIGHUP does not exist on Windows
    wanted = [getattr(signal, n) for n in names if hasattr(signal, n)]
    previous = {s: signal.getsignal(s) for s in wanted}
    for signum, handler in previous.items():
        if handler is signal.SIG_DFL:
            signal.signal(signum, _stop_handler)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if handler is not None:
                signal.signal(signum, handler)


def interrupt_label() -> str:
    """How the user stopped the command: 'Ctrl-C' or the signal's name ('SIGTERM')."""
    return "Ctrl-C" if _stopped_by is None else signal.Signals(_stopped_by).name


def interrupt_exit_code() -> int:
    """128 + the signal number, as a shell reports a process a signal stopped (130, 143)."""
    return 128 + (signal.SIGINT if _stopped_by is None else _stopped_by)
