"""`threatvec serve`: migrate, then run the API and dashboard with uvicorn."""

from __future__ import annotations

import ipaddress
import logging
import sys
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from threatvec.cli.common import demo_settings, fail, validation_errors
from threatvec.core import public_url as public

log = logging.getLogger("threatvec.server")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _warn_plain_http(url: str | None) -> None:
    if url and public.is_plain_http_off_loopback(url):
        log.warning(
            "%s is plain http on a non-loopback host (%s): the webhook URLs it builds would "
            "carry deliveries unencrypted; use https",
            public.SETTING,
            url,
        )


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option(None, help="Bind address [default: 127.0.0.1]"),
        port: int = typer.Option(None, help="Port [default: 8000]"),
        demo: bool = typer.Option(False, "--demo", help="Run on a demo database with a demo org"),
        data_dir: Path = typer.Option(None, help="Data directory (THREATVEC_DATA_DIR)"),
        database_url: str = typer.Option(None, help="SQLAlchemy URL (THREATVEC_DATABASE_URL)"),
        insecure_no_auth: bool = typer.Option(
            False, "--insecure-no-auth", help="Allow a non-loopback bind with no org key"
        ),
        log_format: str = typer.Option(None, help="text or json"),
        no_scheduler: bool = typer.Option(False, "--no-scheduler", help="Do not run jobs"),
        public_url: str = typer.Option(
            None, help="The URL others reach this server at (THREATVEC_PUBLIC_URL)"
        ),
    ) -> None:
        """Run the ThreatVec server (REST API under /api/v1, dashboard at /, docs at /docs)."""
        import uvicorn

        from threatvec.core.logs import configure_logging
        from threatvec.core.settings import Settings
        from threatvec.orgs import service as orgs
        from threatvec.server.app import create_app
        from threatvec.store.engine import make_engine, session_scope
        from threatvec.store.migrate import upgrade
        from threatvec.store.models import load_all_models

        overrides: dict[str, Any] = {
            k: v
            for k, v in {
                "host": host,
                "port": port,
                "data_dir": data_dir,
                "database_url": database_url,
                "log_format": log_format,
                "public_url": public_url,
            }.items()
            if v is not None
        }
        if insecure_no_auth:
            overrides["insecure_no_auth"] = True
        if no_scheduler:
            overrides["scheduler_enabled"] = False
        try:
            settings = Settings(**overrides)
        except ValidationError as exc:
            fail(f"invalid settings: {validation_errors(exc)}")
        except Exception as exc:
            fail(f"invalid settings: {exc}")
        if demo:
            settings = demo_settings(settings)
        configure_logging(fmt=settings.log_format, level=settings.log_level)
        _warn_plain_http(settings.public_url)

        load_all_models()
        engine = make_engine(settings.resolved_database_url)
        try:
            upgrade(engine)
        except Exception as exc:
            fail(f"cannot migrate the database: {type(exc).__name__}: {exc}")
        key = settings.org_key.get_secret_value() if settings.org_key else None
        with session_scope(engine_factory(engine)) as session:
            if demo:
                from threatvec.demo import seed_demo

                seed_demo(session=session, org_key=key)
            keyed = bool(key) or orgs.auth_required(session=session)
        if not keyed and not _is_loopback(settings.host) and not settings.insecure_no_auth:
            fail(
                f"refusing to listen on {settings.host} with no org key configured: set ORG_KEY, "
                "create an org with `threatvec org create NAME"
                # the demo runs on its own database: a plain `org create` would miss it
                + (" --demo" if demo else "")
                + "`, or pass --insecure-no-auth"
            )
        app_ = create_app(settings, engine=engine)
        if demo:
            from threatvec.demo.runtime import start_demo_runtime

            start_demo_runtime(app_, settings)
        typer.echo(
            f"ThreatVec listening on http://{settings.host}:{settings.port}"
            + (" (demo)" if demo else "")
        )
        uvicorn.run(
            app_,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            proxy_headers=False,
            server_header=False,
            # Live views and SDK long polls hold connections open; on Ctrl-C
            # they get a few seconds to finish, not as long as they like.
            timeout_graceful_shutdown=3,
        )
        _exit_now(demo, engine)


def _exit_now(demo: bool, engine: Any) -> None:
    """Stop what runs beside the server, then leave without tearing the heap down.

    The server has stopped and its lifespan has ended (scheduler stopped,
    sessions closed). Freeing the interpreter's objects one by one took
    about 3 s on Ctrl-C and does nothing the operating system does not do
    at exit; the demo agents, the database and the logs are closed here.
    """
    import os

    if demo:
        from threatvec.demo.runtime import stop_demo_runtime

        stop_demo_runtime()
    engine.dispose()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def engine_factory(engine: Any) -> Any:
    from threatvec.store.engine import make_session_factory

    return make_session_factory(engine)
