"""Map every error to one RFC 9457 problem+json document."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from threatvec.core.errors import InvalidInput, RateLimited, ThreatVecError

__all__ = ["install_problem_handlers", "problem_response"]

log = logging.getLogger("threatvec.server")
TYPE_BASE = "https://threatvec.dev/problems/"
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    title = title or _TITLES.get(status, "Error")
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or title.lower().replace(" ", "-")),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(
        body, status_code=status, headers=headers, media_type="application/problem+json"
    )


def _wants_page(request: Request) -> bool:
    """A browser asking for a dashboard page (not the API, OTLP or docs) gets HTML, not JSON."""
    path = request.url.path
    if path.startswith(("/api/", "/v1/", "/docs", "/redoc", "/openapi")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _page_or_problem(request: Request, status: int, detail: str, **problem: Any) -> Response:
    """The problem as a small page for a browser on a dashboard URL; else problem+json."""
    if not _wants_page(request):
        return problem_response(status, detail, instance=request.url.path, **problem)
    import html

    title = html.escape(problem.get("title") or _TITLES.get(status, "Error"))
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} · ThreatVec</title>"
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/static/app.css"></head>'
        f'<body><main class="card"><h1>{title}</h1><p role="alert">{html.escape(detail)}</p>'
        '<p><a href="/">Back to the dashboard</a></p></main></body></html>'
    )
    headers = problem.get("headers") or {}
    retry = {k: v for k, v in headers.items() if k.lower() == "retry-after"}
    return HTMLResponse(page, status_code=status, headers=retry)


def _loc(loc: tuple[Any, ...] | list[Any]) -> list[str | int]:
    return [p if isinstance(p, int) else str(p) for p in loc]


def _validation_error(e: Any) -> dict[str, Any]:
    """One pydantic/FastAPI error as ``{loc, msg}``.

    A body that is not JSON comes as ``loc: ["body", 9], msg: "JSON decode
    error"``: the 9 is a character offset, read as a field named "9". Say what
    the parser said, and where.
    """
    loc = tuple(e.get("loc", ()))
    if e.get("type") == "json_invalid":
        where = f" at character {loc[1]}" if len(loc) > 1 and isinstance(loc[1], int) else ""
        why = str((e.get("ctx") or {}).get("error") or "").strip()
        return {"loc": ["body"], "msg": f"not valid JSON{where}" + (f": {why}" if why else "")}
    return {"loc": _loc(loc), "msg": str(e.get("msg", "invalid"))}


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ThreatVecError)
    async def _domain(request: Request, exc: ThreatVecError) -> Response:
        errors = None
        headers = None
        if isinstance(exc, InvalidInput):
            errors = [e.to_dict() for e in exc.errors]
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(exc.retry_after)}
        return _page_or_problem(
            request,
            exc.status,
            exc.detail,
            slug=exc.type_slug,
            title=exc.title,
            errors=errors,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [_validation_error(e) for e in exc.errors()]
        detail = (
            "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
            or "request is not valid"
        )
        return _page_or_problem(request, 422, detail, slug="invalid-input", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "")
        return _page_or_problem(
            request, exc.status_code, detail, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the schema let through (PostgreSQL stores no
        # NUL characters, numbers out of its range): that is bad input, not a crash.
        log.info(
            "database refused a value on %s: %s",
            request.url.path,
            type(exc.orig).__name__ if exc.orig else "DataError",
        )
        return problem_response(
            422,
            "a value in the request cannot be stored (NUL characters "
            "and out-of-range numbers are not accepted)",
            slug="invalid-input",
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500, "an internal error occurred; it has been logged", instance=request.url.path
        )
