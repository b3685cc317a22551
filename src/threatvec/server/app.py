"""The app factory: settings in, a wired FastAPI app out."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from threatvec._version import __version__
from threatvec.core.problems import problem_responses
from threatvec.core.settings import Settings
from threatvec.orgs import service as orgs
from threatvec.redteam.flows import stop_all as stop_redteam
from threatvec.server.auth import require_org
from threatvec.server.middleware import ObservabilityMiddleware
from threatvec.server.problems import install_problem_handlers
from threatvec.server.web.render import RedirectToLogin
from threatvec.signals.bus import SignalBus
from threatvec.store.engine import make_engine, make_session_factory, session_scope
from threatvec.store.models import load_all_models

__all__ = ["API_PREFIX", "DOMAIN_ROUTERS", "PAGE_ROUTERS", "create_app"]

log = logging.getLogger("threatvec.server")
API_PREFIX = "/api/v1"
WEB_DIR = Path(__file__).parent / "web"

# Each module exposes `router`; a domain adds its router here.
DOMAIN_ROUTERS = [
    "threatvec.assets.router",
    "threatvec.signals.router",
    "threatvec.shadow.router",
    "threatvec.ingest.router",
    "threatvec.posture.router",
    "threatvec.agents.router",
    "threatvec.vulns.router",
    "threatvec.mcp.router",
    "threatvec.redteam.router",
    "threatvec.alerts.router",
    "threatvec.compliance.router",
    "threatvec.reports.router",
    "threatvec.integrations.router",
    "threatvec.enforcement.router",
    "threatvec.jobs.router",
]
# Routers served without the /api/v1 prefix and without the org-key dependency
# (they authenticate themselves, e.g. signed webhooks or OTLP).
UNPREFIXED_ROUTERS: list[str] = [
    "threatvec.otlp.router",
    "threatvec.enforcement.webhook",  # /api/v1/enforcement/webhook, signed per source
    "threatvec.enforcement.snapper_webhook",  # /api/v1/enforcement/snapper/{id}, Snapper-signed
    "threatvec.integrations.receiver",  # /api/v1/integrations/{id}/zscaler/nss, ingest token
    "threatvec.alerts.pagerduty_webhook",  # /api/v1/alerts/channels/{id}/pagerduty-webhook
]
# Dashboard pages, one module per area.
PAGE_ROUTERS = [
    "threatvec.server.web.pages.auth",
    "threatvec.server.web.pages.docs",
    "threatvec.server.web.pages.overview",
    "threatvec.server.web.pages.agents",
    "threatvec.server.web.pages.mcp",
    "threatvec.server.web.pages.mcp_findings",
    "threatvec.server.web.pages.shadow",
    "threatvec.server.web.pages.extension",
    "threatvec.server.web.pages.vulnerabilities",
    "threatvec.server.web.pages.redteam",
    "threatvec.server.web.pages.compliance",
    "threatvec.server.web.pages.live",
    "threatvec.server.web.pages.settings",
    "threatvec.server.web.pages.assets",
    "threatvec.server.web.pages.score_weights",
    "threatvec.server.web.pages.alerts",
    "threatvec.server.web.pages.enforcement",
    "threatvec.server.web.pages.snapper",
    "threatvec.server.web.pages.integrations",
]

DESCRIPTION = """\
ThreatVec measures the security posture of an organisation's AI: agents, MCP
servers, shadow AI and AI-library CVEs.

**Authentication.** Send your organisation key in the `X-Org-Key` header.
**Errors** are RFC 9457 `application/problem+json` documents.
**Lists** take `limit` and an opaque `cursor`, and return `next_cursor`;
sort with `sort=field` or `sort=-field`.
"""


def _include(app: FastAPI, module_names: list[str], **kwargs: Any) -> None:
    for name in module_names:
        router: APIRouter = importlib.import_module(name).router
        app.include_router(router, **kwargs)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the app. Migrations are applied by the caller (serve, db upgrade, tests)."""
    settings = settings or Settings()
    load_all_models()
    engine = engine or make_engine(settings.resolved_database_url)
    factory = make_session_factory(engine)
    bus = SignalBus()
    bus.attach(factory)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            with session_scope(factory) as session:
                key = settings.org_key.get_secret_value() if settings.org_key else None
                orgs.ensure_default_org(session=session, org_key=key)
                if not orgs.auth_required(session=session):
                    log.warning(
                        "NO ORG KEY CONFIGURED: every request is accepted as the default org. "
                        "Set ORG_KEY (or THREATVEC_ORG_KEY) before exposing this server."
                    )
        except OperationalError as exc:
            # A replica may start before its database; /healthz reports 503 until it is up.
            log.error("database unavailable at startup: %s", type(exc).__name__)
        if engine.dialect.name == "postgresql":
            bus.start_pg_listener(engine.url.render_as_string(hide_password=False))
        scheduler = None
        if settings.scheduler_enabled:
            from threatvec.server.scheduler import Scheduler

            scheduler = Scheduler(factory)
            scheduler.start()
        app.state.scheduler = scheduler
        try:
            yield
        finally:
            # Runs and cycles in this process die with it: say so on their rows first
            # (and stop a cycle the scheduler runs before waiting for its thread).
            stop_redteam(factory)
            if scheduler is not None:
                scheduler.stop()
            bus.stop()

    app = FastAPI(
        title="ThreatVec",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = factory
    app.state.signal_bus = bus
    app.state.secret_key = settings.resolved_secret_key()
    app.state.sse_heartbeat_s = 15.0

    install_problem_handlers(app)

    @app.exception_handler(RedirectToLogin)
    async def _to_login(request: Request, exc: RedirectToLogin) -> RedirectResponse:
        return RedirectResponse("/login", status_code=303)

    app.add_middleware(
        CORSMiddleware,
        # The browser extension posts from its own origin; it authenticates with the org key.
        allow_origin_regex=r"^chrome-extension://[a-p]{32}$",
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "X-Org-Key"],
    )
    app.add_middleware(ObservabilityMiddleware)

    _include(
        app,
        DOMAIN_ROUTERS,
        prefix=API_PREFIX,
        dependencies=[Depends(require_org)],
        responses=problem_responses(400, 401, 403, 422),
    )
    _include(app, UNPREFIXED_ROUTERS)
    from threatvec.server.system import router as system_router

    app.include_router(system_router)
    _include(app, PAGE_ROUTERS)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    return app
