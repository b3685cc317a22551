"""Swagger UI and ReDoc served entirely from our own origin (works air-gapped)."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(include_in_schema=False)
_ASSETS = Path(fastapi_offline.__file__).parent / "static"
_ALLOWED = {"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png"}

_SWAGGER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ThreatVec API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css">
<link rel="icon" href="/static/favicon.svg"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/static/docs-init.js"></script></body></html>"""

_REDOC = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ThreatVec API</title>
<link rel="icon" href="/static/favicon.svg"></head>
<body><div id="redoc"></div>
<script src="/docs-assets/redoc.standalone.js"></script>
<script src="/static/redoc-init.js"></script></body></html>"""


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui() -> HTMLResponse:
    return HTMLResponse(_SWAGGER)


@router.get("/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    return HTMLResponse(_REDOC)


@router.get("/docs-assets/{name}")
def docs_asset(name: str) -> FileResponse:
    if name not in _ALLOWED:
        from threatvec.core.errors import NotFound

        raise NotFound("no such asset")
    return FileResponse(_ASSETS / name, headers={"Cache-Control": "public, max-age=86400"})
