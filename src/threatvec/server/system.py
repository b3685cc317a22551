"""Operational endpoints: health and Prometheus metrics (no org key needed)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

from threatvec._version import __version__
from threatvec.core.metrics import REGISTRY
from threatvec.core.problems import problem_responses
from threatvec.server.problems import problem_response

router = APIRouter(tags=["system"])
log = logging.getLogger("threatvec.server")


class Health(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "ok", "database": "ok", "version": "0.1.0"}]}
    )
    status: str
    database: str
    version: str


@router.get("/healthz", response_model=Health, responses=problem_responses(503))
def healthz(request: Request) -> JSONResponse | Health:
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("health check: database unreachable: %s", type(exc).__name__)
        return problem_response(
            503, f"database unreachable: {type(exc).__name__}", slug="unavailable"
        )
    return Health(status="ok", database="ok", version=__version__)


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={
        200: {
            "content": {"text/plain": {"example": "threatvec_http_requests_total 1"}},
            "description": "Prometheus text exposition format",
        }
    },
)
def metrics() -> PlainTextResponse:
    return PlainTextResponse(REGISTRY.render(), media_type="text/plain; version=0.0.4")
