"""Run a test MCP server over stdio, streamable HTTP or legacy SSE.

HTTP transports bind 127.0.0.1 on a free port and print ``PORT=<n>`` on
stdout once listening. ``--require-bearer ENV`` makes the HTTP server answer
401 unless ``Authorization: Bearer <value of ENV>`` is sent.
"""

from __future__ import annotations

import argparse
import hmac
import os
import socket
import sys
from typing import Any

import anyio


def _guard(app: Any, token: str) -> Any:
    expected = f"Bearer {token}".encode()

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            sent = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(sent, expected):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [(b"content-type", b"text/plain")],
                    }
                )
                await send({"type": "http.response.body", "body": b"unauthorized"})
                return
        await app(scope, receive, send)

    return guarded


def serve(server: Any, argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transport", choices=["stdio", "http", "sse"], default="stdio")
    parser.add_argument("--require-bearer", default=None)
    # Unknown options are ignored: tests pass credentials on the command line to
    # check that the scanner redacts them.
    args, _unknown = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
    if args.transport == "stdio":
        server.run("stdio")
        return
    import uvicorn

    app = server.streamable_http_app() if args.transport == "http" else server.sse_app()
    if args.require_bearer:
        app = _guard(app, os.environ[args.require_bearer])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    print(f"PORT={sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    anyio.run(lambda: uvicorn.Server(config).serve(sockets=[sock]))
