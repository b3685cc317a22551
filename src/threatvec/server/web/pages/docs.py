"""Swagger UI and ReDoc served entirely from our own origin (works air-gapped)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from threatvec.core.errors import NotFound

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


@lru_cache(maxsize=1)
def _redoc_bundle() -> bytes:
    # ReDoc's sidebar loads its logo from a CDN; point it at our own icon so the
    # page makes no request off this machine.
    text = (_ASSETS / "redoc.standalone.js").read_text(encoding="utf-8")
    return text.replace("https://cdn.redoc.ly/redoc/logo-mini.svg", "/static/favicon.svg").encode()


@router.get("/docs-assets/{name}", response_model=None)
def docs_asset(name: str) -> FileResponse | Response:
    if name not in _ALLOWED:
        raise NotFound("no such asset")
    cache = {"Cache-Control": "public, max-age=86400"}
    if name == "redoc.standalone.js":
        return Response(_redoc_bundle(), media_type="text/javascript", headers=cache)
    return FileResponse(_ASSETS / name, headers=cache)
