"""Pure ASGI middleware: request ids, access logs, metrics, security headers, size cap.

Pure ASGI (not BaseHTTPMiddleware) so streaming responses such as SSE pass
through untouched.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from threatvec.core.logs import request_id_var
from threatvec.core.metrics import HTTP_LATENCY, HTTP_REQUESTS

__all__ = ["ObservabilityMiddleware"]

log = logging.getLogger("threatvec.access")

DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# Swagger UI and ReDoc set inline styles and ReDoc runs a blob: worker; both are
# served from our own origin, so scripts stay 'self'-only.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int = 20 * 1024 * 1024) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        path: str = scope["path"]
        start = time.perf_counter()
        status_holder = {"status": 500}

        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_body_bytes:
            await _reject_too_large(send, request_id, int(length), self.max_body_bytes)
            request_id_var.reset(token)
            return

        csp = DOCS_CSP if path in ("/docs", "/redoc") else DASHBOARD_CSP

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                extra = [
                    (b"x-request-id", request_id.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"content-security-policy", csp.encode()),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                existing = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra if k not in existing
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = _route_template(scope)
            status = str(status_holder["status"])
            HTTP_REQUESTS.inc(method=scope["method"], route=route, status=status)
            HTTP_LATENCY.observe(elapsed, route=route)
            log.info(
                "%s %s %s %.1fms",
                scope["method"],
                route,
                status,
                elapsed * 1000,
                extra={
                    "method": scope["method"],
                    "path": route,
                    "status": int(status),
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
            request_id_var.reset(token)


def _route_template(scope: Scope) -> str:
    # Label by the route template, not the raw path: ids would explode cardinality
    # and paths may carry identifiers that belong to customers. Routers are nested,
    # so rebuild the template by putting the parameter names back into the path.
    route: Any = scope.get("route")
    if route is None:
        return "unmatched"
    params: dict[str, Any] = scope.get("path_params") or {}
    by_value = {str(v): k for k, v in params.items()}
    segments = [
        f"{{{by_value[seg]}}}" if seg in by_value else seg for seg in str(scope["path"]).split("/")
    ]
    return "/".join(segments)


async def _reject_too_large(send: Send, request_id: str, length: int, limit: int) -> None:
    # Say the limit: a client that only learns "too large" cannot size its batches.
    body = json.dumps(
        {
            "type": "https://threatvec.dev/problems/payload-too-large",
            "title": "Payload too large",
            "status": 413,
            "detail": f"request body of {length:,} bytes is larger than the {limit:,} bytes "
            "this server accepts",
            "limit_bytes": limit,
        },
        separators=(",", ":"),
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
